"""Global average pooling of whatever a backbone, neck or encoder returns."""
from typing import Sequence, Union

from torch import Tensor


def pool_features(feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
    """The last feature map of ``feats`` globally average-pooled to ``(N, D)``.

    mmpretrain's backbones and necks return tuples of stages; the last one is the feature.
    An already pooled ``(N, D)`` tensor is returned unchanged.

    Example:
        >>> import torch
        >>> pool_features((torch.zeros(2, 8, 4, 4), torch.ones(2, 16, 2, 2))).shape
        torch.Size([2, 16])
    """
    if isinstance(feats, (tuple, list)):
        feats = feats[-1]
    return feats.flatten(2).mean(-1) if feats.dim() > 2 else feats


__all__ = ['pool_features']
