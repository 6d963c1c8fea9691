"""Balanced softmax: cross-entropy on logits shifted by the log class priors."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS
from torch import Tensor

from ..utils.class_prior import log_prior
from .utils import CountAwareLoss, soft_cross_entropy


@MODELS.register_module()
class BalancedSoftmaxLoss(CountAwareLoss):
    """Balanced softmax / logit-adjusted cross-entropy.

    ``loss = CE(z + tau * log pi, y)`` with ``pi_c = n_c / sum_j n_j`` the training class prior.
    With ``tau=1`` this is the balanced softmax of Ren et al., "Balanced Meta-Softmax for
    Long-Tailed Visual Recognition" (NeurIPS 2020); with a general ``tau`` it is the
    logit-adjusted loss of Menon et al., "Long-tail learning via logit adjustment" (ICLR 2021).
    The network learns logits ``z`` whose softmax estimates the *balanced* posterior, so
    predictions need no correction at test time. Constant shifts of ``log pi`` cancel in the
    softmax, so ``log n_c`` and ``log pi_c`` give the same loss.

    Soft targets (Mixup ``gt_score``) use ``-sum_c t_c log softmax(z + tau log pi)_c``.

    Args:
        tau (float): Strength of the adjustment; 0 gives plain cross-entropy. Defaults to 1.0.
        class_counts (Sequence[int], optional): Training images per class; normally pushed by
            ``ClassCountsHook``.
        class_weight (Sequence[float], optional): Fixed per-class sample weights.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from mmltbin.models.losses import BalancedSoftmaxLoss
        >>> loss = BalancedSoftmaxLoss(class_counts=[3, 1])
        >>> round(loss(torch.zeros(1, 2), torch.tensor([1])).item(), 4)  # -log(1/4)
        1.3863
    """

    def __init__(self,
                 tau: float = 1.0,
                 class_counts: Optional[Sequence[int]] = None,
                 class_weight: Optional[Sequence[float]] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__(class_counts, class_weight, reduction, loss_weight)
        self.tau = float(tau)

    def adjusted_logits(self, cls_score: Tensor) -> Tensor:
        """``cls_score + tau * log pi`` (the logits the cross-entropy sees)."""
        return cls_score + self.tau * log_prior(self.counts_like(cls_score))

    def per_sample(self, cls_score: Tensor, labels: Optional[Tensor],
                   target: Tensor) -> Tensor:
        logits = self.adjusted_logits(cls_score)
        if labels is not None:
            return torch.nn.functional.cross_entropy(logits, labels, reduction='none')
        return soft_cross_entropy(logits, target)


__all__ = ['BalancedSoftmaxLoss']
