"""Stop training at the first non-finite loss term or balancing weight."""
import math
from typing import Dict, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...utils.checks import unwrap_model


def non_finite_terms(outputs: Optional[Dict], model=None) -> Dict[str, float]:
    """The loss terms (and, for a distiller, ``lambda_*`` statistics) that are NaN or infinite.

    Example:
        >>> import torch
        >>> non_finite_terms({'loss': torch.tensor(float('nan')), 'loss_kd': torch.tensor(1.0)})
        {'loss': nan}
    """
    values = dict(outputs or {})
    stats = getattr(model, 'balancer_stats', None)
    if callable(stats):
        values.update(stats())
    bad = {}
    for name, value in values.items():
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                continue
            value = value.item()
        if isinstance(value, (int, float)) and not math.isfinite(value):
            bad[name] = float(value)
    return bad


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise at the first training iteration whose loss or balancing weight is not finite.

    A NaN or infinite loss term (``loss_kd``, ``loss_task``, ...) or balancer weight
    (``lambda_mean`` / ``lambda_std`` of ``CalibratedDistiller``) ends training with an error
    that names the iteration and the terms. It runs before the checkpoint hook, so no
    checkpoint with the damaged weights is written: the last one saved stays resumable. In a
    distributed run all processes stop together.

    Example:
        >>> default_hooks = dict(finite_loss=dict(type='FiniteLossHook'))
    """

    priority = 'VERY_HIGH'  # before CheckpointHook (and the logger) see the iteration

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        bad = non_finite_terms(outputs, unwrap_model(runner.model))
        if get_world_size() > 1:  # one process's NaN stops every process
            flag = torch.tensor([float(bool(bad))])
            all_reduce(flag)
            if flag.item() and not bad:
                raise FloatingPointError(
                    f'FiniteLossHook: another process had a non-finite loss at iteration '
                    f'{runner.iter + 1}; stopped')
        if bad:
            terms = ', '.join(f'{name}={value}' for name, value in bad.items())
            last = runner.message_hub.get_info('last_ckpt')
            raise FloatingPointError(
                f'FiniteLossHook: non-finite {terms} at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}, batch {batch_idx + 1}); training stopped before any '
                'checkpoint of these weights was written. '
                + (f'Resume from the last good checkpoint ({last}) with `--resume auto` after '
                   'fixing the cause (learning rate, loss settings, input data)' if last else
                   'No checkpoint was saved yet'))


__all__ = ['FiniteLossHook', 'non_finite_terms']
