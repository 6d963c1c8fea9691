"""Effective-number weights and ClassBalancedLoss around CE, focal and LDAM, by hand."""
import math

import pytest
import torch

from mmltbin.models.losses import ClassBalancedLoss, LDAMLoss
from mmltbin.models.losses.class_balanced import effective_number_weights
from mmpretrain.registry import MODELS


def test_effective_number_weights_by_hand():
    # beta .5: E(1) = 1, E(2) = (1 - .25) / .5 = 1.5 -> 1/E = (1, 2/3), normalised to sum 2
    assert effective_number_weights([1, 2], 0.5).tolist() == pytest.approx([1.2, 0.8])
    assert effective_number_weights([1, 2], 0.0).tolist() == pytest.approx([1.0, 1.0])
    # beta 1: inverse frequency (1, 1/2) normalised to sum 2
    assert effective_number_weights([1, 2], 1.0).tolist() == pytest.approx([4 / 3, 2 / 3])
    # beta .9999 on 1000 vs 10 images: E = 1000 * (1 - ~.05) vs ~10, close to inverse frequency
    w = effective_number_weights([1000, 10], 0.9999)
    e_head = (1 - 0.9999**1000) / (1 - 0.9999)
    e_tail = (1 - 0.9999**10) / (1 - 0.9999)
    assert (w[1] / w[0]).item() == pytest.approx(e_head / e_tail, rel=1e-9)
    with pytest.raises(ValueError, match='beta must be in'):
        effective_number_weights([1, 2], 1.5)


def test_with_cross_entropy_by_hand():
    # weights (1.2, .8); sample 0: logits (1, 0), label 0, CE log(1 + 1/e);
    # sample 1: logits (0, 0), label 1, CE log 2; mean over the batch of weighted CE
    loss = ClassBalancedLoss(dict(type='CrossEntropyLoss'), beta=0.5, class_counts=[1, 2])
    value = loss(torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([0, 1]), avg_factor=2)
    expected = (1.2 * math.log(1 + math.exp(-1)) + 0.8 * math.log(2)) / 2
    assert value.item() == pytest.approx(expected, abs=1e-6)
    loss.enabled = False
    unweighted = loss(torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([0, 1]),
                      avg_factor=2)
    assert unweighted.item() == pytest.approx(
        (math.log(1 + math.exp(-1)) + math.log(2)) / 2, abs=1e-6)


def test_with_mmpretrain_sigmoid_focal_loss_by_hand():
    # logits (0, 0), label 0, two binary terms with p = .5: each BCE log 2 times
    # alpha .5 * (1 - p_t)^2 = .125; sum .25 log 2; times the class weight 1.2
    loss = ClassBalancedLoss(dict(type='FocalLoss', gamma=2.0, alpha=0.5), beta=0.5,
                             class_counts=[1, 2])
    value = loss(torch.zeros(1, 2), torch.tensor([0]), avg_factor=1)
    assert value.item() == pytest.approx(1.2 * 0.25 * math.log(2), abs=1e-6)


def test_soft_targets_and_caller_weights_combine():
    # soft target (.5, .5) -> weight .5 * 1.2 + .5 * .8 = 1; caller weight 3 -> 3
    loss = ClassBalancedLoss(dict(type='CrossEntropyLoss', use_soft=True), beta=0.5,
                             class_counts=[1, 2])
    value = loss(torch.zeros(1, 2), torch.tensor([[0.5, 0.5]]), weight=torch.tensor([3.0]),
                 avg_factor=1)
    assert value.item() == pytest.approx(3 * math.log(2), abs=1e-6)


def test_counts_reach_the_wrapped_loss_and_errors_are_clear():
    loss = MODELS.build(dict(type='ClassBalancedLoss', loss=dict(type='LDAMLoss', scale=1.0)))
    with pytest.raises(RuntimeError, match='ClassBalancedLoss needs the per-class'):
        loss(torch.zeros(1, 2), torch.tensor([0]))
    loss.set_class_counts([16, 1])
    assert isinstance(loss.loss, LDAMLoss) and loss.loss.class_counts == [16, 1]
    # CB weights (beta .9999) times LDAM on hand-checkable numbers: counts 16:1,
    # margins (.25, .5), scale 1, zero cosines, label 1 -> logits (0, -.5), CE log(1 + e^.5)
    w = effective_number_weights([16, 1], 0.9999)[1].item()
    value = loss(torch.zeros(1, 2), torch.tensor([1]), avg_factor=1)
    assert value.item() == pytest.approx(w * math.log(1 + math.exp(0.5)), abs=1e-6)
    with pytest.raises(ValueError, match='beta must be in'):
        ClassBalancedLoss(dict(type='CrossEntropyLoss'), beta=-0.1)
