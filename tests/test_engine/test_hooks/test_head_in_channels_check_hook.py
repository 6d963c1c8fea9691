"""HeadInChannelsCheckHook: a head wider than the backbone fails before the first step."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks import HeadInChannelsCheckHook
from toolrun import REPO_ROOT

BASELINE = osp.join(REPO_ROOT, 'configs', 'baselines', 'reactnet-a_ce_fashion-mnist-lt.py')


def _runner(tmp_path, fashion_mnist_root, in_channels):
    cfg = Config.fromfile(BASELINE)  # ReActNet-A at widen_factor 0.25: 256 channels
    cfg.model.head.in_channels = in_channels
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.dataset.dataset.data_root = fashion_mnist_root
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    return Runner.from_cfg(cfg)


def test_wrong_in_channels_names_both_numbers_and_the_key_before_training(
        tmp_path, fashion_mnist_root):
    runner = _runner(tmp_path, fashion_mnist_root, 1024)
    with pytest.raises(ValueError, match=r'model\.head\.in_channels is 1024, but ReActNet and '
                       r'GlobalAveragePooling give 256 channels'):
        runner.train()
    assert runner.iter == 0


def test_matching_in_channels_pass_and_leave_the_model_in_training_mode(
        tmp_path, fashion_mnist_root):
    runner = _runner(tmp_path, fashion_mnist_root, 256)
    runner.model.train()
    HeadInChannelsCheckHook().before_run(runner)
    assert runner.model.training
