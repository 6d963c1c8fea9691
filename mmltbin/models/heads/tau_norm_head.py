"""tau-normalised classifier: class weight vectors divided by their norm to the power tau."""
from typing import Tuple

import torch.nn.functional as F
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from torch import Tensor


def tau_normalize(weight: Tensor, tau: float, eps: float = 1e-12) -> Tensor:
    """Divide every row (class) of ``weight`` by its L2 norm to the power ``tau``.

    ``tau=0`` returns the weights unchanged, ``tau=1`` gives unit-norm rows.

    Args:
        weight (Tensor): Classifier weights ``(C, D)``.
        tau (float): The exponent.
        eps (float): Floor of the norms (a zero row stays zero).

    Returns:
        Tensor: ``(C, D)``.

    Example:
        >>> import torch
        >>> tau_normalize(torch.tensor([[3.0, 4.0], [0.0, 1.0]]), 1.0).tolist()
        [[0.6000000238418579, 0.800000011920929], [0.0, 1.0]]
    """
    norms = weight.norm(dim=1, keepdim=True).clamp_min(eps)
    return weight / norms.pow(tau)


@MODELS.register_module()
class TauNormClsHead(LinearClsHead):
    """Linear classifier with tau-normalised weights (post-hoc, Kang et al., ICLR 2020).

    ``score_c = (w_c / ||w_c|| ** tau) . x`` (+ ``b_c`` with ``keep_bias=True``). A classifier
    trained on long-tailed data has larger weight norms for frequent classes; dividing by the
    norm to the power ``tau`` evens them out (``tau=1``: all norms 1). The weights are the
    trained ones, unchanged: the normalisation happens in ``forward``, so testing a checkpoint of
    a model trained with ``LinearClsHead`` with this head (same parameter names) is the whole
    method. Choose ``tau`` on a balanced held-out split with
    ``tools/analysis_tools/tau_norm_search.py``.

    The reference drops the classifier bias when normalising (``keep_bias=False``).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature width.
        tau (float): The exponent; 0 with ``keep_bias=True`` is the plain linear head.
            Defaults to 1.0.
        keep_bias (bool): Add the trained bias. Defaults to False.
        **kwargs: ``loss``, ``topk``, ``cal_acc``, ``init_cfg`` of ``LinearClsHead``.

    Example:
        >>> import torch
        >>> from mmltbin.models.heads import TauNormClsHead
        >>> head = TauNormClsHead(num_classes=3, in_channels=4, tau=1.0)
        >>> head((torch.randn(2, 4), )).shape
        torch.Size([2, 3])
    """

    def __init__(self, num_classes: int, in_channels: int, tau: float = 1.0,
                 keep_bias: bool = False, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.tau = float(tau)
        self.keep_bias = keep_bias

    def forward(self, feats: Tuple[Tensor, ...]) -> Tensor:
        weight = tau_normalize(self.fc.weight, self.tau)
        return F.linear(self.pre_logits(feats), weight, self.fc.bias if self.keep_bias else None)
