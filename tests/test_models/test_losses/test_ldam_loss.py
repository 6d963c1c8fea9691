"""LDAMLoss against values worked out by hand."""
import math

import pytest
import torch

from mmltbin.models.losses import LDAMLoss
from mmltbin.models.losses.ldam_loss import ldam_margins


def test_margins_are_proportional_to_n_to_the_minus_quarter():
    # n ** -1/4 of 81, 16, 1 is 1/3, 1/2, 1; the rarest class gets max_margin
    margins = ldam_margins(torch.tensor([81.0, 16.0, 1.0]), 0.6)
    assert margins.tolist() == pytest.approx([0.2, 0.3, 0.6], abs=1e-6)


def test_loss_matches_hand_computation():
    # counts 16:1 -> margins .25 (head) and .5 (tail); scale 2; cosines (0.2, 0.1)
    loss = LDAMLoss(max_margin=0.5, scale=2.0, class_counts=[16, 1], reduction='none')
    cos = torch.tensor([[0.2, 0.1], [0.2, 0.1]])
    values = loss(cos, torch.tensor([0, 1]))
    # label 0: logits 2 * (0.2 - .25, 0.1) = (-0.1, 0.2) -> log(1 + e^0.3)
    # label 1: logits 2 * (0.2, 0.1 - .5) = (0.4, -0.8) -> log(1 + e^1.2)
    assert values.tolist() == pytest.approx(
        [math.log(1 + math.exp(0.3)), math.log(1 + math.exp(1.2))], abs=1e-6)


def test_class_weight_and_soft_targets():
    loss = LDAMLoss(max_margin=0.5, scale=2.0, class_counts=[16, 1], class_weight=[1.0, 3.0])
    cos = torch.tensor([[0.2, 0.1], [0.2, 0.1]])
    value = loss(cos, torch.tensor([0, 1]), avg_factor=2)
    expected = (math.log(1 + math.exp(0.3)) + 3 * math.log(1 + math.exp(1.2))) / 2
    assert value.item() == pytest.approx(expected, abs=1e-6)
    # soft target (.5, .5): logits 2 * (0.2 - .125, 0.1 - .25) = (0.15, -0.3), weight 2 (.5*1+.5*3)
    soft = loss(cos[:1], torch.tensor([[0.5, 0.5]]), avg_factor=1)
    log_z = math.log(math.exp(0.15) + math.exp(-0.3))
    expected_soft = 2.0 * (0.5 * (log_z - 0.15) + 0.5 * (log_z + 0.3))
    assert soft.item() == pytest.approx(expected_soft, abs=1e-6)


def test_tail_class_needs_a_larger_margin():
    loss = LDAMLoss(class_counts=[1000, 10])
    cos = torch.tensor([[0.5, 0.5]])
    assert loss(cos, torch.tensor([1])).item() > loss(cos, torch.tensor([0])).item()


def test_errors():
    with pytest.raises(RuntimeError, match='LDAMLoss needs the per-class training counts'):
        LDAMLoss()(torch.zeros(1, 2), torch.tensor([0]))
    with pytest.raises(ValueError, match='scale must be > 0'):
        LDAMLoss(scale=0.0)
    with pytest.raises(ValueError, match='class_weight has 3 entries'):
        LDAMLoss(class_counts=[2, 1], class_weight=[1, 1, 1])(torch.zeros(1, 2),
                                                            torch.tensor([0]))
