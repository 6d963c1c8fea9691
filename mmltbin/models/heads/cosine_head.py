"""Cosine classifier: scores are scaled cosines between the feature and each class weight."""
from typing import Tuple

from mmpretrain.models.heads import LinearClsHead
from mmpretrain.models.heads.margin_head import NormProduct
from mmpretrain.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class CosineClsHead(LinearClsHead):
    """Classifier on L2-normalised features and L2-normalised class weights.

    ``score_c = scale * cos(x, w_c)``, no bias. Normalising the class weights removes the
    head-to-tail decay of their norms; it is the classifier LDAM (Cao et al. 2019) is used with
    (``scale=1``: the loss applies its own scale ``s=30`` after subtracting the margins). With
    plain cross-entropy give a temperature, ``scale`` around 16-30, or the softmax stays flat.

    Reuses mmpretrain's ``NormProduct``; the weight is ``fc.weight`` as in ``LinearClsHead``.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature width.
        scale (float): Multiplier of the cosines. Defaults to 1.0.
        **kwargs: ``loss``, ``topk``, ``cal_acc``, ``init_cfg`` of ``LinearClsHead``.

    Example:
        >>> import torch
        >>> from mmltbin.models.heads import CosineClsHead
        >>> head = CosineClsHead(num_classes=3, in_channels=4)
        >>> bool(head((torch.randn(2, 4), )).abs().max() <= 1.0 + 1e-6)
        True
    """

    def __init__(self, num_classes: int, in_channels: int, scale: float = 1.0,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if not scale > 0:
            raise ValueError(f'CosineClsHead: scale must be > 0, got {scale}')
        self.scale = float(scale)
        self.fc = NormProduct(in_channels, num_classes, bias=False)

    def forward(self, feats: Tuple[Tensor, ...]) -> Tensor:
        return self.scale * self.fc(self.pre_logits(feats))
