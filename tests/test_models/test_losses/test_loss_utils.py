"""Shared plumbing of the LT losses: count checks and hard / soft targets."""
import pytest
import torch

from mmltbin.models.losses.utils import split_target
from mmltbin.models.utils.class_prior import check_class_counts


def test_check_class_counts():
    assert check_class_counts(torch.tensor([5, 2]), 'X') == [5, 2]
    with pytest.raises(ValueError, match='X: class_counts is empty'):
        check_class_counts([], 'X')
    with pytest.raises(ValueError, match='whole numbers'):
        check_class_counts([2.5, 1], 'X')
    with pytest.raises(TypeError, match='sequence of ints'):
        check_class_counts(['a'], 'X')


def test_split_target_hard_soft_and_bad_shapes():
    scores = torch.zeros(2, 3)
    labels, dist = split_target(scores, torch.tensor([[2], [0]]))
    assert labels.tolist() == [2, 0] and dist.tolist() == [[0, 0, 1], [1, 0, 0]]
    soft = torch.tensor([[0.2, 0.8, 0.0], [1.0, 0.0, 0.0]])
    labels, dist = split_target(scores, soft)
    assert labels is None and torch.equal(dist, soft)
    with pytest.raises(ValueError, match='got a target of shape \\(3,\\)'):
        split_target(scores, torch.tensor([0, 1, 2]))
