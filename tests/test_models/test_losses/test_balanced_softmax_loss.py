"""BalancedSoftmaxLoss against values worked out by hand."""
import math

import pytest
import torch

from mmltbin.models.losses import BalancedSoftmaxLoss
from mmpretrain.registry import MODELS


def test_hard_labels_match_hand_computation():
    # counts 3:1 -> priors .75/.25. Sample 1: logits (0, 0), label 1: the adjusted logits are
    # (log .75, log .25), so p_1 = .25 and the loss is log 4. Sample 2: logits (1, -1), label 0:
    # p_0 = .75e / (.75e + .25/e) = 3e^2 / (3e^2 + 1), loss log(1 + e^-2 / 3).
    loss = BalancedSoftmaxLoss(class_counts=[3, 1], reduction='none')
    values = loss(torch.tensor([[0.0, 0.0], [1.0, -1.0]]), torch.tensor([1, 0]))
    expected = [math.log(4.0), math.log(1.0 + math.exp(-2.0) / 3.0)]
    assert values.tolist() == pytest.approx(expected, abs=1e-6)
    mean = BalancedSoftmaxLoss(class_counts=[3, 1])(
        torch.tensor([[0.0, 0.0], [1.0, -1.0]]), torch.tensor([1, 0]))
    assert mean.item() == pytest.approx(sum(expected) / 2, abs=1e-6)


def test_tau_scales_the_adjustment():
    # tau 0.5: adjusted logits (0.5 log .75, 0.5 log .25); p_1 = .5 / (sqrt(.75) + .5)
    # = 1 / (sqrt 3 + 1), loss log(1 + sqrt 3)
    loss = BalancedSoftmaxLoss(tau=0.5, class_counts=[3, 1])
    assert loss(torch.zeros(1, 2), torch.tensor([1])).item() == pytest.approx(
        math.log(1.0 + math.sqrt(3.0)), abs=1e-6)
    # tau 0: plain cross-entropy, log 2 on equal logits whatever the counts
    plain = BalancedSoftmaxLoss(tau=0.0, class_counts=[3, 1])
    assert plain(torch.zeros(1, 2), torch.tensor([1])).item() == pytest.approx(math.log(2.0))


def test_soft_targets_weights_and_avg_factor():
    loss = BalancedSoftmaxLoss(class_counts=[3, 1])
    # a Mixup target (.5, .5) on zero logits: -.5 log .75 - .5 log .25
    soft = loss(torch.zeros(1, 2), torch.tensor([[0.5, 0.5]]))
    assert soft.item() == pytest.approx(-0.5 * math.log(0.75) - 0.5 * math.log(0.25), abs=1e-6)
    # per-sample weights (2, 0) and avg_factor 2: the first sample's loss, log 4
    weighted = loss(torch.zeros(2, 2), torch.tensor([1, 0]), weight=torch.tensor([2.0, 0.0]),
                    avg_factor=2)
    assert weighted.item() == pytest.approx(math.log(4.0), abs=1e-6)
    summed = loss(torch.zeros(2, 2), torch.tensor([1, 1]), reduction_override='sum')
    assert summed.item() == pytest.approx(2 * math.log(4.0), abs=1e-6)
    scaled = BalancedSoftmaxLoss(class_counts=[3, 1], loss_weight=0.5)
    assert scaled(torch.zeros(1, 2), torch.tensor([1])).item() == pytest.approx(
        0.5 * math.log(4.0), abs=1e-6)


def test_gradient_pushes_towards_the_balanced_posterior():
    # at zero logits the gradient is softmax(adjusted) - onehot = (.75, .25) - (0, 1)
    logits = torch.zeros(1, 2, requires_grad=True)
    BalancedSoftmaxLoss(class_counts=[3, 1])(logits, torch.tensor([1])).backward()
    assert logits.grad[0].tolist() == pytest.approx([0.75, -0.75], abs=1e-6)


def test_counts_from_set_class_counts_and_clear_errors():
    loss = MODELS.build(dict(type='BalancedSoftmaxLoss'))
    with pytest.raises(RuntimeError, match='BalancedSoftmaxLoss needs the per-class training '
                       'counts.*ClassCountsHook'):
        loss(torch.zeros(1, 2), torch.tensor([0]))
    loss.set_class_counts([3, 1])
    assert loss(torch.zeros(1, 2), torch.tensor([1])).item() == pytest.approx(math.log(4.0))
    with pytest.raises(ValueError, match='class_counts has 2 classes but the scores have 3'):
        loss(torch.zeros(1, 3), torch.tensor([0]))
    with pytest.raises(ValueError, match='at least one training image'):
        loss.set_class_counts([3, 0])
    with pytest.raises(ValueError, match='reduction'):
        BalancedSoftmaxLoss(reduction='avg')
