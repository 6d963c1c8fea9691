"""Class-balanced weighting by the effective number of samples, around any loss."""
from typing import Optional, Sequence, Union

import torch
from mmpretrain.registry import MODELS
from torch import Tensor, nn

from ..utils.class_prior import ClassCountsMixin
from .utils import split_target


def effective_number_weights(counts: Union[Sequence[int], Tensor], beta: float) -> Tensor:
    """Class-balanced weights ``w_c ∝ (1 - beta) / (1 - beta ** n_c)``, summing to ``C``.

    ``(1 - beta ** n) / (1 - beta)`` is the effective number of samples of a class with ``n``
    images (Cui et al., "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019).
    ``beta=0`` gives equal weights (no re-weighting), ``beta -> 1`` inverse class frequency
    (``beta=1`` is accepted and means exactly that). The weights are normalised to sum to the
    number of classes, as in the paper, so the loss keeps its scale on a balanced set.

    Args:
        counts (Sequence[int] | Tensor): Per-class counts ``(C, )``, all >= 1.
        beta (float): In ``[0, 1]``; the paper uses 0.9, 0.99, 0.999 or 0.9999.

    Returns:
        Tensor: float64 weights ``(C, )`` (cast them to the scores' dtype).

    Example:
        >>> effective_number_weights([1, 1, 2], 0.5).tolist()  # E = 1, 1, 1.5
        [1.125, 1.125, 0.75]
    """
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f'effective_number_weights: beta must be in [0, 1], got {beta}')
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if beta == 1.0:
        inverse_effective = 1.0 / counts
    else:
        inverse_effective = (1.0 - beta) / (1.0 - torch.full_like(counts, beta).pow(counts))
    return inverse_effective * (len(counts) / inverse_effective.sum())


@MODELS.register_module()
class ClassBalancedLoss(ClassCountsMixin, nn.Module):
    """Weight every sample of any loss by the class-balanced weight of its class.

    Wraps an mmpretrain-style loss (``forward(cls_score, label, weight=None, avg_factor=None,
    ...)``: mmpretrain's ``CrossEntropyLoss`` and ``FocalLoss``, mmltbin's ``LDAMLoss``,
    ``BalancedSoftmaxLoss``, ``LabelAwareSmoothingLoss``) and passes it the per-sample weight
    ``w[y_i]`` from :func:`effective_number_weights` (``sum_c t_ic w_c`` for a soft target),
    multiplied with any weight the caller gives. So:

    - CB softmax cross-entropy: ``loss=dict(type='CrossEntropyLoss')`` (each sample's CE
      times ``w[y]``, summed and divided by the batch size, as in Cui et al.);
    - CB focal loss: ``loss=dict(type='FocalLoss', gamma=2.0, alpha=0.5)`` (mmpretrain's
      sigmoid focal loss; the sample weight multiplies all its ``C`` binary terms, as in Cui et
      al.; ``alpha=0.5`` gives every term the same factor 0.5 instead of favouring positives);
    - LDAM-DRW: ``loss=dict(type='LDAMLoss'), enabled=False`` plus ``DRWHook``, which turns the
      weights on at a chosen epoch.

    The counts come from ``ClassCountsHook`` (or ``class_counts``) and are also handed to the
    wrapped loss when it takes them.

    Args:
        loss (dict | nn.Module): The wrapped loss.
        beta (float): Effective-number hyper-parameter in ``[0, 1]``. Defaults to 0.9999.
        enabled (bool): Apply the weights; when False the wrapped loss runs unweighted (set by
            ``DRWHook``). Defaults to True.
        class_counts (Sequence[int], optional): Training images per class.

    Example:
        >>> import torch
        >>> from mmltbin.models.losses import ClassBalancedLoss
        >>> cb = ClassBalancedLoss(dict(type='CrossEntropyLoss'), beta=0.9999,
        ...                        class_counts=[100, 10])
        >>> cb.weights().tolist()  # doctest: +ELLIPSIS
        [0.18..., 1.81...]
    """

    def __init__(self,
                 loss: Union[dict, nn.Module],
                 beta: float = 0.9999,
                 enabled: bool = True,
                 class_counts: Optional[Sequence[int]] = None) -> None:
        super().__init__()
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f'ClassBalancedLoss: beta must be in [0, 1], got {beta}')
        self.loss = loss if isinstance(loss, nn.Module) else MODELS.build(loss)
        self.beta = float(beta)
        self.enabled = bool(enabled)
        self._init_class_counts(class_counts)

    def set_class_counts(self, counts: Sequence[int]) -> None:
        super().set_class_counts(counts)
        if callable(getattr(self.loss, 'set_class_counts', None)):
            self.loss.set_class_counts(self.class_counts)

    def weights(self, reference: Optional[Tensor] = None) -> Tensor:
        """The per-class weights ``(C, )``, in ``reference``'s dtype and device when given."""
        if reference is None:
            reference = torch.zeros(1, len(self.class_counts or ()), dtype=torch.float64)
        return effective_number_weights(self.counts_like(reference).double(),
                                        self.beta).to(reference)

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> Tensor:
        """The wrapped loss with per-sample weights ``w[y]`` (when enabled)."""
        if self.enabled:
            _, target = split_target(cls_score, label)
            sample_weight = target @ self.weights(cls_score)
            weight = sample_weight if weight is None else weight.reshape(-1) * sample_weight
        return self.loss(cls_score, label, weight=weight, avg_factor=avg_factor,
                         reduction_override=reduction_override, **kwargs)


__all__ = ['ClassBalancedLoss', 'effective_number_weights']
