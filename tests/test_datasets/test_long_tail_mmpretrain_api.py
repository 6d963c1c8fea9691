"""LongTailDataset gives what mmpretrain's tools and hooks read from a dataset."""
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from mmpretrain.engine.hooks import ClassNumCheckHook
from mmpretrain.registry import MODELS

import mmltbin  # noqa: F401
from mmltbin.datasets import LongTailDataset
from toolrun import REPO_ROOT

PACK = [dict(type='PackInputs')]


def _digits_lt():
    return LongTailDataset(dict(type='SklearnDigits', split='train', pipeline=PACK),
                           n_max=20, rho=4)


def test_classes_and_class_to_idx_come_from_the_wrapped_dataset():
    lt = _digits_lt()
    assert lt.CLASSES == tuple(lt.dataset.metainfo['classes'])
    assert lt.class_to_idx == {name: i for i, name in enumerate(lt.CLASSES)}


def test_setting_the_pipeline_replaces_the_wrapped_one():
    """browse_dataset.py and SwitchRecipeHook assign ``dataset.pipeline``: every kept sample
    must then go through the new pipeline."""
    lt = _digits_lt()
    assert lt.pipeline is lt.dataset.pipeline
    seen = []

    def record(results):
        seen.append(results['sample_idx'])
        return results

    lt.pipeline = Compose([record, *lt.pipeline.transforms])
    lt[3]
    assert seen == [int(lt.indices[3])]


def _fake_runner(dataset, num_classes):
    model = MODELS.build(dict(
        type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18),
        head=dict(type='LinearClsHead', num_classes=num_classes, in_channels=512),
        data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=num_classes)))
    return SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=dataset),
                           logger=MMLogger.get_current_instance())


def test_mmpretrain_class_num_check_hook_reads_the_classes():
    lt = _digits_lt()
    ClassNumCheckHook().before_train(_fake_runner(lt, 10))
    with pytest.raises(AssertionError, match='num_classes'):
        ClassNumCheckHook().before_train(_fake_runner(lt, 9))


@pytest.mark.slow
@pytest.mark.parametrize('config', [
    'configs/baselines/reactnet-a_ce_fashion-mnist-lt.py',
    'configs/ltbin/calibrate_effnet-lite0_fashion-mnist-lt.py',
    'configs/ltbin/reactnet_fashion-mnist-lt.py',
])
def test_class_num_check_hook_passes_on_mmltbin_configs(config, fashion_mnist_root, tmp_path):
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    cfg.work_dir = str(tmp_path)
    cfg.data_root = fashion_mnist_root
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    inner = cfg.train_dataloader.dataset.dataset
    inner.data_root = cfg.test_dataloader.dataset.data_root = fashion_mnist_root
    if 'teacher' in cfg.model:
        # the check reads class names and num_classes only: no calibrated teacher needed
        cfg.model.teacher.checkpoint = None
        cfg.default_hooks.pop('teacher_cache_prefill', None)
    runner = Runner.from_cfg(cfg)
    ClassNumCheckHook().before_train(runner)
    ClassNumCheckHook().before_test(runner)
    assert runner.train_dataloader.dataset.CLASSES == runner.test_dataloader.dataset.CLASSES
