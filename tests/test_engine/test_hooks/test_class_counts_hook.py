"""ClassCountsHook: counts reach the model and metrics in training, testing and under DDP."""
import copy
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.datasets import long_tail_counts
from mmltbin.engine.hooks import ClassCountsHook
from mmltbin.engine.hooks import class_counts_hook as hook_module
from mmltbin.evaluation import ShotAccuracy
from mmltbin.utils import load_checkpoint_safely
from mmpretrain.registry import MODELS

LT_COUNTS = long_tail_counts(10, 40, 10)  # the digits-LT training set below


@MODELS.register_module(force=True)
class CountsRecordingLoss(nn.Module):
    """Cross-entropy that, like an LT loss, receives the class counts (test helper)."""

    def __init__(self, class_counts=None):
        super().__init__()
        self.class_counts = class_counts
        self.calls = 0

    def set_class_counts(self, counts):
        self.class_counts = list(counts)
        self.calls += 1

    def forward(self, cls_score, label, **kwargs):
        return nn.functional.cross_entropy(cls_score, label)


def make_cfg(work_dir, train_dataset=None, **overrides):
    train_dataset = train_dataset or dict(
        type='LongTailDataset', dataset=dict(type='SklearnDigits', split='train'),
        n_max=40, rho=10)
    pipeline = [dict(type='PackInputs')]
    train_dataset = copy.deepcopy(train_dataset)
    (train_dataset.get('dataset') or train_dataset)['pipeline'] = pipeline
    test_loader = dict(batch_size=64, num_workers=0,
                       sampler=dict(type='DefaultSampler', shuffle=False),
                       dataset=dict(type='SklearnDigits', split='test', pipeline=pipeline))
    cfg = dict(
        default_scope='mmpretrain',
        work_dir=str(work_dir),
        model=dict(
            type='ImageClassifier',
            data_preprocessor=dict(num_classes=10, mean=[85.0], std=[100.0], to_rgb=False),
            backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=8,
                          base_channels=8, num_stages=1, strides=(1, ), dilations=(1, ),
                          out_indices=(0, ), norm_cfg=dict(type='GN', num_groups=4)),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=8,
                      loss=dict(type='CountsRecordingLoss'))),
        train_dataloader=dict(batch_size=32, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              dataset=train_dataset),
        train_cfg=dict(by_epoch=True, max_epochs=1, val_interval=1),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        val_dataloader=test_loader, val_cfg=dict(), val_evaluator=dict(type='ShotAccuracy'),
        test_dataloader=test_loader, test_cfg=dict(), test_evaluator=dict(type='ShotAccuracy'),
        custom_hooks=[dict(type='ClassCountsHook')],
        default_hooks=dict(logger=dict(type='LoggerHook', interval=50),
                           checkpoint=dict(type='CheckpointHook', interval=1)),
        log_level='WARNING',
    )
    cfg.update(overrides)
    return Config(cfg)


def no_config_build(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError('ClassCountsHook built a dataset it did not need')
    monkeypatch.setattr(hook_module, 'build_dataset_from_cfg', forbidden)


def loss_of(runner):
    return runner.model.head.loss_module


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One short training run on real digits-LT; returns its work dir."""
    work_dir = tmp_path_factory.mktemp('train')
    runner = Runner.from_cfg(make_cfg(work_dir))
    with pytest.MonkeyPatch.context() as patch:
        no_config_build(patch)  # a train loop exists: its dataset's metainfo is used
        runner.train()
    return dict(work_dir=str(work_dir), loss=loss_of(runner),
                val_metric=runner.val_evaluator.metrics[0],
                scalars=runner.message_hub.log_scalars)


def test_training_pushes_dataset_counts_to_model_and_val_metric(trained):
    assert trained['loss'].class_counts == LT_COUNTS
    assert trained['val_metric'].class_counts == LT_COUNTS
    assert 'val/accuracy/many' in trained['scalars']
    ckpt = load_checkpoint_safely(osp.join(trained['work_dir'], 'epoch_1.pth'))
    assert ckpt['meta']['dataset_meta']['class_counts'] == LT_COUNTS


def test_test_only_run_takes_counts_from_the_checkpoint(trained, tmp_path, monkeypatch):
    no_config_build(monkeypatch)
    cfg = make_cfg(tmp_path, load_from=osp.join(trained['work_dir'], 'epoch_1.pth'))
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper'):
        cfg[key] = None
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert runner.test_evaluator.metrics[0].class_counts == LT_COUNTS
    assert loss_of(runner).class_counts == LT_COUNTS
    assert {'accuracy/many', 'accuracy/medium', 'accuracy/few'} <= metrics.keys()


def test_without_checkpoint_the_config_train_set_is_built_once(tmp_path, monkeypatch):
    calls = []
    real = hook_module.build_dataset_from_cfg

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hook_module, 'build_dataset_from_cfg', counting)
    runner = Runner.from_cfg(make_cfg(tmp_path))  # train loop configured but not run
    runner.test()
    runner.test()
    assert runner.test_evaluator.metrics[0].class_counts == LT_COUNTS
    assert len(calls) == 1


def test_missing_counts_raise_naming_the_component(tmp_path):
    balanced = dict(type='SklearnDigits', split='train')
    runner = Runner.from_cfg(make_cfg(tmp_path, train_dataset=balanced))
    with pytest.raises(RuntimeError, match='ClassCountsHook: CountsRecordingLoss, ShotAccuracy '
                       'need.*LongTailDataset'):
        runner.test()


def test_components_with_their_own_counts_need_nothing(tmp_path, monkeypatch):
    no_config_build(monkeypatch)
    cfg = make_cfg(tmp_path, test_evaluator=dict(type='ShotAccuracy', class_counts=[7] * 10))
    cfg.model.head.loss = dict(type='CountsRecordingLoss', class_counts=[7] * 10)
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper'):
        cfg[key] = None
    runner = Runner.from_cfg(cfg)
    runner.test()  # no counts anywhere, but nobody lacks them
    assert runner.test_evaluator.metrics[0].class_counts == [7] * 10


def test_ddp_wrapped_model_is_unwrapped(tmp_path):
    from mmengine.model import MMDistributedDataParallel
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/pg', rank=0, world_size=1)
    try:
        model = nn.Sequential(nn.Linear(2, 2), CountsRecordingLoss())
        wrapped = MMDistributedDataParallel(model, device_ids=None)
        metric = ShotAccuracy()
        runner = SimpleNamespace(model=wrapped, _train_loop=None, cfg=Config(),
                                 logger=MMLogger.get_current_instance(),
                                 test_evaluator=SimpleNamespace(metrics=[metric]))
        hook = ClassCountsHook()
        hook.after_load_checkpoint(runner, dict(meta=dict(dataset_meta=dict(
            classes=('a', 'b'), class_counts=[30, 3]))))
        hook.before_test(runner)
        assert model[1].class_counts == [30, 3] and metric.class_counts == [30, 3]
    finally:
        dist.destroy_process_group()
