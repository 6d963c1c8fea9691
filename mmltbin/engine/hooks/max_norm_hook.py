"""MaxNorm: cap the norm of every class weight vector of the classifier after each step."""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from torch import Tensor

from .drw_hook import find_submodule

MODES = ('relative', 'absolute')
CHECKPOINT_KEY = 'max_norm_threshold'


@HOOKS.register_module()
class MaxNormHook(Hook):
    """Project the classifier's per-class weight vectors into a norm ball after every step.

    Weight balancing (Alshammari et al., "Long-Tailed Recognition via Weight Balancing",
    CVPR 2022): besides a tuned weight decay, a MaxNorm constraint keeps every class weight
    vector (row of ``weight``) within radius ``r`` by projected gradient descent: after each
    optimizer step, rows with norm above ``r`` are scaled back to ``r``. Small (tail) rows may
    grow up to the radius; large (head) rows are capped, which balances the norms.

    The radius is ``thresh`` itself (``mode='absolute'``) or, as in the reference code
    (``mode='relative'``), ``min + thresh * (max - min)`` of the row norms when training starts
    (after ``load_from``), so ``thresh=0.1`` caps every row close to the smallest norm of the
    loaded classifier. The relative radius is saved in checkpoints (``meta``) and restored on
    resume. The bias is not constrained (as in the reference).

    Args:
        thresh (float): The radius, or its position between the smallest and the largest row
            norm with ``mode='relative'``. Defaults to 0.1.
        mode (str): ``'relative'`` or ``'absolute'``. Defaults to ``'relative'``.
        layer (str): Dotted path of the layer in the model (its ``weight`` is constrained).
            Defaults to ``'head.fc'``.
        norm_type (float): The p of the row norms. Defaults to 2.

    Example:
        >>> # weight balancing, stage 2 (classifier fine-tuning), in a config
        >>> custom_hooks = [dict(type='MaxNormHook', thresh=0.1)]
    """

    priority = 'NORMAL'  # any after_train_iter runs after that iteration's optimizer step

    def __init__(self, thresh: float = 0.1, mode: str = 'relative', layer: str = 'head.fc',
                 norm_type: float = 2.0) -> None:
        if mode not in MODES:
            raise ValueError(f'MaxNormHook: mode must be one of {MODES}, got {mode!r}')
        if not thresh >= 0 or (mode == 'absolute' and thresh == 0):
            raise ValueError(f'MaxNormHook: thresh must be > 0 (>= 0 relative), got {thresh}')
        self.thresh = float(thresh)
        self.mode = mode
        self.layer = layer
        self.norm_type = float(norm_type)
        self.radius: Optional[float] = float(thresh) if mode == 'absolute' else None

    def _weight(self, runner) -> Tensor:
        module = find_submodule(runner, self.layer, 'MaxNormHook')
        weight = getattr(module, 'weight', None)
        if not isinstance(weight, Tensor) or weight.dim() < 2:
            raise TypeError(f'MaxNormHook: model.{self.layer} ({type(module).__name__}) has no '
                            '2-D weight to constrain')
        return weight

    def _row_norms(self, weight: Tensor) -> Tensor:
        return weight.detach().flatten(1).norm(p=self.norm_type, dim=1)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = (checkpoint.get('meta') or {}).get(CHECKPOINT_KEY)
        if saved is not None and self.mode == 'relative':
            self.radius = float(saved)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.radius is not None:
            checkpoint.setdefault('meta', {})[CHECKPOINT_KEY] = self.radius

    def before_train(self, runner) -> None:
        weight = self._weight(runner)
        if self.radius is None:
            norms = self._row_norms(weight)
            low, high = norms.min().item(), norms.max().item()
            self.radius = low + self.thresh * (high - low)
        runner.logger.info(f'MaxNormHook: rows of model.{self.layer}.weight are kept within '
                           f'norm {self.radius:.6g}')
        self.project(weight)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.project(self._weight(runner))

    @torch.no_grad()
    def project(self, weight: Tensor) -> None:
        """Scale the rows of ``weight`` whose norm exceeds the radius back onto it (in place)."""
        norms = self._row_norms(weight)
        factor = (self.radius / norms.clamp_min(1e-12)).clamp(max=1.0)
        weight.mul_(factor.view(-1, *([1] * (weight.dim() - 1))).to(weight.dtype))
