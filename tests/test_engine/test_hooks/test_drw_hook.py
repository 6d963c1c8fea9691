"""DRWHook: class-balanced weights switched on at the configured epoch / iteration."""
import logging
from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks import DRWHook
from mmltbin.models.losses import ClassBalancedLoss
from lt_runner import digits_lt_config

CB_CE = dict(type='ClassBalancedLoss', beta=0.9999, enabled=False,
             loss=dict(type='CrossEntropyLoss'))


class RecordEnabled(Hook):
    """Records, at every training iteration, whether the head's CB weights are on."""

    def __init__(self):
        self.seen = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.seen.append((runner.epoch, runner.model.head.loss_module.enabled))


@pytest.mark.slow
def test_weights_switch_on_at_start_epoch_in_a_real_run(tmp_path):
    record = RecordEnabled()
    cfg = digits_lt_config(tmp_path, loss=CB_CE, max_epochs=3,
                           custom_hooks=[dict(type='DRWHook', start_epoch=2)])
    runner = Runner.from_cfg(cfg)
    runner.register_hook(record)
    runner.train()
    by_epoch = {}
    for epoch, enabled in record.seen:
        by_epoch.setdefault(epoch, set()).add(enabled)
    assert by_epoch == {0: {False}, 1: {False}, 2: {True}}
    # the wrapper got the LT counts from ClassCountsHook and weights the tail more
    weights = runner.model.head.loss_module.weights()
    assert weights[-1] > weights[0]


def _fake_runner(loss: nn.Module, epoch: int = 0, iteration: int = 0):
    head = nn.Module()
    head.loss_module = loss
    model = nn.Module()
    model.head = head
    return SimpleNamespace(model=model, epoch=epoch, iter=iteration,
                           logger=logging.getLogger('test_drw_hook'),
                           train_loop=SimpleNamespace(max_epochs=10))


def test_state_follows_the_epoch_so_resuming_restores_it():
    loss = ClassBalancedLoss(dict(type='CrossEntropyLoss'), enabled=True)
    hook = DRWHook(start_epoch=5)
    hook.before_train_epoch(_fake_runner(loss, epoch=4))
    assert loss.enabled is False  # the config's enabled=True does not matter
    hook.before_train_epoch(_fake_runner(loss, epoch=7))  # e.g. resumed late in training
    assert loss.enabled is True


def test_iteration_based_switch():
    loss = ClassBalancedLoss(dict(type='CrossEntropyLoss'), enabled=False)
    hook = DRWHook(start_iter=100)
    hook.before_train_iter(_fake_runner(loss, iteration=99), 0)
    assert loss.enabled is False
    hook.before_train_iter(_fake_runner(loss, iteration=100), 0)
    assert loss.enabled is True
    hook.before_train_epoch(_fake_runner(loss, epoch=0))  # epochs are ignored
    assert loss.enabled is True


def test_clear_errors():
    with pytest.raises(ValueError, match='exactly one of start_epoch and start_iter'):
        DRWHook()
    with pytest.raises(ValueError, match='exactly one of start_epoch and start_iter'):
        DRWHook(start_epoch=1, start_iter=1)
    with pytest.raises(ValueError, match='int >= 0'):
        DRWHook(start_epoch=-1)
    plain = nn.CrossEntropyLoss()
    with pytest.raises(TypeError, match="CrossEntropyLoss, not a ClassBalancedLoss; wrap"):
        DRWHook(start_epoch=1).before_train(_fake_runner(plain))
    with pytest.raises(AttributeError, match='no submodule "head.nothing"'):
        DRWHook(start_epoch=1, loss='head.nothing').before_train(_fake_runner(plain))
