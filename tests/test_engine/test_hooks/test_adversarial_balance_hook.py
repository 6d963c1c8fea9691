"""AdversarialBalanceHook: warm-up, interval, ascent step, lambda logging, on real data."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks import AdversarialBalanceHook
from mmltbin.utils import load_checkpoint_safely
from mmpretrain.registry import HOOKS, MODELS
from lt_runner import DISTILL_DIGITS, save_digits_teacher
from toolrun import REPO_ROOT

CONFIG = DISTILL_DIGITS


@HOOKS.register_module(force=True)
class _RecordBalancerHook(Hook):
    """Test-only: the balancer's parameters after every iteration (after the ascent step)."""

    priority = 'LOWEST'
    records: list = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = runner.model
        type(self).records.append(
            [p.detach().clone() for p in model.balancer.parameters()])


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    return save_digits_teacher(str(tmp_path_factory.mktemp('teacher') / 'teacher.pth'))


def _run(tmp_path, teacher_ckpt, hook: dict, max_epochs=3, resume=False, **model):
    cfg = Config.fromfile(CONFIG)
    cfg.model.teacher.checkpoint = teacher_ckpt
    for key, value in model.items():
        cfg.model[key] = value
    cfg.custom_hooks = [dict(type='AdversarialBalanceHook', **hook),
                        dict(type='_RecordBalancerHook')]
    cfg.train_cfg.max_epochs = max_epochs
    cfg.work_dir = str(tmp_path)
    cfg.resume = resume
    _RecordBalancerHook.records = []
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _scalars(work_dir):
    log = sorted(glob.glob(f'{work_dir}/*/vis_data/scalars.json'))[-1]
    return [json.loads(line) for line in open(log)]


def _changed(before, after):
    return any(not torch.equal(a, b) for a, b in zip(before, after))


def test_schedule_of_update_iterations():
    hook = AdversarialBalanceHook(warmup_iters=3, interval=2)
    assert [hook.is_update_iter(i) for i in range(8)] == [False] * 3 + [True, False] * 2 + [True]
    assert all(AdversarialBalanceHook().is_update_iter(i) for i in range(5))


@pytest.mark.slow
def test_reversal_mode_freezes_during_warmup_then_learns_and_logs_lambda(tmp_path, teacher_ckpt):
    runner = _run(tmp_path, teacher_ckpt, dict(warmup_iters=4, log_interval=1))
    records = _RecordBalancerHook.records
    assert len(records) == 15
    initial = [p.detach() for p in MODELS.build(
        dict(type='AdversarialBalancer', in_channels=32, hidden_dims=(8, ))).parameters()]
    # the last layer starts at zero: lambda is 0.5 until the first update
    for step in range(4):
        assert not _changed(records[0], records[step]), step
        assert torch.equal(records[step][2], initial[2])
    assert _changed(records[3], records[4]) and _changed(records[4], records[-1])
    rows = [r for r in _scalars(tmp_path) if 'loss_kd' in r]
    assert [r['lambda_mean'] for r in rows[:4]] == [0.5] * 4
    assert all(r['lambda_std'] == 0.0 for r in rows[:4])
    assert rows[-1]['lambda_std'] > 0 and rows[-1]['lambda_mean'] != 0.5
    assert runner.message_hub.get_scalar('train/lambda_mean') is not None


@pytest.mark.slow
def test_step_mode_ascends_with_its_own_optimizer_and_resumes_it(tmp_path, teacher_ckpt):
    _run(tmp_path, teacher_ckpt, dict(mode='step', interval=2, lr=0.01), max_epochs=2)
    records = _RecordBalancerHook.records
    # updated on iterations 0, 2, 4, ... only: the training step itself never moves it
    for step in range(1, len(records)):
        assert _changed(records[step - 1], records[step]) == (step % 2 == 0), step
    ckpt = load_checkpoint_safely(f'{tmp_path}/epoch_2.pth')
    state = ckpt['adversarial_balance_hook']['optimizer']
    assert state['param_groups'][0]['lr'] == 0.01
    saved_steps = int(next(iter(state['state'].values()))['step'])
    assert saved_steps == 5  # iterations 0, 2, 4, 6, 8

    runner = _run(tmp_path, teacher_ckpt, dict(mode='step', interval=2, lr=0.01),
                  max_epochs=3, resume=True)
    hook = next(h for h in runner.hooks if isinstance(h, AdversarialBalanceHook))
    resumed_steps = int(next(iter(hook._optimizer.state.values()))['step'])
    assert resumed_steps == saved_steps + 3  # iterations 10, 12, 14 after the resume


def test_a_fixed_balancer_is_only_logged(tmp_path, teacher_ckpt):
    _run(tmp_path, teacher_ckpt, dict(), max_epochs=1,
         balancer=dict(type='FixedBalancer', lam=0.25))
    rows = [r for r in _scalars(tmp_path) if 'loss_kd' in r]
    assert rows and all(r['lambda_mean'] == 0.25 for r in rows)


def test_a_model_without_the_balancer_interface_is_named(tmp_path):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'tests', 'data', 'digits_tiny.py'))
    cfg.custom_hooks = [dict(type='AdversarialBalanceHook')]
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    with pytest.raises(TypeError, match=r'ImageClassifier\) has no balancer interface'):
        runner.train()


@pytest.mark.parametrize('kwargs,match', [
    (dict(mode='sgd'), 'mode must be one of'),
    (dict(warmup_iters=-1), 'warmup_iters'),
    (dict(interval=0), 'interval must be an int >= 1, got 0'),
    (dict(log_interval=0), 'log_interval must be an int >= 1, got 0'),
    (dict(lr=0.0), 'lr must be None or > 0'),
    (dict(optimizer=dict(lr=1.0)), 'optimizer must be a config dict with a "type"'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HOOKS.build(dict(type='AdversarialBalanceHook', **kwargs))
