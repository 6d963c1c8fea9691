"""CosineClsHead: scaled cosine similarities, by hand."""
import math

import pytest
import torch

from mmltbin.models.heads import CosineClsHead


def test_scores_are_scaled_cosines():
    head = CosineClsHead(num_classes=2, in_channels=2, scale=3.0)
    head.fc.weight.data.copy_(torch.tensor([[1.0, 0.0], [5.0, 5.0]]))
    scores = head((torch.tensor([[2.0, 0.0]]), ))
    assert scores[0].tolist() == pytest.approx([3.0, 3.0 / math.sqrt(2.0)], abs=1e-6)
    assert head.fc.bias is None


def test_rejects_a_non_positive_scale():
    with pytest.raises(ValueError, match='scale must be > 0'):
        CosineClsHead(num_classes=2, in_channels=2, scale=0.0)
