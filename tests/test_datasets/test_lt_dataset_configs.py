"""Every long-tailed dataset config builds, or fails with an error naming the missing data."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import mmltbin  # noqa: F401
from mmltbin.datasets import SklearnDigits, build_dataset_from_cfg, long_tail_counts
from toolrun import FASHION_MNIST_ROOT, REPO_ROOT

CONFIG_DIR = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets')
FASHION = ['fashion_mnist_lt'] + [f'fashion_mnist_lt_n{n}_r{r}' for n in (1000, 6000)
                                  for r in (10, 100)]
CIFAR = [f'{d}_lt{leaf}' for d in ('cifar10', 'cifar100') for leaf in ('', '_r10', '_r50',
                                                                        '_r100')]
FILES = ['imagenet_lt', 'places_lt', 'inat2018', 'caltech101_lt', 'dtd_lt', 'fgvc_aircraft_lt',
         'flowers102_lt', 'food101_lt', 'oxford_pets_lt', 'stanford_cars_lt', 'sun397_lt',
         'eurosat_lt', 'ucf101_lt']
ALL = FASHION + CIFAR + FILES
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def load(name: str) -> Config:
    return Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py'))


def test_the_15_benchmark_datasets_have_configs():
    benchmark = {name.split('_lt')[0] for name in CIFAR + FILES}
    assert len(benchmark) == 15, sorted(benchmark)  # plus Fashion-MNIST-LT, the embedded one


@pytest.mark.parametrize('name', ALL)
def test_config_is_long_tailed_with_shot_metrics_and_counts_hook(name):
    cfg = load(name)
    init_default_scope('mmpretrain')
    assert cfg.train_dataloader.dataset.type == 'LongTailDataset'
    assert cfg.val_evaluator.type == cfg.test_evaluator.type == 'ShotAccuracy'
    # every pipeline of the config is made of valid transforms
    for key in LOADERS:
        dataset = cfg[key].dataset
        Compose((dataset.get('dataset') or dataset).pipeline)


@pytest.mark.parametrize('name', CIFAR + FILES)
def test_missing_data_errors_name_the_missing_folder_or_file(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data here, whatever the machine has
    cfg = load(name)
    for key in LOADERS:
        with pytest.raises((FileNotFoundError, RuntimeError)) as err:
            build_dataset_from_cfg(cfg, key)
        if name == 'stanford_cars_lt' and key != 'train_dataloader':
            # mmpretrain's StanfordCars names no path (LongTailDataset does, for training)
            assert 'incorrectly organized' in str(err.value)
        else:
            assert cfg.data_root in str(err.value), f'{key}: {err.value}'


@pytest.fixture(scope='module')
def fashion_ready():
    if not osp.isfile(osp.join(FASHION_MNIST_ROOT, 'train-labels-idx1-ubyte')):
        pytest.skip('Fashion-MNIST is not prepared: run `bash tools/prepare_data.sh`')


@pytest.mark.slow
def test_fashion_mnist_lt_config_builds_set_b_and_the_balanced_test_set(fashion_ready,
                                                                          monkeypatch):
    from mmpretrain.registry import DATASETS
    monkeypatch.chdir(REPO_ROOT)
    cfg = load('fashion_mnist_lt')
    init_default_scope('mmpretrain')
    train = DATASETS.build(cfg.train_dataloader.dataset)  # as the Runner does, with pipeline
    assert train.metainfo['class_counts'] == [1000, 599, 359, 215, 129, 77, 46, 27, 16, 10]
    assert tuple(train[0]['inputs'].shape) == (3, 32, 32)
    test = build_dataset_from_cfg(cfg, 'test_dataloader')
    assert len(test) == 10000  # the test images, not the 60k training images


@pytest.mark.slow
@pytest.mark.parametrize('name', FASHION[1:])
def test_fashion_mnist_lt_leaves_give_the_formula_counts(name, fashion_ready, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    cfg = load(name)
    settings = cfg.train_dataloader.dataset
    n_max, rho = (int(v) for v in name.split('_n')[1].split('_r'))
    assert (settings.n_max, settings.rho) == (n_max, rho)
    expected = [int(np.floor(n_max * rho**(-i / 9) + 1e-6)) for i in range(10)]
    assert long_tail_counts(10, settings.n_max, settings.rho) == expected
    if name == FASHION[1]:  # one leaf built for real (the others differ only by two numbers)
        train = build_dataset_from_cfg(cfg, 'train_dataloader')
        assert train.metainfo['class_counts'] == expected


def test_eurosat_config_builds_on_a_real_image_folder(tmp_path, monkeypatch):
    """EuroSAT's layout filled with real (digit) images: the derived-LT recipe applies."""
    digits = SklearnDigits(split='train')
    classes = load('eurosat_lt').classes
    lines = {'train': [], 'test': []}
    for i in range(len(digits)):
        info = digits.get_data_info(i)
        rel = f'{classes[info["gt_label"]]}/{classes[info["gt_label"]]}_{i}.png'
        os.makedirs(tmp_path / 'data/eurosat/2750' / osp.dirname(rel), exist_ok=True)
        cv2.imwrite(str(tmp_path / 'data/eurosat/2750' / rel), info['img'])
        lines['test' if i % 5 == 0 else 'train'].append(f'{rel} {info["gt_label"]}\n')
    os.makedirs(tmp_path / 'data/eurosat/meta')
    for split, rows in lines.items():
        (tmp_path / f'data/eurosat/meta/{split}.txt').write_text(''.join(rows))
    monkeypatch.chdir(tmp_path)
    cfg = load('eurosat_lt')
    train = build_dataset_from_cfg(cfg, 'train_dataloader')
    smallest = int(np.bincount([int(r.split()[-1]) for r in lines['train']]).min())
    assert train.metainfo['class_counts'] == long_tail_counts(10, smallest, 10)
    assert train.metainfo['classes'] == tuple(classes)
    assert len(build_dataset_from_cfg(cfg, 'test_dataloader')) == len(lines['test'])
