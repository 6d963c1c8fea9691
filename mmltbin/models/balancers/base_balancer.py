"""What every balancer shares: mixing the logit and feature terms with a per-sample lambda."""
from typing import NamedTuple, Optional

import torch
from torch import Tensor, nn

#: The inputs a balancer can compute lambda from (config key ``model.balancer.input``).
BALANCER_INPUTS = ('constant', 'teacher_feature', 'loss_values')

# lambda's logit is softly bounded to +-_LOGIT_LIMIT (15 * tanh(z / 15)): sigmoid(15) is
# 1 - 3.1e-7, so lambda stays strictly inside (lo, hi) in float32 while keeping a gradient.
_LOGIT_LIMIT = 15.0
# a final clamp guards against float rounding only; it is inactive in exact arithmetic
_CLAMP_MARGIN = 1e-7


class _ScaleGrad(torch.autograd.Function):
    """Identity forward; the backward multiplies the gradient by ``scale``."""

    @staticmethod
    def forward(ctx, x: Tensor, scale: float) -> Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor):
        return grad * ctx.scale, None


def scale_grad(x: Tensor, scale: float) -> Tensor:
    """``x`` unchanged, its gradient multiplied by ``scale`` (``-1``: gradient reversal).

    Example:
        >>> x = torch.ones(2, requires_grad=True)
        >>> scale_grad(x, -1.0).sum().backward()
        >>> x.grad.tolist()
        [-1.0, -1.0]
    """
    return _ScaleGrad.apply(x, float(scale))


def bounded_lambda(logit: Tensor, lo: float, hi: float) -> Tensor:
    """Map any logit (even NaN or inf) to lambda strictly inside ``(lo, hi)``.

    Example:
        >>> lam = bounded_lambda(torch.tensor([-1e30, 0.0, float('inf'), float('nan')]), 0.0, 1.0)
        >>> bool((lam > 0).all() and (lam < 1).all()), lam[1].item(), lam[3].item()
        (True, 0.5, 0.5)
    """
    logit = torch.nan_to_num(logit.float(), nan=0.0, posinf=_LOGIT_LIMIT, neginf=-_LOGIT_LIMIT)
    logit = _LOGIT_LIMIT * torch.tanh(logit / _LOGIT_LIMIT)
    lam = lo + (hi - lo) * torch.sigmoid(logit)
    margin = (hi - lo) * _CLAMP_MARGIN
    return lam.clamp(lo + margin, hi - margin)


class BalanceResult(NamedTuple):
    """The output of a balancer for one batch.

    Attributes:
        logit_part (Tensor): ``lambda * a`` per sample ``(N, )``; ``a`` the (normalised) logit
            term. Its gradient reaches the student; through lambda (gradient reversal) the
            balancer.
        feature_part (Tensor): ``(1 - lambda) * b`` per sample ``(N, )``.
        lam (Tensor): lambda per sample ``(N, )``, detached (for logging).
        reg_loss (Tensor, optional): The regulariser of lambda to add to the total loss (already
            multiplied by the gradient scale), or None.
    """
    logit_part: Tensor
    feature_part: Tensor
    lam: Tensor
    reg_loss: Optional[Tensor]


class BaseBalancer(nn.Module):
    """Mix the per-sample logit term ``a`` and feature term ``b`` as ``lambda a + (1-lambda) b``.

    Subclasses define :meth:`compute_lambda` (lambda per sample from the input named by
    ``input``). This base handles what all balancers share:

    - **Running-scale normalisation** (``normalize_terms=True``): each term is divided by an
      exponential moving average of its batch mean (``momentum``; a buffer, so it is saved,
      and DDP keeps it equal on all ranks), making both terms about 1 on average. A balancer
      comparing raw terms always favours the larger one; normalised, it compares how large a
      term is for a sample relative to its usual size. The batch uses the scale from before
      its own update (the first batch initialises it).
    - **Adversarial update** (subclasses with ``adversarial = True``): lambda enters the
      objective through a gradient reversal scaled by :attr:`grad_scale`, so one optimizer
      step makes the student descend and the balancer ascend the same objective.
      ``grad_scale = 0`` freezes the balancer in that step (warm-up, update interval, or an
      ascent step of its own via :meth:`ascent_loss`); the parameters stay in the graph, so
      DDP needs no ``find_unused_parameters``.
    - The **last batch** is remembered (detached) for :meth:`ascent_loss` and :meth:`stats`.

    Args:
        input (str): One of :data:`BALANCER_INPUTS`.
        normalize_terms (bool): Divide each term by its running scale. Defaults to False.
        momentum (float): EMA momentum of the running scales, in ``(0, 1]``. Defaults to 0.02.
    """

    adversarial: bool = False

    def __init__(self, input: str = 'constant', normalize_terms: bool = False,
                 momentum: float = 0.02) -> None:
        super().__init__()
        if input not in BALANCER_INPUTS:
            raise ValueError(f'{type(self).__name__}: input "{input}" does not exist; choose one '
                             f'of {BALANCER_INPUTS} (config key model.balancer.input)')
        if not 0.0 < momentum <= 1.0:
            raise ValueError(f'{type(self).__name__}: momentum must be in (0, 1], got {momentum}')
        self.input = input
        self.normalize_terms = bool(normalize_terms)
        self.momentum = float(momentum)
        self.grad_scale = 1.0
        self.register_buffer('running_scale', torch.ones(2))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        self._last: Optional[dict] = None

    # ------------------------------------------------------------------ to implement
    def compute_lambda(self, source: Tensor) -> Tensor:
        """lambda per sample ``(N, )`` from the prepared input ``source``."""
        raise NotImplementedError

    def regulariser(self, lam: Tensor) -> Optional[Tensor]:
        """A penalty on lambda that the balancer minimises (None: no penalty)."""
        return None

    # ------------------------------------------------------------------ public
    def set_grad_scale(self, scale: float) -> None:
        """Scale of the reversed gradient into the balancer (1: full ascent, 0: frozen)."""
        self.grad_scale = float(scale)

    def source(self, logit_term: Tensor, feature_term: Tensor,
               teacher_feature: Optional[Tensor]) -> Tensor:
        """The detached input lambda is computed from (see ``input``)."""
        if self.input == 'constant':
            return logit_term.detach().new_zeros(logit_term.shape[0], 0)
        if self.input == 'loss_values':
            return torch.stack([logit_term.detach(), feature_term.detach()], dim=1)
        if teacher_feature is None:
            raise ValueError(f'{type(self).__name__}: input "teacher_feature" needs the '
                             'teacher features, none were given')
        return teacher_feature.detach().flatten(1)

    def forward(self, logit_term: Tensor, feature_term: Tensor,
                teacher_feature: Optional[Tensor] = None) -> BalanceResult:
        """Mix the two per-sample terms ``(N, )`` with lambda.

        Args:
            logit_term (Tensor): ``a``, e.g. ``tau^2 KL`` per sample, with gradient.
            feature_term (Tensor): ``b``, e.g. ``2 - 2 cos`` per sample, with gradient.
            teacher_feature (Tensor, optional): ``(N, D)`` teacher features (for
                ``input='teacher_feature'``).

        Returns:
            BalanceResult: the two mixed parts, lambda and the regulariser's loss.
        """
        if logit_term.shape != feature_term.shape or logit_term.dim() != 1:
            raise ValueError(f'{type(self).__name__}: expected two per-sample terms of shape '
                             f'(N, ), got {tuple(logit_term.shape)} and '
                             f'{tuple(feature_term.shape)}')
        a, b = self._normalise(logit_term, feature_term)
        source = self.source(a, b, teacher_feature)
        lam = self.compute_lambda(source)
        lam_used = scale_grad(lam, -self.grad_scale) if self.adversarial else lam.detach()
        reg = self.regulariser(lam) if self.adversarial else None
        reg_loss = None if reg is None else reg * self.grad_scale
        if self.training:
            self._last = dict(source=source.detach(), a=a.detach(), b=b.detach(),
                              lam=lam.detach())
        return BalanceResult(lam_used * a, (1.0 - lam_used) * b, lam.detach(), reg_loss)

    def ascent_loss(self) -> Tensor:
        """Loss whose *descent* is the balancer's ascent on the last training batch.

        ``-mean(lambda a + (1 - lambda) b) + regulariser``, with ``a``, ``b`` the last batch's
        (normalised) terms as constants; only the balancer's parameters get gradients. For an
        ascent step with the balancer's own optimizer.
        """
        if self._last is None:
            raise RuntimeError(f'{type(self).__name__}: no training batch seen yet, so there is '
                               'nothing to take an ascent step on')
        last = self._last
        lam = self.compute_lambda(last['source'])
        loss = -(lam * last['a'] + (1.0 - lam) * last['b']).mean()
        reg = self.regulariser(lam)
        return loss if reg is None else loss + reg

    def stats(self) -> dict:
        """``{'lambda_mean', 'lambda_std'}`` of the last training batch (floats), or ``{}``."""
        if self._last is None:
            return {}
        lam = self._last['lam'].float()
        std = lam.std(unbiased=False) if lam.numel() > 1 else lam.new_zeros(())
        return dict(lambda_mean=float(lam.mean()), lambda_std=float(std))

    # ------------------------------------------------------------------ internals
    def _normalise(self, a: Tensor, b: Tensor):
        if not self.normalize_terms:
            return a, b
        batch = torch.stack([a.detach().float().mean(), b.detach().float().mean()])
        batch = torch.nan_to_num(batch, nan=1.0, posinf=1.0).clamp_min(1e-12)
        if self.training:
            if int(self.num_updates) == 0:
                self.running_scale.copy_(batch)
                scale = batch
            else:
                scale = self.running_scale.clone()
                self.running_scale.mul_(1.0 - self.momentum).add_(batch * self.momentum)
            self.num_updates += 1
        else:
            scale = self.running_scale
        scale = scale.clamp_min(1e-12).to(a.dtype)
        return a / scale[0], b / scale[1]

    def extra_repr(self) -> str:
        return (f'input={self.input!r}, normalize_terms={self.normalize_terms}, '
                f'momentum={self.momentum}')


__all__ = ['BALANCER_INPUTS', 'BalanceResult', 'BaseBalancer', 'bounded_lambda', 'scale_grad']
