"""Label-aware smoothing (MiSLAS): more label smoothing for frequent classes than for rare ones."""
import math
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS
from torch import Tensor

from .utils import CountAwareLoss, soft_cross_entropy

SHAPES = ('concave', 'linear', 'convex', 'exp')


def label_aware_smoothing_factors(counts: Tensor, smooth_head: float, smooth_tail: float,
                                  shape: str = 'concave',
                                  power: Optional[float] = None) -> Tensor:
    """Per-class smoothing ``eps_c``, from ``smooth_tail`` (rarest) to ``smooth_head`` (largest).

    With ``r_c = (n_c - n_min) / (n_max - n_min)`` in ``[0, 1]`` (Zhong et al. 2021, Eq. 5):

    - ``'concave'``: ``tail + (head - tail) * sin(pi / 2 * r)``
    - ``'linear'``:  ``tail + (head - tail) * r``
    - ``'convex'``:  ``head + (head - tail) * sin(3 pi / 2 + pi / 2 * r)``
      (``= tail + (head - tail) * (1 - cos(pi / 2 * r))``)
    - ``'exp'``:     ``tail + (head - tail) * r ** power``

    A balanced set (``n_max == n_min``) has ``r = 0``: every class gets ``smooth_tail``.

    Args:
        counts (Tensor): Per-class counts ``(C, )`` (float).
        smooth_head (float): Smoothing of the most frequent class, in ``[0, 1]``.
        smooth_tail (float): Smoothing of the rarest class, in ``[0, 1]``.
        shape (str): ``'concave'``, ``'linear'``, ``'convex'`` or ``'exp'``.
            Defaults to ``'concave'``.
        power (float, optional): Exponent for ``'exp'`` (required there, unused otherwise).

    Returns:
        Tensor: ``(C, )`` smoothing factors.

    Example:
        >>> counts = torch.tensor([100., 10., 1.])
        >>> eps = label_aware_smoothing_factors(counts, 0.4, 0.1, 'linear')
        >>> [round(e, 4) for e in eps.tolist()]
        [0.4, 0.1273, 0.1]
    """
    if shape not in SHAPES:
        raise ValueError(f'label-aware smoothing: unknown shape "{shape}", expected one of '
                         f'{SHAPES}')
    if shape == 'exp' and (power is None or not power > 0):
        raise ValueError(f'label-aware smoothing: shape "exp" needs power > 0, got {power}')
    span = counts.max() - counts.min()
    ratio = (counts - counts.min()) / span if span > 0 else torch.zeros_like(counts)
    head, tail = float(smooth_head), float(smooth_tail)
    if shape == 'concave':
        return tail + (head - tail) * torch.sin(ratio * (math.pi / 2))
    if shape == 'linear':
        return tail + (head - tail) * ratio
    if shape == 'convex':
        return head + (head - tail) * torch.sin(1.5 * math.pi + ratio * (math.pi / 2))
    return tail + (head - tail) * ratio.pow(power)


@MODELS.register_module()
class LabelAwareSmoothingLoss(CountAwareLoss):
    """Cross-entropy with label-aware smoothing (Zhong et al., "Improving Calibration for
    Long-Tailed Recognition", CVPR 2021, MiSLAS).

    The target of a sample of class ``y`` is ``(1 - eps_y) e_y + eps_y / C`` (the smoothing mass
    is spread over all ``C`` classes, as in the reference code), with ``eps_y`` from
    :func:`label_aware_smoothing_factors`: head classes, which a long-tailed model is
    over-confident on, get more smoothing than tail classes. So

    ``loss = (1 - eps_y) * (-log p_y) + eps_y * mean_c(-log p_c)``.

    A soft target ``t`` (Mixup) uses ``eps = sum_c t_c eps_c`` and ``-sum_c t_c log p_c`` in
    place of ``-log p_y``. This single implementation also serves teacher calibration.

    Defaults follow the reference's CIFAR-10-LT, ImageNet-LT and iNaturalist settings
    (``smooth_head=0.3, smooth_tail=0.0``, concave); it used 0.4 / 0.1 on CIFAR-100-LT and
    Places-LT.

    Args:
        smooth_head (float): Smoothing of the most frequent class. Defaults to 0.3.
        smooth_tail (float): Smoothing of the rarest class. Defaults to 0.0.
        shape (str): ``'concave'``, ``'linear'``, ``'convex'`` or ``'exp'``.
            Defaults to ``'concave'``.
        power (float, optional): Exponent of the ``'exp'`` shape.
        class_counts (Sequence[int], optional): Training images per class; normally pushed by
            ``ClassCountsHook``.
        class_weight (Sequence[float], optional): Fixed per-class sample weights.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from mmltbin.models.losses import LabelAwareSmoothingLoss
        >>> loss = LabelAwareSmoothingLoss(0.4, 0.1, class_counts=[100, 1])
        >>> loss.smoothing(torch.zeros(1, 2)).tolist()  # doctest: +ELLIPSIS
        [0.4..., 0.1...]
    """

    def __init__(self,
                 smooth_head: float = 0.3,
                 smooth_tail: float = 0.0,
                 shape: str = 'concave',
                 power: Optional[float] = None,
                 class_counts: Optional[Sequence[int]] = None,
                 class_weight: Optional[Sequence[float]] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        for name, value in (('smooth_head', smooth_head), ('smooth_tail', smooth_tail)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f'LabelAwareSmoothingLoss: {name} must be in [0, 1], '
                                 f'got {value}')
        # validates shape and power once, on a dummy two-class set
        label_aware_smoothing_factors(torch.tensor([2.0, 1.0]), smooth_head, smooth_tail, shape,
                                      power)
        super().__init__(class_counts, class_weight, reduction, loss_weight)
        self.smooth_head = float(smooth_head)
        self.smooth_tail = float(smooth_tail)
        self.shape = shape
        self.power = power

    def smoothing(self, cls_score: Tensor) -> Tensor:
        """Per-class smoothing factors ``(C, )`` on ``cls_score``'s device."""
        return label_aware_smoothing_factors(self.counts_like(cls_score), self.smooth_head,
                                     self.smooth_tail, self.shape, self.power)

    def per_sample(self, cls_score: Tensor, labels: Optional[Tensor],
                   target: Tensor) -> Tensor:
        eps = target @ self.smoothing(cls_score)
        nll = soft_cross_entropy(cls_score, target)
        uniform = -torch.log_softmax(cls_score, dim=-1).mean(dim=-1)
        return (1.0 - eps) * nll + eps * uniform


__all__ = ['LabelAwareSmoothingLoss', 'label_aware_smoothing_factors']
