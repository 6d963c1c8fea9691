"""A balancer with a fixed lambda (no learning): the hand-tuned baseline."""
import torch
from mmpretrain.registry import MODELS
from torch import Tensor

from .base_balancer import BaseBalancer


@MODELS.register_module()
class FixedBalancer(BaseBalancer):
    """``lambda`` is the constant ``lam`` for every sample.

    ``lam=1`` distils logits only, ``lam=0`` features only, ``0.5`` weighs them equally.
    With ``normalize_terms=True`` the two terms are first divided by their running scales
    (see :class:`BaseBalancer`), so ``lam=0.5`` gives them equal weight relative to their size.

    Args:
        lam (float): lambda, in ``[0, 1]``. Defaults to 0.5.
        normalize_terms (bool): Divide each term by its running scale. Defaults to False.
        momentum (float): EMA momentum of the running scales. Defaults to 0.02.

    Example:
        >>> import torch
        >>> from mmltbin.models.balancers import FixedBalancer
        >>> out = FixedBalancer(lam=0.25)(torch.tensor([4.0, 8.0]), torch.tensor([1.0, 1.0]))
        >>> out.logit_part.tolist(), out.feature_part.tolist(), out.lam.tolist()
        ([1.0, 2.0], [0.75, 0.75], [0.25, 0.25])
    """

    def __init__(self, lam: float = 0.5, normalize_terms: bool = False,
                 momentum: float = 0.02) -> None:
        super().__init__('constant', normalize_terms, momentum)
        if not 0.0 <= lam <= 1.0:
            raise ValueError(f'FixedBalancer: lam must be in [0, 1], got {lam}')
        self.lam = float(lam)

    def compute_lambda(self, source: Tensor) -> Tensor:
        return torch.full((source.shape[0], ), self.lam, device=source.device)

    def extra_repr(self) -> str:
        return f'lam={self.lam}, ' + super().extra_repr()


__all__ = ['FixedBalancer']
