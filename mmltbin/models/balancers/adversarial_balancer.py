"""The adversarially learned, input-dependent balance between logit and feature distillation."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import Tensor, nn

from .base_balancer import BaseBalancer, bounded_lambda

_F32_MAX = float(torch.finfo(torch.float32).max)


@MODELS.register_module()
class AdversarialBalancer(BaseBalancer):
    """lambda per sample from a small MLP, trained to *maximise* the distillation objective.

    Calibrate-and-Distill's adversarial balancing: ``lambda_i = lo + (hi - lo) *
    sigmoid(MLP(x_i))`` weighs the logit term (``lambda``) against the feature term
    (``1 - lambda``); the student minimises ``lambda a + (1 - lambda) b`` while the MLP
    maximises it (gradient reversal inside the same optimizer step, or an ascent step of its
    own: see :class:`~mmltbin.engine.hooks.AdversarialBalanceHook`, which owns the schedule).

    Unconstrained (``lo=0, hi=1``, raw terms, no regulariser: the paper's form) the ascent
    always favours the larger term, so lambda runs to a bound and stays there (measured on
    Fashion-MNIST-LT: lambda 0.97 after 2 epochs). To make it balance, the defaults bound it to
    ``[0.1, 0.9]``, compare the terms relative to their running scale (``normalize_terms``) and
    add ``reg_weight * mean((lambda - 0.5)^2)`` to the balancer's loss: the per-sample optimum
    is then ``lambda = 0.5 + (a - b) / (2 reg_weight)`` (clipped to the bounds), i.e. more
    logit distillation where the logit term is relatively large. The benchmark picks the final
    defaults.

    Inputs (``input``):

    - ``'teacher_feature'``: the detached teacher feature ``(N, D)`` (default); it is scaled
      by its largest magnitude and layer-normalised (no affine) before the MLP, so extreme
      values cannot overflow.
    - ``'loss_values'``: the two (normalised) terms of the sample, detached, as
      ``log(1 + value)``.
    - ``'constant'``: no input: one learned lambda for all samples.

    lambda never leaves ``(lo, hi)`` and is never NaN: NaN/inf inputs are sanitised and the
    MLP's output is softly bounded before the sigmoid (:func:`bounded_lambda`). The MLP's last
    layer starts at zero, so lambda starts at ``(lo + hi) / 2``.

    Args:
        input (str): ``'teacher_feature'``, ``'loss_values'`` or ``'constant'``.
            Defaults to ``'teacher_feature'``.
        in_channels (int, optional): Width of the teacher feature (``'teacher_feature'`` only;
            ``CalibratedDistiller`` fills it in).
        hidden_dims (Sequence[int]): Hidden widths of the MLP (ReLU); ``()`` gives a linear
            model. Defaults to ``(64, )``.
        lo (float): Lower bound of lambda, ``0 <= lo < hi``. Defaults to 0.1.
        hi (float): Upper bound of lambda, ``<= 1``. Defaults to 0.9.
        reg_weight (float): Weight of the regulariser pulling lambda toward ``reg_target``;
            0 turns it off. Defaults to 1.0.
        reg_target (float): Where the regulariser pulls lambda. Defaults to 0.5.
        normalize_terms (bool): Divide each term by its running scale. Defaults to True.
        momentum (float): EMA momentum of the running scales. Defaults to 0.02.

    Example:
        >>> import torch
        >>> from mmltbin.models.balancers import AdversarialBalancer
        >>> bal = AdversarialBalancer(in_channels=8)
        >>> out = bal(torch.rand(4), torch.rand(4), teacher_feature=torch.randn(4, 8))
        >>> out.lam.tolist()  # the MLP starts at (lo + hi) / 2
        [0.5, 0.5, 0.5, 0.5]
    """

    adversarial = True

    def __init__(self,
                 input: str = 'teacher_feature',
                 in_channels: Optional[int] = None,
                 hidden_dims: Sequence[int] = (64, ),
                 lo: float = 0.1,
                 hi: float = 0.9,
                 reg_weight: float = 1.0,
                 reg_target: float = 0.5,
                 normalize_terms: bool = True,
                 momentum: float = 0.02) -> None:
        super().__init__(input, normalize_terms, momentum)
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError(f'AdversarialBalancer: need 0 <= lo < hi <= 1, got lo={lo}, hi={hi}')
        if not reg_weight >= 0:
            raise ValueError(f'AdversarialBalancer: reg_weight must be >= 0, got {reg_weight}')
        if not 0.0 <= reg_target <= 1.0:
            raise ValueError(f'AdversarialBalancer: reg_target must be in [0, 1], '
                             f'got {reg_target}')
        hidden_dims = tuple(hidden_dims)
        if any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden_dims):
            raise ValueError(f'AdversarialBalancer: hidden_dims must be positive ints, '
                             f'got {hidden_dims}')
        self.lo, self.hi = float(lo), float(hi)
        self.reg_weight = float(reg_weight)
        self.reg_target = float(reg_target)
        self.hidden_dims = hidden_dims

        if input == 'constant':
            self.logit = nn.Parameter(torch.zeros(()))
            self.mlp = None
            self.in_channels = 0
            return
        if input == 'loss_values':
            in_channels = 2
        elif isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError('AdversarialBalancer: input="teacher_feature" needs in_channels, '
                             f'the teacher feature width (a positive int), got {in_channels!r}; '
                             'CalibratedDistiller fills it in from the teacher')
        self.in_channels = in_channels
        layers, width = [], in_channels
        for hidden in hidden_dims:
            layers += [nn.Linear(width, hidden), nn.ReLU(inplace=True)]
            width = hidden
        last = nn.Linear(width, 1)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.mlp = nn.Sequential(*layers, last)

    def _prepare(self, source: Tensor) -> Tensor:
        x = torch.nan_to_num(source.float(), nan=0.0, posinf=_F32_MAX, neginf=-_F32_MAX)
        if self.input == 'loss_values':
            return torch.log1p(x.clamp_min(0.0))
        x = x / x.abs().amax(dim=1, keepdim=True).clamp_min(1e-30)
        return F.layer_norm(x, x.shape[1:])

    def compute_lambda(self, source: Tensor) -> Tensor:
        if self.mlp is None:
            return bounded_lambda(self.logit.expand(source.shape[0]), self.lo, self.hi)
        if source.shape[1] != self.in_channels:
            raise ValueError(f'AdversarialBalancer: expected {self.in_channels} input channels '
                             f'({self.input}), got {source.shape[1]}')
        return bounded_lambda(self.mlp(self._prepare(source)).squeeze(1), self.lo, self.hi)

    def regulariser(self, lam: Tensor) -> Optional[Tensor]:
        if self.reg_weight == 0:
            return None
        return self.reg_weight * (lam - self.reg_target).pow(2).mean()

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, hidden_dims={self.hidden_dims}, lo={self.lo}, '
                f'hi={self.hi}, reg_weight={self.reg_weight}, reg_target={self.reg_target}, '
                + super().extra_repr())


__all__ = ['AdversarialBalancer']
