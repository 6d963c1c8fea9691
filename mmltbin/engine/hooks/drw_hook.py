"""Deferred re-weighting (DRW): switch class-balanced loss weights on late in training."""
from typing import Optional

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from torch import nn

from ...models.losses.class_balanced import ClassBalancedLoss
from ...utils.checks import unwrap_model


def find_submodule(runner, path: str, owner: str) -> nn.Module:
    """The submodule ``path`` (dotted, e.g. ``'head.loss_module'``) of the runner's model."""
    model = unwrap_model(runner.model)
    try:
        return model.get_submodule(path)
    except AttributeError as err:
        raise AttributeError(f'{owner}: the model ({type(model).__name__}) has no submodule '
                             f'"{path}": {err}') from err


@HOOKS.register_module()
class DRWHook(Hook):
    """Turn on a ``ClassBalancedLoss`` from a given epoch (or iteration) on.

    Deferred re-weighting (Cao et al., NeurIPS 2019, with LDAM): train with the unweighted loss
    first, so the features are learned from the natural distribution, then weight samples by
    the class-balanced weights of the effective number of samples (Cui et al. 2019) for the
    last part of training. The reference switches at epoch 160 of 200 with ``beta=0.9999``.

    The loss at ``loss`` (a dotted path in the model, default ``'head.loss_module'``) must be a
    ``ClassBalancedLoss`` (the wrapper around the actual loss; its ``beta`` sets the weights).
    Before every epoch (every iteration with ``start_iter``) the hook sets its ``enabled`` to
    whether the start is reached; resuming a run therefore restores the right state, and the
    wrapper's own ``enabled`` value in the config does not matter.

    Args:
        start_epoch (int, optional): First epoch (counted from 0, as ``runner.epoch``) with the
            weights on: ``start_epoch=16`` in a 20-epoch run weights the last 4 epochs.
        start_iter (int, optional): First iteration (from 0) with the weights on, for
            iteration-based training. Give exactly one of ``start_epoch`` and ``start_iter``.
        loss (str): Dotted path of the ``ClassBalancedLoss`` in the model.
            Defaults to ``'head.loss_module'``.

    Example:
        >>> # LDAM-DRW in a config
        >>> model = dict(head=dict(loss=dict(
        ...     type='ClassBalancedLoss', beta=0.9999, enabled=False,
        ...     loss=dict(type='LDAMLoss', max_margin=0.5, scale=30.0))))
        >>> custom_hooks = [dict(type='DRWHook', start_epoch=16)]
    """

    priority = 'NORMAL'

    def __init__(self,
                 start_epoch: Optional[int] = None,
                 start_iter: Optional[int] = None,
                 loss: str = 'head.loss_module') -> None:
        if (start_epoch is None) == (start_iter is None):
            raise ValueError('DRWHook: give exactly one of start_epoch and start_iter, got '
                             f'start_epoch={start_epoch}, start_iter={start_iter}')
        start = start_epoch if start_iter is None else start_iter
        if not isinstance(start, int) or isinstance(start, bool) or start < 0:
            raise ValueError(f'DRWHook: the start must be an int >= 0, got {start!r}')
        self.start_epoch = start_epoch
        self.start_iter = start_iter
        self.loss = loss

    def _target(self, runner) -> ClassBalancedLoss:
        module = find_submodule(runner, self.loss, 'DRWHook')
        if not isinstance(module, ClassBalancedLoss):
            raise TypeError(
                f'DRWHook: model.{self.loss} is a {type(module).__name__}, not a '
                "ClassBalancedLoss; wrap the loss: loss=dict(type='ClassBalancedLoss', "
                f"beta=0.9999, enabled=False, loss=dict(type='{type(module).__name__}', ...))")
        return module

    def _apply(self, runner, reached: bool) -> None:
        target = self._target(runner)
        if reached and not target.enabled:
            runner.logger.info(f'DRWHook: class-balanced weights (beta={target.beta}) switched '
                               f'on for model.{self.loss} at epoch {runner.epoch}, iteration '
                               f'{runner.iter}')
        target.enabled = reached

    def before_train(self, runner) -> None:
        self._target(runner)  # fail early on a wrong path or type
        if self.start_epoch is not None and runner.train_loop.max_epochs <= self.start_epoch:
            runner.logger.warning(f'DRWHook: start_epoch={self.start_epoch} is not before the '
                                  f'end of training ({runner.train_loop.max_epochs} epochs); '
                                  'the weights will never be switched on')

    def before_train_epoch(self, runner) -> None:
        if self.start_epoch is not None:
            self._apply(runner, runner.epoch >= self.start_epoch)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self.start_iter is not None:
            self._apply(runner, runner.iter >= self.start_iter)
