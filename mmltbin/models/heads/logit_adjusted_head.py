"""Post-hoc logit adjustment: subtract tau * log(class prior) from the scores at prediction."""
from typing import List, Optional, Sequence, Tuple

from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from ..utils.class_prior import ClassCountsMixin, log_prior


@MODELS.register_module()
class LogitAdjustedLinearClsHead(ClassCountsMixin, LinearClsHead):
    """Linear classifier whose predictions are corrected by the training class priors.

    Post-hoc logit adjustment (Menon et al., "Long-tail learning via logit adjustment",
    ICLR 2021): predict ``argmax_c z_c - tau * log pi_c`` with ``pi_c = n_c / sum n`` the
    training prior. A model trained with plain cross-entropy estimates ``p(y | x)`` under the
    long-tailed prior; the subtraction turns it into the balanced posterior (``tau=1``, exact
    for a calibrated model). Only :meth:`predict` is adjusted (the ``pred_score`` is the softmax
    of the adjusted scores); ``forward`` and the training loss see the raw scores, so the head
    trains exactly like ``LinearClsHead`` and a ``LinearClsHead`` checkpoint loads into it
    (same parameter names): testing it with this head is the whole method.

    It is a head option rather than a wrapper so the parameter names stay those of
    ``LinearClsHead``. The counts come from ``ClassCountsHook`` (when testing, from the
    checkpoint's ``dataset_meta``) or ``class_counts``.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature width.
        tau (float): Strength of the adjustment. Defaults to 1.0.
        class_counts (Sequence[int], optional): Training images per class.
        **kwargs: ``loss``, ``topk``, ``cal_acc``, ``init_cfg`` of ``LinearClsHead``.

    Example:
        >>> import torch
        >>> from mmltbin.models.heads import LogitAdjustedLinearClsHead
        >>> head = LogitAdjustedLinearClsHead(2, 2, tau=1.0, class_counts=[9, 1])
        >>> _ = head.fc.weight.data.copy_(torch.eye(2)); _ = head.fc.bias.data.zero_()
        >>> # scores (1, 0) -> (1 - log .9, 0 - log .1) = (1.11, 2.30)
        >>> head.predict((torch.tensor([[1.0, 0.0]]), ))[0].pred_label.tolist()
        [1]
    """

    def __init__(self, num_classes: int, in_channels: int, tau: float = 1.0,
                 class_counts: Optional[Sequence[int]] = None, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.tau = float(tau)
        self._init_class_counts(class_counts)

    def adjust(self, cls_score: Tensor) -> Tensor:
        """``cls_score - tau * log pi``."""
        return cls_score - self.tau * log_prior(self.counts_like(cls_score))

    def predict(self,
                feats: Tuple[Tensor, ...],
                data_samples: Optional[List[Optional[DataSample]]] = None) -> List[DataSample]:
        """Predictions from the adjusted scores."""
        return self._get_predictions(self.adjust(self(feats)), data_samples)
