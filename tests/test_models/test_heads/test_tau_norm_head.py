"""TauNormClsHead: class weights divided by their norm ** tau, by hand."""
import math

import pytest
import torch
from mmpretrain.models.heads import LinearClsHead

from mmltbin.models.heads import TauNormClsHead
from mmltbin.models.heads.tau_norm_head import tau_normalize
from mmpretrain.registry import MODELS


def _head(**kwargs):
    head = MODELS.build(dict(type='TauNormClsHead', num_classes=2, in_channels=2, **kwargs))
    head.fc.weight.data.copy_(torch.tensor([[3.0, 4.0], [0.0, 2.0]]))  # norms 5 and 2
    head.fc.bias.data.copy_(torch.tensor([1.0, 1.0]))
    return head


@pytest.mark.parametrize('tau,expected', [
    (1.0, [7.0 / 5.0, 2.0 / 2.0]),  # x = (1, 1): w.x = 7 and 2
    (0.5, [7.0 / math.sqrt(5.0), 2.0 / math.sqrt(2.0)]),
    (0.0, [7.0, 2.0]),
])
def test_scores_by_hand(tau, expected):
    scores = _head(tau=tau)((torch.tensor([[1.0, 1.0]]), ))
    assert scores[0].tolist() == pytest.approx(expected, abs=1e-6)


def test_keep_bias_and_linear_equivalence():
    with_bias = _head(tau=1.0, keep_bias=True)((torch.tensor([[1.0, 1.0]]), ))
    assert with_bias[0].tolist() == pytest.approx([2.4, 2.0], abs=1e-6)
    linear = LinearClsHead(num_classes=2, in_channels=2)
    head = TauNormClsHead(num_classes=2, in_channels=2, tau=0.0, keep_bias=True)
    head.load_state_dict(linear.state_dict())  # same parameter names, strict
    x = (torch.randn(4, 2), )
    assert torch.allclose(head(x), linear(x))


def test_tau_normalize_keeps_zero_rows_and_evens_norms():
    weight = torch.tensor([[0.0, 0.0], [6.0, 8.0], [0.3, 0.4]])
    normed = tau_normalize(weight, 1.0)
    assert normed[0].tolist() == [0.0, 0.0]
    assert normed[1:].norm(dim=1).tolist() == pytest.approx([1.0, 1.0])
