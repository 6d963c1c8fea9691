"""MaxNormHook: per-class weight rows projected into a norm ball after every step."""
import logging
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks import MaxNormHook
from mmltbin.engine.hooks.max_norm_hook import CHECKPOINT_KEY
from lt_runner import digits_lt_config


def _fake_runner(rows):
    head = nn.Module()
    head.fc = nn.Linear(2, len(rows))
    head.fc.weight.data.copy_(torch.tensor(rows))
    model = nn.Module()
    model.head = head
    return SimpleNamespace(model=model, logger=logging.getLogger('test_max_norm_hook'))


def test_relative_radius_and_projection_by_hand():
    # row norms 1, 5, 3 -> radius 1 + 0.25 * (5 - 1) = 2
    runner = _fake_runner([[1.0, 0.0], [3.0, 4.0], [0.0, 3.0]])
    hook = MaxNormHook(thresh=0.25)
    hook.before_train(runner)
    assert hook.radius == pytest.approx(2.0)
    weight = runner.model.head.fc.weight
    torch.testing.assert_close(weight.detach(),
                               torch.tensor([[1.0, 0.0], [1.2, 1.6], [0.0, 2.0]]))
    # a step that grows the first row beyond the radius: projected back after the iteration
    weight.data[0] = torch.tensor([0.0, 4.0])
    hook.after_train_iter(runner, 0)
    assert weight[0].tolist() == pytest.approx([0.0, 2.0], abs=1e-6)


def test_absolute_radius_and_checkpoint_round_trip():
    runner = _fake_runner([[3.0, 4.0], [0.3, 0.4]])
    hook = MaxNormHook(thresh=1.0, mode='absolute')
    hook.before_train(runner)
    assert runner.model.head.fc.weight.norm(dim=1).tolist() == pytest.approx([1.0, 0.5])
    relative = MaxNormHook(thresh=0.5)
    relative.before_train(_fake_runner([[1.0, 0.0], [3.0, 0.0]]))  # radius 2
    checkpoint = {'meta': {}}
    relative.before_save_checkpoint(None, checkpoint)
    assert checkpoint['meta'][CHECKPOINT_KEY] == pytest.approx(2.0)
    resumed = MaxNormHook(thresh=0.5)
    resumed.after_load_checkpoint(None, checkpoint)
    resumed.before_train(_fake_runner([[0.5, 0.0], [9.0, 0.0]]))  # not recomputed (0.5 + 4.25)
    assert resumed.radius == pytest.approx(2.0)


def test_in_a_real_run_every_row_stays_within_the_radius(tmp_path):
    cfg = digits_lt_config(
        tmp_path, max_epochs=1,
        custom_hooks=[dict(type='MaxNormHook', thresh=0.05, mode='absolute')])
    runner = Runner.from_cfg(cfg)
    runner.train()
    norms = runner.model.head.fc.weight.norm(dim=1)
    assert norms.max().item() <= 0.05 + 1e-6
    assert norms.max().item() == pytest.approx(0.05, rel=1e-3)  # the constraint was active


def test_clear_errors():
    with pytest.raises(ValueError, match='mode must be one of'):
        MaxNormHook(mode='median')
    with pytest.raises(ValueError, match='thresh must be > 0'):
        MaxNormHook(thresh=0.0, mode='absolute')
    runner = _fake_runner([[1.0, 0.0]])
    runner.model.head.fc = nn.Identity()
    with pytest.raises(TypeError, match='no 2-D weight'):
        MaxNormHook().before_train(runner)
