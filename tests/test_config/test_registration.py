"""mmltbin components live in mmpretrain's registries and mix with mmpretrain's in one config."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmpretrain.registry import DATASETS, TRANSFORMS
from toolrun import REPO_ROOT, python_tool


def test_components_register_into_mmpretrain_registries():
    assert DATASETS.get('SklearnDigits') is mmltbin.datasets.SklearnDigits
    assert TRANSFORMS.get('RepeatChannels') is not None
    # and the registries are mmpretrain's own, found under the default scope
    assert DATASETS.scope == 'mmpretrain'


@pytest.mark.slow
def test_mixed_config_builds_and_runs(tmp_path):
    """An mmltbin dataset and transform with an mmpretrain backbone, neck, head and metric."""
    cfg = Config(dict(
        default_scope='mmpretrain',
        custom_imports=dict(imports=['mmltbin'], allow_failed_imports=False),
        work_dir=str(tmp_path),
        model=dict(
            type='ImageClassifier',
            data_preprocessor=dict(num_classes=10, mean=[85.0] * 3, std=[100.0] * 3),
            backbone=dict(type='MobileNetV2', widen_factor=0.25, out_indices=(7, )),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=1280)),
        train_dataloader=dict(
            batch_size=32, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(type='SklearnDigits', split='train', pipeline=[
                dict(type='RepeatChannels', num_channels=3),
                dict(type='Resize', scale=(32, 32)),
                dict(type='PackInputs')])),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=5),
                           checkpoint=dict(type='CheckpointHook', interval=1)),
    ))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    batch = next(iter(runner.train_dataloader))
    assert batch['inputs'][0].shape == torch.Size([3, 32, 32])


@pytest.mark.slow
def test_config_outside_repo_inherits_mmltbin_bases(tmp_path):
    """`_base_ = 'mmltbin::...'` from another project's folder, trained by tools/train.py."""
    config = tmp_path / 'my_project' / 'my_digits.py'
    config.parent.mkdir()
    config.write_text(
        "_base_ = ['mmltbin::_base_/datasets/digits.py',\n"
        "          'mmltbin::_base_/default_runtime.py']\n"
        "model = dict(type='ImageClassifier',\n"
        "             backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=1,\n"
        "                           stem_channels=8, base_channels=8, num_stages=1,\n"
        "                           strides=(1, ), dilations=(1, ), out_indices=(0, )),\n"
        "             neck=dict(type='GlobalAveragePooling'),\n"
        "             head=dict(type='LinearClsHead', num_classes=10, in_channels=8))\n"
        "optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))\n"
        "train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)\n"
        "val_cfg = dict()\n"
        "test_cfg = dict()\n")
    cfg = Config.fromfile(str(config))
    assert cfg.train_dataloader.dataset.type == 'SklearnDigits'
    assert cfg.default_scope == 'mmpretrain'
    proc = python_tool('train.py', str(config), '--work-dir', str(tmp_path / 'run'),
                       cwd=str(config.parent), repo_on_path=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert osp.isfile(tmp_path / 'run' / 'epoch_1.pth')
    assert 'accuracy/top1' in proc.stdout + proc.stderr


def test_package_ships_configs_and_tools():
    from mmengine.utils import get_installed_path
    mim = osp.join(get_installed_path('mmltbin'), '.mim')
    assert osp.isfile(osp.join(mim, 'configs', '_base_', 'default_runtime.py'))
    assert osp.isfile(osp.join(mim, 'tools', 'train.py'))
