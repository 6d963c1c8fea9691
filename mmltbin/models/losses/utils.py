"""Shared plumbing of mmltbin's long-tailed losses: targets, reductions, count-aware losses.

The per-class counts and priors that heads use too live in :mod:`mmltbin.models.utils.class_prior`.
"""
from typing import Optional, Sequence, Tuple

import torch
from mmpretrain.models.losses.utils import weight_reduce_loss
from torch import Tensor, nn

from ..utils.class_prior import ClassCountsMixin

REDUCTIONS = ('none', 'mean', 'sum')


def split_target(cls_score: Tensor, target: Tensor) -> Tuple[Optional[Tensor], Tensor]:
    """Hard labels and a target distribution for ``cls_score`` of shape ``(N, C)``.

    mmpretrain heads pass ``gt_label`` (hard labels, shape ``(N, )``) or, with batch
    augmentations such as Mixup, ``gt_score`` (a distribution over classes, shape ``(N, C)``).

    Args:
        cls_score (Tensor): Scores ``(N, C)``.
        target (Tensor): Labels ``(N, )`` / ``(N, 1)`` or scores ``(N, C)``.

    Returns:
        tuple: ``(labels or None, distribution)``: ``labels`` is a long tensor ``(N, )`` for
        hard targets and ``None`` for soft ones; ``distribution`` is ``(N, C)`` in the score's
        dtype (one-hot for hard labels).

    Example:
        >>> labels, dist = split_target(torch.zeros(2, 3), torch.tensor([2, 0]))
        >>> labels.tolist(), dist.tolist()
        ([2, 0], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    """
    if target.dim() == 2 and target.shape == cls_score.shape and target.shape[1] > 1:
        return None, target.to(cls_score.dtype)
    if target.dim() == 2 and target.shape[1] == 1:
        target = target[:, 0]
    if target.dim() != 1 or target.shape[0] != cls_score.shape[0]:
        raise ValueError(f'expected labels of shape ({cls_score.shape[0]}, ) or scores of shape '
                         f'{tuple(cls_score.shape)}, got a target of shape {tuple(target.shape)}')
    labels = target.long()
    one_hot = torch.zeros_like(cls_score).scatter_(1, labels[:, None], 1.0)
    return labels, one_hot


class CountAwareLoss(ClassCountsMixin, nn.Module):
    """Base of mmltbin's per-sample classification losses that use the class counts.

    Subclasses implement :meth:`per_sample` (one loss value per sample). This base applies
    mmpretrain's loss conventions around it: a per-sample ``weight``, ``reduction`` (``'mean'``
    divides the weighted sum by ``avg_factor`` when given, which mmpretrain heads set to the batch
    size), ``reduction_override`` and ``loss_weight``. Targets may be hard labels ``(N, )`` or
    class distributions ``(N, C)`` (Mixup / CutMix ``gt_score``).

    Args:
        class_counts (Sequence[int], optional): Training images per class (index = label);
            usually pushed by ``ClassCountsHook`` instead.
        class_weight (Sequence[float], optional): A fixed weight per class; sample ``i`` is
            weighted by ``class_weight[y_i]`` (by ``sum_c t_ic class_weight[c]`` for a soft
            target), like mmpretrain's ``CrossEntropyLoss``. For class-balanced weights from the
            counts use ``ClassBalancedLoss`` instead.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 class_counts: Optional[Sequence[int]] = None,
                 class_weight: Optional[Sequence[float]] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f'{type(self).__name__}: reduction must be one of {REDUCTIONS}, '
                             f'got {reduction!r}')
        self.class_weight = None if class_weight is None else [float(w) for w in class_weight]
        self.reduction = reduction
        self.loss_weight = float(loss_weight)
        self._init_class_counts(class_counts)

    def per_sample(self, cls_score: Tensor, labels: Optional[Tensor],
                   target: Tensor) -> Tensor:
        """Loss of every sample, shape ``(N, )``.

        Args:
            cls_score (Tensor): Scores (logits) ``(N, C)``.
            labels (Tensor, optional): Hard labels ``(N, )``, ``None`` for soft targets.
            target (Tensor): Target distribution ``(N, C)`` (one-hot for hard labels).
        """
        raise NotImplementedError

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> Tensor:
        """Weighted and reduced loss (mmpretrain's loss signature).

        Args:
            cls_score (Tensor): Scores ``(N, C)``.
            label (Tensor): Labels ``(N, )`` or target distributions ``(N, C)``.
            weight (Tensor, optional): Per-sample weights ``(N, )``.
            avg_factor (float, optional): Divisor of the weighted sum for ``'mean'``.
            reduction_override (str, optional): Overrides ``reduction`` for this call.

        Returns:
            Tensor: The loss (a scalar unless the reduction is ``'none'``).
        """
        check_reduction(reduction_override, type(self).__name__)
        labels, target = split_target(cls_score, label)
        loss = self.per_sample(cls_score, labels, target)
        if self.class_weight is not None:
            if len(self.class_weight) != cls_score.shape[-1]:
                raise ValueError(f'{type(self).__name__}: class_weight has '
                                 f'{len(self.class_weight)} entries but the scores have '
                                 f'{cls_score.shape[-1]} classes')
            by_class = target @ cls_score.new_tensor(self.class_weight)
            weight = by_class if weight is None else weight.to(by_class) * by_class
        return reduce_per_sample(loss, weight, reduction_override or self.reduction, avg_factor,
                                 self.loss_weight)


def check_reduction(reduction: Optional[str], owner: str) -> None:
    """Raise a clear error unless ``reduction`` is None or one of :data:`REDUCTIONS`."""
    if reduction not in (None, *REDUCTIONS):
        raise ValueError(f'{owner}: reduction_override must be None or one of {REDUCTIONS}, '
                         f'got {reduction!r}')


def reduce_per_sample(loss: Tensor, weight: Optional[Tensor], reduction: str,
                      avg_factor: Optional[float], loss_weight: float) -> Tensor:
    """``loss_weight`` times the per-sample ``loss`` weighted by ``weight`` and reduced.

    Example:
        >>> reduce_per_sample(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 0.0]), 'mean',
        ...                   None, 2.0).item()
        1.0
    """
    if weight is not None:
        weight = weight.to(loss.dtype).reshape(-1)
    return loss_weight * weight_reduce_loss(loss, weight=weight, reduction=reduction,
                                            avg_factor=avg_factor)


def soft_cross_entropy(logits: Tensor, target: Tensor) -> Tensor:
    """Cross-entropy of every sample against a target distribution: ``-sum_c t_c log p_c``."""
    return -(target * torch.log_softmax(logits, dim=-1)).sum(dim=-1)


__all__ = ['split_target', 'CountAwareLoss', 'soft_cross_entropy']
