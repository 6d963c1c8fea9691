"""Learnable weight scaling (LWS): a learned scale per class on a linear classifier's scores."""
from typing import Tuple

import torch
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class LWSClsHead(LinearClsHead):
    """Linear classifier whose class scores are multiplied by learned per-class scales.

    ``score_c = f_c * (w_c . x + b_c)``. In the decoupled classifier learning of Kang et al.
    ("Decoupling Representation and Classifier for Long-Tailed Recognition", ICLR 2020) the
    backbone and the classifier trained jointly on the long-tailed data are frozen and only the
    scales ``f`` are learned, with class-balanced sampling: the scales re-balance the decision
    boundaries (``freeze_fc=True``, the default). MiSLAS (Zhong et al. 2021) learns the scales
    together with the classifier in its second stage (``freeze_fc=False``).

    The linear layer has the same parameter names as ``LinearClsHead`` (``fc.weight``,
    ``fc.bias``), so a checkpoint of a model trained with ``LinearClsHead`` loads into it; the
    scales start at 1 (the loaded classifier, unchanged).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature width.
        freeze_fc (bool): Keep the linear layer fixed (``requires_grad=False``); only the scales
            learn. Defaults to True.
        **kwargs: ``loss``, ``topk``, ``cal_acc``, ``init_cfg`` of ``LinearClsHead``.

    Example:
        >>> import torch
        >>> from mmltbin.models.heads import LWSClsHead
        >>> head = LWSClsHead(num_classes=3, in_channels=4)
        >>> [name for name, p in head.named_parameters() if p.requires_grad]
        ['scales']
        >>> head((torch.randn(2, 4), )).shape
        torch.Size([2, 3])
    """

    def __init__(self, num_classes: int, in_channels: int, freeze_fc: bool = True,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.freeze_fc = freeze_fc
        self.scales = nn.Parameter(torch.ones(num_classes))
        if freeze_fc:
            self.fc.requires_grad_(False)

    def forward(self, feats: Tuple[Tensor, ...]) -> Tensor:
        return self.fc(self.pre_logits(feats)) * self.scales
