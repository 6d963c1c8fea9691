"""mmltbin.utils.cli: the training set as a test set."""
import pytest
from mmengine.config import Config

from mmltbin.utils import use_train_set_for_test


def _cfg(train_set: dict) -> Config:
    return Config(dict(
        train_dataloader=dict(batch_size=32, dataset=train_set),
        test_dataloader=dict(batch_size=128, dataset=dict(
            type='LongTailDataset', profile='counts', counts=[5, 5],
            dataset=dict(type='SklearnDigits', split='test', pipeline=['test-pipeline'])))))


def test_nested_training_set_gets_the_test_pipeline():
    train_set = dict(type='ClassBalancedDataset', oversample_thr=0.1, dataset=dict(
        type='LongTailDataset', profile='exp', n_max=100, rho=10,
        dataset=dict(type='SklearnDigits', split='train', pipeline=['train-pipeline'])))
    cfg = use_train_set_for_test(_cfg(train_set))
    swapped = cfg.test_dataloader.dataset
    assert swapped.type == 'ClassBalancedDataset' and swapped.dataset.n_max == 100
    assert swapped.dataset.dataset.split == 'train'
    assert swapped.dataset.dataset.pipeline == ['test-pipeline']
    assert cfg.test_dataloader.batch_size == 128
    # the training loader itself is untouched
    assert cfg.train_dataloader.dataset.dataset.dataset.pipeline == ['train-pipeline']


def test_dataset_without_pipeline_is_named():
    with pytest.raises(KeyError, match=r'train_dataloader\.dataset\.dataset \(type Odd\)'):
        use_train_set_for_test(_cfg(dict(type='Wrapper', dataset=dict(type='Odd'))))
