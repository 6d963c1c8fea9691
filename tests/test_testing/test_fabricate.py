"""mmltbin.testing.fabricate_dataset: each dataset's own reader (mmpretrain's, mmltbin's
INaturalist2018, CustomDataset on the list files) reads the fabricated files: every class with
the requested number of images, the images at the real images' size."""
import os.path as osp
from collections import Counter

import mmcv
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS

import mmltbin  # noqa: F401  (registers INaturalist2018)
from mmltbin.testing import WRITERS, accept_fabricated_cifar, fabricate_dataset
from toolrun import REPO_ROOT

BASES = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets')
# one dataset base per reader; (its config, image side range of the fabricated files)
DATASETS_CFGS = {
    'fashion_mnist_lt.py': (28, 28), 'cifar10_lt.py': (32, 32), 'cifar100_lt.py': (32, 32),
    'imagenet_lt.py': (256, 500), 'places_lt.py': (256, 500), 'inat2018.py': (300, 500),
    'caltech101_lt.py': (256, 500), 'dtd_lt.py': (300, 500), 'eurosat_lt.py': (256, 500),
    'fgvc_aircraft_lt.py': (300, 500), 'flowers102_lt.py': (500, 500),
    'food101_lt.py': (256, 500), 'oxford_pets_lt.py': (256, 500),
    'stanford_cars_lt.py': (256, 500), 'sun397_lt.py': (256, 500), 'ucf101_lt.py': (256, 500),
}


def _inner(dataset: dict) -> dict:
    while isinstance(dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return dict(dataset, pipeline=[])


# thousands of classes (ImageNet-LT, iNaturalist): seconds of file writing
@pytest.mark.parametrize('base', [
    pytest.param(base, marks=pytest.mark.slow) if base in ('imagenet_lt.py', 'inat2018.py')
    else base for base in sorted(DATASETS_CFGS)])
def test_reader_reads_every_class(base, tmp_path, monkeypatch):
    cfg = Config.fromfile(osp.join(BASES, base))
    per_class = 1 if base == 'inat2018.py' else 3  # 8,142 classes
    fabricate_dataset(cfg, str(tmp_path), per_class=per_class, test_per_class=1)
    monkeypatch.chdir(tmp_path)
    num_classes = cfg.data_preprocessor.num_classes
    with DefaultScope.overwrite_default_scope('mmpretrain'), accept_fabricated_cifar():
        train = DATASETS.build(_inner(cfg.train_dataloader.dataset))
        test = DATASETS.build(_inner(cfg.test_dataloader.dataset))
    train_counts = Counter(train.get_gt_labels().tolist())
    test_counts = Counter(test.get_gt_labels().tolist())
    # the trainval split of DTD, FGVC-Aircraft and Flowers102 is the train and the val images
    inner = _inner(cfg.train_dataloader.dataset)
    trainval = inner.get('split') == 'trainval' and inner['type'] != 'OxfordIIITPet'
    assert train_counts == {c: per_class * (2 if trainval else 1) for c in range(num_classes)}
    assert test_counts == {c: 1 for c in range(num_classes)}
    info = train.get_data_info(0)
    img = info['img'] if 'img' in info else mmcv.imread(info['img_path'])
    low, high = DATASETS_CFGS[base]
    assert img.dtype == np.uint8 and low <= min(img.shape[:2]) <= max(img.shape[:2]) <= high


def test_every_writer_is_tested():
    tested = set()
    for base in DATASETS_CFGS:
        cfg = Config.fromfile(osp.join(BASES, base))
        tested.add(_inner(cfg.train_dataloader.dataset)['type'])
    assert set(WRITERS) - tested == {'MNIST'}  # FashionMNIST's format


def test_fabricated_cifar_is_still_checked(tmp_path):
    cfg = Config.fromfile(osp.join(BASES, 'cifar10_lt.py'))
    root = fabricate_dataset(cfg, str(tmp_path), per_class=1)[0]
    cifar = dict(type='CIFAR10', data_root=root, split='test', download=False)
    with accept_fabricated_cifar():
        assert len(DATASETS.build(cifar)) == 20
    # outside the context the official md5 sums are required
    with pytest.raises(RuntimeError, match='Cannot find CIFAR10'):
        DATASETS.build(cifar)
    # inside it, a fabricated file that changed is refused
    with open(osp.join(root, 'cifar-10-batches-py', 'data_batch_3'), 'ab') as f:
        f.write(b'changed')
    with accept_fabricated_cifar(), pytest.raises(RuntimeError, match='Cannot find CIFAR10'):
        DATASETS.build(cifar)


def test_unknown_dataset_type_is_named(tmp_path):
    cfg = Config(dict(train_dataloader=dict(dataset=dict(type='VOC', data_root='data/voc'))))
    with pytest.raises(KeyError, match='no writer for dataset type "VOC"'):
        fabricate_dataset(cfg, str(tmp_path))
