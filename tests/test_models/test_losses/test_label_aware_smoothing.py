"""LabelAwareSmoothingLoss and its smoothing profiles against values worked out by hand."""
import math

import pytest
import torch

from mmltbin.models.losses import LabelAwareSmoothingLoss
from mmltbin.models.losses.label_aware_smoothing import label_aware_smoothing_factors

COUNTS = torch.tensor([9.0, 5.0, 1.0])  # position between the extremes: 1, .5, 0


@pytest.mark.parametrize('shape,middle', [
    ('concave', 0.1 + 0.3 * math.sin(math.pi / 4)),
    ('linear', 0.1 + 0.3 * 0.5),
    ('convex', 0.1 + 0.3 * (1 - math.cos(math.pi / 4))),
])
def test_profiles_run_from_tail_to_head_value(shape, middle):
    eps = label_aware_smoothing_factors(COUNTS, 0.4, 0.1, shape)
    assert eps.tolist() == pytest.approx([0.4, middle, 0.1], abs=1e-6)


def test_exp_profile_balanced_set_and_bad_arguments():
    eps = label_aware_smoothing_factors(COUNTS, 0.4, 0.1, 'exp', power=2.0)
    assert eps.tolist() == pytest.approx([0.4, 0.1 + 0.3 * 0.25, 0.1], abs=1e-6)
    balanced = label_aware_smoothing_factors(torch.tensor([5.0, 5.0]), 0.4, 0.1)
    assert balanced.tolist() == pytest.approx([0.1, 0.1])
    with pytest.raises(ValueError, match='unknown shape'):
        LabelAwareSmoothingLoss(shape='cubic')
    with pytest.raises(ValueError, match='needs power'):
        LabelAwareSmoothingLoss(shape='exp')
    with pytest.raises(ValueError, match='smooth_head must be in'):
        LabelAwareSmoothingLoss(smooth_head=1.5)


def test_loss_matches_hand_computation():
    # eps (.4 head, .1 tail); logits (2, 0): -log p = (L, 2 + L) with L = log(1 + e^-2)
    # label 0: .6 L + .4 * (L + (2 + L)) / 2 = L + .4
    # label 1: .9 (2 + L) + .1 * (L + 1) = L + 1.9
    loss = LabelAwareSmoothingLoss(0.4, 0.1, class_counts=[100, 1], reduction='none')
    values = loss(torch.tensor([[2.0, 0.0], [2.0, 0.0]]), torch.tensor([0, 1]))
    big_l = math.log(1 + math.exp(-2))
    assert values.tolist() == pytest.approx([big_l + 0.4, big_l + 1.9], abs=1e-6)


def test_soft_target_mixes_smoothing_and_targets():
    # target (.5, .5): eps = .25; nll = .5 L + .5 (2 + L) = L + 1; uniform term L + 1 too
    loss = LabelAwareSmoothingLoss(0.4, 0.1, class_counts=[100, 1])
    value = loss(torch.tensor([[2.0, 0.0]]), torch.tensor([[0.5, 0.5]]))
    assert value.item() == pytest.approx(math.log(1 + math.exp(-2)) + 1.0, abs=1e-6)


def test_no_smoothing_is_cross_entropy_and_counts_are_required():
    plain = LabelAwareSmoothingLoss(0.0, 0.0, class_counts=[5, 1])
    assert plain(torch.tensor([[2.0, 0.0]]), torch.tensor([1])).item() == pytest.approx(
        2 + math.log(1 + math.exp(-2)), abs=1e-6)
    with pytest.raises(RuntimeError, match='LabelAwareSmoothingLoss needs the per-class'):
        LabelAwareSmoothingLoss()(torch.zeros(1, 2), torch.tensor([0]))
