"""LDAM: label-distribution-aware margin loss."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS
from torch import Tensor

from .utils import CountAwareLoss, soft_cross_entropy


def ldam_margins(counts: Tensor, max_margin: float) -> Tensor:
    """Per-class margins ``Delta_c = C / n_c ** (1/4)``, scaled so the largest is ``max_margin``.

    The rarest class gets ``max_margin``; class ``c`` gets ``max_margin * (n_min / n_c) ** 0.25``.

    Args:
        counts (Tensor): Per-class counts ``(C, )`` (float).
        max_margin (float): Margin of the rarest class.

    Returns:
        Tensor: ``(C, )``.

    Example:
        >>> ldam_margins(torch.tensor([16.0, 1.0]), 0.5).tolist()
        [0.25, 0.5]
    """
    inv_quarter = counts.pow(-0.25)
    return inv_quarter * (max_margin / inv_quarter.max())


@MODELS.register_module()
class LDAMLoss(CountAwareLoss):
    """Label-distribution-aware margin loss (Cao et al., "Learning Imbalanced Datasets with
    Label-Distribution-Aware Margin Loss", NeurIPS 2019).

    ``loss = CE(s * (z - Delta_y e_y), y)``: the true class's score is lowered by a margin
    ``Delta_y`` proportional to ``n_y ** (-1/4)`` (the rarest class gets ``max_margin``) before
    scaling by ``s``. Tail classes must win by a larger margin, which enlarges their decision
    regions.

    The reference pairs it with a cosine classifier (normalised features and weights, logits in
    [-1, 1]), ``max_margin=0.5`` and ``s=30``: use ``CosineClsHead`` (``scale=1``) as the head.
    With a plain linear head, set ``scale=1`` and pick ``max_margin`` in logit units.

    Deferred re-weighting (LDAM-DRW) wraps this loss in ``ClassBalancedLoss(enabled=False)`` and
    switches the weights on late in training with ``DRWHook``; a fixed weighting is also possible
    with ``class_weight``.

    Soft targets (Mixup ``gt_score``) lower every score by its share of the margin:
    ``z_c - t_c * Delta_c``.

    Args:
        max_margin (float): Margin of the rarest class (``C`` in the paper up to scaling).
            Defaults to 0.5.
        scale (float): ``s``, multiplies the margin-adjusted scores. Defaults to 30.0.
        class_counts (Sequence[int], optional): Training images per class; normally pushed by
            ``ClassCountsHook``.
        class_weight (Sequence[float], optional): Fixed per-class sample weights.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from mmltbin.models.losses import LDAMLoss
        >>> loss = LDAMLoss(max_margin=0.5, scale=1.0, class_counts=[16, 1])
        >>> cos = torch.tensor([[0.0, 0.0]])
        >>> bool(loss(cos, torch.tensor([1])) > loss(cos, torch.tensor([0])))  # tail: larger margin
        True
    """

    def __init__(self,
                 max_margin: float = 0.5,
                 scale: float = 30.0,
                 class_counts: Optional[Sequence[int]] = None,
                 class_weight: Optional[Sequence[float]] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        if not max_margin >= 0:
            raise ValueError(f'LDAMLoss: max_margin must be >= 0, got {max_margin}')
        if not scale > 0:
            raise ValueError(f'LDAMLoss: scale must be > 0, got {scale}')
        super().__init__(class_counts, class_weight, reduction, loss_weight)
        self.max_margin = float(max_margin)
        self.scale = float(scale)

    def margins(self, cls_score: Tensor) -> Tensor:
        """Per-class margins ``(C, )`` on ``cls_score``'s device."""
        return ldam_margins(self.counts_like(cls_score), self.max_margin)

    def per_sample(self, cls_score: Tensor, labels: Optional[Tensor],
                   target: Tensor) -> Tensor:
        logits = self.scale * (cls_score - target * self.margins(cls_score))
        if labels is not None:
            return torch.nn.functional.cross_entropy(logits, labels, reduction='none')
        return soft_cross_entropy(logits, target)


__all__ = ['LDAMLoss', 'ldam_margins']
