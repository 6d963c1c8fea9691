"""Feature distillation: one minus cosine similarity between student and teacher features."""
from typing import Optional

import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import Tensor, nn

from .utils import REDUCTIONS, check_reduction, reduce_per_sample


@MODELS.register_module()
class CosineFeatureLoss(nn.Module):
    """``2 - 2 cos(f_S, f_T)`` for every sample, in ``[0, 4]``.

    Equal to the squared distance between the L2-normalised features,
    ``|f_S / |f_S| - f_T / |f_T| |^2``, so it ignores the features' scale (binary and
    full-precision features differ widely in magnitude). Features of more than two dimensions
    are flattened per sample. The teacher features are a constant (detached) by default.
    A projection from the student's width to the teacher's is the caller's (the distiller's).

    Args:
        detach_target (bool): Stop gradients into ``target``. Defaults to True.
        eps (float): Norm floor of the normalisation. Defaults to 1e-8.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from mmltbin.models.losses import CosineFeatureLoss
        >>> loss = CosineFeatureLoss(reduction='none')
        >>> loss(torch.tensor([[1.0, 0.0], [1.0, 0.0]]), torch.tensor([[3.0, 0.0], [0.0, 1.0]]))
        tensor([0., 2.])
    """

    def __init__(self,
                 detach_target: bool = True,
                 eps: float = 1e-8,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f'CosineFeatureLoss: reduction must be one of {REDUCTIONS}, '
                             f'got {reduction!r}')
        self.detach_target = detach_target
        self.eps = float(eps)
        self.reduction = reduction
        self.loss_weight = float(loss_weight)

    def per_sample(self, pred: Tensor, target: Tensor) -> Tensor:
        """``2 - 2 cos`` of every sample, shape ``(N, )``."""
        pred, target = pred.flatten(1), target.flatten(1)
        if pred.shape != target.shape:
            raise ValueError(f'CosineFeatureLoss: student features {tuple(pred.shape)} and '
                             f'teacher features {tuple(target.shape)} differ in shape; project '
                             'the student features to the teacher width first')
        if self.detach_target:
            target = target.detach()
        cos = (F.normalize(pred.float(), dim=1, eps=self.eps) *
               F.normalize(target.float(), dim=1, eps=self.eps)).sum(dim=1)
        return 2.0 - 2.0 * cos

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """The loss between student features ``pred`` and teacher features ``target``.

        Args:
            pred (Tensor): ``(N, D)`` (or ``(N, ...)``, flattened), with gradient.
            target (Tensor): Same shape as ``pred``.
            weight (Tensor, optional): Per-sample weights ``(N, )``.
            avg_factor (float, optional): Divisor of the weighted sum for ``'mean'``.
            reduction_override (str, optional): Overrides ``reduction`` for this call.

        Returns:
            Tensor: A scalar, or ``(N, )`` for ``reduction='none'``.
        """
        check_reduction(reduction_override, 'CosineFeatureLoss')
        return reduce_per_sample(self.per_sample(pred, target), weight,
                                 reduction_override or self.reduction, avg_factor,
                                 self.loss_weight)

    def extra_repr(self) -> str:
        return f'detach_target={self.detach_target}, loss_weight={self.loss_weight}'


__all__ = ['CosineFeatureLoss']
