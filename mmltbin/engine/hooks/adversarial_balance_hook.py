"""The schedule of the adversarial balancer: warm-up, update interval, ascent step, logging."""
from typing import Optional

from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.registry import OPTIMIZERS
from mmpretrain.registry import HOOKS

from ...utils.checks import check_int, unwrap_model

MODES = ('reversal', 'step')
_API = ('balancer_is_adversarial', 'set_balancer_grad_scale', 'balancer_ascent_loss',
        'balancer_parameters', 'balancer_stats')
_CKPT_KEY = 'adversarial_balance_hook'


@HOOKS.register_module()
class AdversarialBalanceHook(Hook):
    """Drive the adversarial balancer of a ``CalibratedDistiller`` and log its lambda.

    The balancer's MLP maximises the distillation objective that the student minimises. This
    hook decides *when* and *how* it ascends, through the distiller's public balancer methods:

    - ``mode='reversal'`` (default): gradient reversal inside the ordinary training step: on
      update iterations the reversed gradient reaches the balancer with scale 1 and the main
      optimizer updates student and balancer together (one learning rate for all, as in the
      paper; change the balancer's with
      ``optim_wrapper.paramwise_cfg.custom_keys={'balancer': dict(lr_mult=...)}``); on other
      iterations the scale is 0 (the balancer gets a zero gradient; note that a momentum
      optimizer still moves it a little from earlier updates).
    - ``mode='step'``: the balancer is frozen in the training step and, on update iterations,
      takes an ascent step of its own after it, with ``optimizer`` (default Adam) at ``lr``
      (default: the main optimizer's current learning rate, so it follows the schedule). Its
      gradients are averaged over processes in distributed training and its optimizer state
      is saved in checkpoints.

    Update iterations: from ``warmup_iters`` (or ``warmup_epochs`` epochs) on, every
    ``interval`` iterations. Before that lambda keeps its initial value.

    Every ``log_interval`` iterations the mean and standard deviation of lambda over the last
    batch go to the message hub as ``train/lambda_mean`` and ``train/lambda_std``, so the
    logger prints them (averaged over its window) and the visualizer backends store them
    (``vis_data/scalars.json``). A fixed balancer is only logged.

    Args:
        mode (str): ``'reversal'`` or ``'step'``. Defaults to ``'reversal'``.
        warmup_iters (int): Iterations without balancer updates. Defaults to 0.
        warmup_epochs (int, optional): The same in epochs (overrides ``warmup_iters``).
        interval (int): Update the balancer every ``interval`` iterations. Defaults to 1.
        lr (float, optional): ``mode='step'`` only: a fixed learning rate for the balancer;
            None follows the main optimizer's. Defaults to None.
        optimizer (dict): ``mode='step'`` only: optimizer config (without params / lr).
            Defaults to ``dict(type='Adam')``.
        log_interval (int): Log lambda every ``log_interval`` iterations. Defaults to 1.

    Example:
        >>> custom_hooks = [dict(type='AdversarialBalanceHook', warmup_iters=100)]
    """

    priority = 'NORMAL'

    def __init__(self,
                 mode: str = 'reversal',
                 warmup_iters: int = 0,
                 warmup_epochs: Optional[int] = None,
                 interval: int = 1,
                 lr: Optional[float] = None,
                 optimizer: dict = dict(type='Adam'),
                 log_interval: int = 1) -> None:
        if mode not in MODES:
            raise ValueError(f'AdversarialBalanceHook: mode must be one of {MODES}, got {mode!r}')
        self.mode = mode
        owner = type(self).__name__
        self.warmup_iters = check_int(owner, 'warmup_iters', warmup_iters, minimum=0)
        self.warmup_epochs = None if warmup_epochs is None else check_int(
            owner, 'warmup_epochs', warmup_epochs, minimum=0)
        self.interval = check_int(owner, 'interval', interval, minimum=1)
        self.log_interval = check_int(owner, 'log_interval', log_interval, minimum=1)
        if lr is not None and not lr > 0:
            raise ValueError(f'AdversarialBalanceHook: lr must be None or > 0, got {lr}')
        self.lr = lr
        if not isinstance(optimizer, dict) or 'type' not in optimizer:
            raise ValueError('AdversarialBalanceHook: optimizer must be a config dict with a '
                             f'"type", got {optimizer!r}')
        self.optimizer_cfg = dict(optimizer)
        self._optimizer = None
        self._pending_state: Optional[dict] = None
        self._warmup = self.warmup_iters

    # ----------------------------------------------------------------------------- helpers
    @staticmethod
    def _model(runner):
        model = unwrap_model(runner.model)
        missing = [name for name in _API if not hasattr(model, name)]
        if missing:
            raise TypeError(f'AdversarialBalanceHook: the model ({type(model).__name__}) has no '
                            f'balancer interface ({", ".join(missing)}); use it with '
                            'CalibratedDistiller')
        return model

    def is_update_iter(self, iteration: int) -> bool:
        """Whether the balancer ascends at (0-based) iteration ``iteration``."""
        return iteration >= self._warmup and (iteration - self._warmup) % self.interval == 0

    def _current_lr(self, runner) -> float:
        if self.lr is not None:
            return self.lr
        lrs = runner.optim_wrapper.get_lr()
        return float(next(iter(lrs.values()))[0])

    # ----------------------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        model = self._model(runner)
        if self.warmup_epochs is not None:
            self._warmup = self.warmup_epochs * len(runner.train_dataloader)
        if not model.balancer_is_adversarial:
            runner.logger.info('AdversarialBalanceHook: the balancer is fixed; only logging '
                               'lambda')
            return
        if self.mode == 'step':
            cfg = dict(self.optimizer_cfg, params=model.balancer_parameters(),
                       lr=self._current_lr(runner))
            self._optimizer = OPTIMIZERS.build(cfg)
            if self._pending_state is not None:
                self._optimizer.load_state_dict(self._pending_state)
                self._pending_state = None
        runner.logger.info(f'AdversarialBalanceHook: mode={self.mode}, first update at iteration '
                           f'{self._warmup}, every {self.interval} iteration(s)')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = self._model(runner)
        if not model.balancer_is_adversarial:
            return
        active = self.mode == 'reversal' and self.is_update_iter(runner.iter)
        model.set_balancer_grad_scale(1.0 if active else 0.0)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        model = self._model(runner)
        if (self.mode == 'step' and model.balancer_is_adversarial
                and self.is_update_iter(runner.iter)):
            self._ascent_step(runner, model)
        if (runner.iter + 1) % self.log_interval == 0:
            for key, value in model.balancer_stats().items():
                runner.message_hub.update_scalar(f'train/{key}', value)

    def _ascent_step(self, runner, model) -> None:
        params = model.balancer_parameters()
        self._optimizer.zero_grad(set_to_none=True)
        model.balancer_ascent_loss().backward()
        if get_world_size() > 1:
            for param in params:
                if param.grad is not None:
                    all_reduce(param.grad, op='mean')
        for group in self._optimizer.param_groups:
            group['lr'] = self._current_lr(runner)
        self._optimizer.step()
        self._optimizer.zero_grad(set_to_none=True)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._optimizer is not None:
            checkpoint[_CKPT_KEY] = dict(optimizer=self._optimizer.state_dict())

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = (checkpoint.get(_CKPT_KEY) or {}).get('optimizer')
        if state is None:
            return
        if self._optimizer is not None:
            self._optimizer.load_state_dict(state)
        else:
            self._pending_state = state  # resuming: the optimizer is built in before_train


__all__ = ['AdversarialBalanceHook']
