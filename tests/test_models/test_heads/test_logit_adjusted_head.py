"""LogitAdjustedLinearClsHead: predictions corrected by log priors, training untouched."""
import math

import pytest
import torch
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.structures import DataSample

from mmltbin.models.heads import LogitAdjustedLinearClsHead


def _identity(head):
    head.fc.weight.data.copy_(torch.eye(2))
    head.fc.bias.data.zero_()
    return head


def test_prediction_subtracts_tau_log_prior():
    head = _identity(LogitAdjustedLinearClsHead(2, 2, tau=1.0, class_counts=[9, 1]))
    # scores (1, 0): adjusted (1 - log .9, 0 - log .1) = (1.105, 2.303) -> class 1
    pred = head.predict((torch.tensor([[1.0, 0.0]]), ))[0]
    assert pred.pred_label.tolist() == [1]
    a, b = 1 - math.log(0.9), -math.log(0.1)
    assert pred.pred_score.tolist() == pytest.approx(
        [math.exp(a) / (math.exp(a) + math.exp(b)), math.exp(b) / (math.exp(a) + math.exp(b))],
        abs=1e-6)
    # a weaker adjustment keeps class 0: (1 - .2 log .9, -.2 log .1) = (1.021, 0.461)
    weak = _identity(LogitAdjustedLinearClsHead(2, 2, tau=0.2, class_counts=[9, 1]))
    assert weak.predict((torch.tensor([[1.0, 0.0]]), ))[0].pred_label.tolist() == [0]


def test_training_is_that_of_a_linear_head():
    linear = _identity(LinearClsHead(2, 2))
    head = _identity(LogitAdjustedLinearClsHead(2, 2, class_counts=[9, 1]))
    x, samples = (torch.tensor([[1.0, 0.0]]), ), [DataSample().set_gt_label(1)]
    assert head.loss(x, samples)['loss'].item() == pytest.approx(
        linear.loss(x, samples)['loss'].item())
    assert torch.equal(head(x), linear(x))
    head.load_state_dict(linear.state_dict())  # same parameter names


def test_counts_are_required_for_predictions():
    head = LogitAdjustedLinearClsHead(2, 2)
    with pytest.raises(RuntimeError, match='LogitAdjustedLinearClsHead needs the per-class'):
        head.predict((torch.zeros(1, 2), ))
