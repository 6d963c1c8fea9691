"""FiniteLossHook: a real run whose loss becomes non-finite stops with the iteration and the
term, without checkpointing the damaged weights; the last good checkpoint resumes (digits)."""
import math
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks.finite_loss_hook import non_finite_terms
from lt_runner import digits_lt_config
from toolrun import checkpoint_state_dict


class HugeLearningRateHook(Hook):
    """From epoch 2 on, a learning rate that overflows the weights (a real divergence)."""

    def before_train_epoch(self, runner) -> None:
        if runner.epoch == 1:
            for group in runner.optim_wrapper.optimizer.param_groups:
                group['lr'] = 1e38


def test_a_diverging_run_stops_naming_iteration_and_term_and_stays_resumable(tmp_path):
    cfg = digits_lt_config(tmp_path, max_epochs=3, **{'optim_wrapper.optimizer.type': 'SGD',
                                                      'optim_wrapper.optimizer.lr': 0.01})
    runner = Runner.from_cfg(cfg)
    runner.register_hook(HugeLearningRateHook())
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    assert 'FiniteLossHook: non-finite loss=' in message
    assert f'at iteration {runner.iter + 1} (epoch 2' in message
    assert 'epoch_1.pth' in message
    # the damaged weights were not saved; the last checkpoint is whole and finite
    assert not osp.exists(osp.join(tmp_path, 'epoch_2.pth'))
    with open(osp.join(tmp_path, 'last_checkpoint')) as f:
        assert osp.basename(f.read().strip()) == 'epoch_1.pth'
    weights = checkpoint_state_dict(osp.join(tmp_path, 'epoch_1.pth'))
    assert all(torch.isfinite(w).all() for w in weights.values() if w.is_floating_point())
    # and resuming from it (with a sane learning rate) trains to the end
    cfg = digits_lt_config(tmp_path, max_epochs=3, resume=True,
                           **{'optim_wrapper.optimizer.type': 'SGD',
                              'optim_wrapper.optimizer.lr': 0.01})
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.epoch == 3 and osp.exists(osp.join(tmp_path, 'epoch_3.pth'))


def test_terms_and_lambda_are_named():
    class Distiller:
        def balancer_stats(self):
            return dict(lambda_mean=math.nan, lambda_std=0.0)

    bad = non_finite_terms({'loss': torch.tensor(1.0), 'loss_kd': torch.tensor(math.inf)},
                           Distiller())
    assert bad == {'loss_kd': math.inf, 'lambda_mean': bad['lambda_mean']}
    assert math.isnan(bad['lambda_mean'])
    assert non_finite_terms({'loss': 2.0, 'acc': torch.ones(3)}) == {}
