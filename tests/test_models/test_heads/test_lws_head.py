"""LWSClsHead: per-class scales on a (frozen) linear classifier."""
import pytest
import torch
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.structures import DataSample

from mmltbin.models.heads import LWSClsHead


def _set_classifier(head):
    head.fc.weight.data.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    head.fc.bias.data.copy_(torch.tensor([0.5, 0.0]))


def test_scores_are_scaled_linear_scores():
    head = LWSClsHead(num_classes=2, in_channels=2)
    _set_classifier(head)
    head.scales.data.copy_(torch.tensor([2.0, 3.0]))
    # fc((1, 1)) = (1.5, 1.0); times (2, 3) = (3, 3)
    assert head((torch.tensor([[1.0, 1.0]]), )).tolist() == [[3.0, 3.0]]


def test_only_the_scales_learn_when_the_classifier_is_frozen():
    head = LWSClsHead(num_classes=2, in_channels=2)
    sample = DataSample().set_gt_label(1)
    head.loss((torch.randn(1, 2), ), [sample])['loss'].backward()
    assert head.scales.grad is not None and head.scales.grad.abs().sum() > 0
    assert head.fc.weight.grad is None and head.fc.bias.grad is None
    trainable = LWSClsHead(num_classes=2, in_channels=2, freeze_fc=False)
    trainable.loss((torch.randn(1, 2), ), [sample])['loss'].backward()
    assert trainable.fc.weight.grad is not None


def test_loads_a_linear_head_checkpoint_with_unit_scales():
    linear = LinearClsHead(num_classes=2, in_channels=2)
    _set_classifier(linear)
    head = LWSClsHead(num_classes=2, in_channels=2)
    missing, unexpected = head.load_state_dict(linear.state_dict(), strict=False)
    assert missing == ['scales'] and unexpected == []
    x = (torch.randn(3, 2), )
    assert torch.equal(head(x), linear(x))
