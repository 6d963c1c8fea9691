"""Logit distillation: temperature-scaled KL(teacher || student), with long-tailed options."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import Tensor, nn

from .class_balanced import effective_number_weights
from ..utils.class_prior import ClassCountsMixin, log_prior
from .utils import REDUCTIONS, check_reduction, reduce_per_sample, split_target

PRIOR_ADJUST_MODES = ('none', 'student', 'both')


@MODELS.register_module()
class KDLoss(ClassCountsMixin, nn.Module):
    """Knowledge distillation on logits: ``tau^2 * KL(p_T || p_S)`` for every sample.

    With ``z_S``, ``z_T`` the student's and teacher's logits and ``log pi`` the log training
    class prior (from the per-class counts):

    - ``p_S = softmax((z_S + s * a * log pi) / tau)``
    - ``p_T = softmax(power * (z_T + t * a * log pi) / tau)``

    where ``a = prior_strength`` and ``(s, t)`` is ``(0, 0)`` for ``prior_adjust='none'``
    (plain KD, Hinton et al. 2015), ``(1, 0)`` for ``'student'`` and ``(1, 1)`` for ``'both'``.

    Options that make distillation carry a calibrated (balanced) teacher into a student trained
    on long-tailed data:

    - ``prior_adjust='student'``: the student's logits plus the log prior are matched to the
      teacher's balanced posterior, as balanced softmax does for labels (Ren et al. 2020), so
      the student's own logits ``z_S`` are pushed toward the balanced posterior. With one-hot
      teacher outputs this is exactly balanced softmax.
    - ``prior_adjust='both'``: the teacher's balanced logits are turned into the
      training-distribution posterior (``z_T + log pi``) and compared with ``z_S + log pi``:
      the optimum is ``z_S = z_T`` for soft targets and balanced softmax for one-hot ones.
      The prior is that of the batches: with ``ClassAwareSampler`` drawing class ``c`` with
      probability proportional to ``n_c ** q``, use ``prior_strength=q`` (0.5 for
      square-root sampling; class-balanced sampling needs no adjustment).
    - ``power``: power normalisation of the teacher's distribution,
      ``p_T <- p_T^power / sum p_T^power`` (DiVE, He et al. 2021, use ``power = 1 / rho``,
      ``rho > 1``, to flatten it). For a softmax this is a temperature on the teacher alone.
    - ``tau``: the usual shared temperature; the loss is multiplied by ``tau^2`` so that its
      gradients keep their scale.
    - ``class_balanced_beta``: weight sample ``i`` by the class-balanced weight of its label
      (effective number of samples, Cui et al. 2019; ``1.0`` is inverse frequency), so the
      distillation term is not dominated by head classes. Needs the labels (``target``).

    The counts are needed only by ``prior_adjust != 'none'`` and ``class_balanced_beta``; they
    come from ``ClassCountsHook`` (``set_class_counts``) or ``class_counts``.

    Args:
        tau (float): Temperature, > 0. Defaults to 1.0.
        power (float): Power applied to the teacher's distribution, > 0. Defaults to 1.0.
        prior_adjust (str): ``'none'``, ``'student'`` or ``'both'``. Defaults to ``'none'``.
        prior_strength (float): Multiplier ``a`` of ``log pi``. Defaults to 1.0.
        class_balanced_beta (float, optional): Effective-number ``beta`` in ``[0, 1]``;
            ``None`` turns the weighting off. Defaults to None.
        class_counts (Sequence[int], optional): Training images per class.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from mmltbin.models.losses import KDLoss
        >>> loss = KDLoss(tau=2.0)
        >>> z = torch.tensor([[2.0, 0.0, -1.0]])
        >>> float(loss(z, z))  # identical logits
        0.0
        >>> float(loss(torch.zeros(1, 3), z)) > 0
        True
    """

    def __init__(self,
                 tau: float = 1.0,
                 power: float = 1.0,
                 prior_adjust: str = 'none',
                 prior_strength: float = 1.0,
                 class_balanced_beta: Optional[float] = None,
                 class_counts: Optional[Sequence[int]] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not tau > 0:
            raise ValueError(f'KDLoss: tau must be > 0, got {tau}')
        if not power > 0:
            raise ValueError(f'KDLoss: power must be > 0, got {power}')
        if prior_adjust not in PRIOR_ADJUST_MODES:
            raise ValueError(f'KDLoss: prior_adjust must be one of {PRIOR_ADJUST_MODES}, '
                             f'got {prior_adjust!r}')
        if class_balanced_beta is not None and not 0.0 <= class_balanced_beta <= 1.0:
            raise ValueError(f'KDLoss: class_balanced_beta must be None or in [0, 1], '
                             f'got {class_balanced_beta}')
        if reduction not in REDUCTIONS:
            raise ValueError(f'KDLoss: reduction must be one of {REDUCTIONS}, got {reduction!r}')
        self.tau = float(tau)
        self.power = float(power)
        self.prior_adjust = prior_adjust
        self.prior_strength = float(prior_strength)
        self.class_balanced_beta = class_balanced_beta
        self.reduction = reduction
        self.loss_weight = float(loss_weight)
        self._init_class_counts(class_counts)

    @property
    def uses_counts(self) -> bool:
        """Whether this configuration needs the per-class counts."""
        return self.prior_adjust != 'none' or self.class_balanced_beta is not None

    def _log_prior(self, logits: Tensor) -> Tensor:
        return log_prior(self.counts_like(logits))

    def target_log_probs(self, teacher_logits: Tensor) -> Tensor:
        """``log p_T``, the teacher's target distribution (no gradient), shape ``(N, C)``."""
        z_t = teacher_logits.detach().float()
        if self.prior_adjust == 'both':
            z_t = z_t + self.prior_strength * self._log_prior(z_t)
        return F.log_softmax(z_t * (self.power / self.tau), dim=-1)

    def student_log_probs(self, student_logits: Tensor) -> Tensor:
        """``log p_S`` of the student, shape ``(N, C)``."""
        z_s = student_logits.float()
        if self.prior_adjust != 'none':
            z_s = z_s + self.prior_strength * self._log_prior(z_s)
        return F.log_softmax(z_s / self.tau, dim=-1)

    def sample_weights(self, student_logits: Tensor, target: Optional[Tensor]) -> Tensor:
        """Class-balanced weight of every sample ``(N, )`` (``sum_c t_ic w_c`` for soft targets)."""
        if target is None:
            raise ValueError('KDLoss: class_balanced_beta needs the labels: pass target= '
                             '(gt_label or gt_score of the batch)')
        _, distribution = split_target(student_logits, target)
        weights = effective_number_weights(self.counts_like(student_logits).double(),
                                           self.class_balanced_beta)
        return distribution.float() @ weights.to(device=student_logits.device,
                                                 dtype=torch.float32)

    def per_sample(self, student_logits: Tensor, teacher_logits: Tensor,
                   target: Optional[Tensor] = None) -> Tensor:
        """``tau^2 KL(p_T || p_S)`` of every sample (class-balanced weight included), ``(N, )``."""
        if student_logits.shape != teacher_logits.shape:
            raise ValueError(f'KDLoss: student logits {tuple(student_logits.shape)} and teacher '
                             f'logits {tuple(teacher_logits.shape)} differ in shape')
        log_p_t = self.target_log_probs(teacher_logits)
        log_p_s = self.student_log_probs(student_logits)
        # log-probabilities stay finite where a probability underflows to 0, so 0 * (...) = 0
        kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=-1)
        loss = kl * (self.tau**2)
        if self.class_balanced_beta is not None:
            loss = loss * self.sample_weights(student_logits, target)
        return loss

    def forward(self,
                student_logits: Tensor,
                teacher_logits: Tensor,
                target: Optional[Tensor] = None,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """The distillation loss.

        Args:
            student_logits (Tensor): ``(N, C)``, with gradient.
            teacher_logits (Tensor): ``(N, C)``; treated as a constant.
            target (Tensor, optional): Labels ``(N, )`` or class distributions ``(N, C)``
                (Mixup / CutMix); needed only for ``class_balanced_beta``.
            weight (Tensor, optional): Per-sample weights ``(N, )``.
            avg_factor (float, optional): Divisor of the weighted sum for ``'mean'``.
            reduction_override (str, optional): Overrides ``reduction`` for this call.

        Returns:
            Tensor: A scalar, or ``(N, )`` for ``reduction='none'``.
        """
        check_reduction(reduction_override, 'KDLoss')
        return reduce_per_sample(self.per_sample(student_logits, teacher_logits, target), weight,
                                 reduction_override or self.reduction, avg_factor,
                                 self.loss_weight)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, power={self.power}, prior_adjust={self.prior_adjust!r}, '
                f'prior_strength={self.prior_strength}, '
                f'class_balanced_beta={self.class_balanced_beta}, loss_weight={self.loss_weight}')


__all__ = ['KDLoss', 'PRIOR_ADJUST_MODES']
