"""CosineFeatureLoss: 2 - 2 cos between student and teacher features."""
import pytest
import torch

import mmltbin  # noqa: F401
from mmltbin.models.losses import CosineFeatureLoss
from mmpretrain.registry import MODELS


def test_registered_and_values_of_known_angles():
    loss = MODELS.build(dict(type='CosineFeatureLoss', reduction='none'))
    pred = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    target = torch.tensor([[5.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [1.0, 0.0]])
    torch.testing.assert_close(loss(pred, target),
                               torch.tensor([0.0, 2.0, 4.0, 2.0 - 2.0 ** 0.5]))


def test_scale_invariant_and_equal_to_squared_distance_of_unit_vectors():
    gen = torch.Generator().manual_seed(0)
    pred, target = torch.randn(5, 7, generator=gen), torch.randn(5, 7, generator=gen)
    loss = CosineFeatureLoss(reduction='none')
    torch.testing.assert_close(loss(pred * 100.0, target * 0.01), loss(pred, target))
    unit = lambda x: x / x.norm(dim=1, keepdim=True)  # noqa: E731
    torch.testing.assert_close(loss(pred, target), (unit(pred) - unit(target)).pow(2).sum(1))


def test_gradient_reaches_the_student_only_and_maps_are_flattened():
    pred = torch.randn(3, 4, 2, 2, requires_grad=True)
    target = torch.randn(3, 4, 2, 2, requires_grad=True)
    value = CosineFeatureLoss(loss_weight=0.5)(pred, target)
    value.backward()
    assert pred.grad is not None and target.grad is None
    assert value.dim() == 0


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match='project the student features'):
        CosineFeatureLoss()(torch.randn(2, 8), torch.randn(2, 16))
    with pytest.raises(ValueError, match='reduction'):
        CosineFeatureLoss(reduction='avg')
