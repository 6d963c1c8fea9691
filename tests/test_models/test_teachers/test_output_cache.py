"""TeacherOutputCache: what is stored comes back, in order, and misses are counted."""
import pytest
import torch

import mmltbin  # noqa: F401
from mmltbin.models.teachers import TeacherOutputCache
from mmpretrain.registry import MODELS


def test_store_and_read_back_in_any_order():
    cache = MODELS.build(dict(type='TeacherOutputCache'))
    feats, logits = torch.randn(3, 5), torch.randn(3, 4)
    assert cache.missing([7, 8, 9]) == [0, 1, 2]
    cache.put([7, 8, 9], feats, logits)
    got_f, got_l = cache.get([9, 7])
    torch.testing.assert_close(got_f, feats[[2, 0]], rtol=0, atol=0)
    torch.testing.assert_close(got_l, logits[[2, 0]], rtol=0, atol=0)
    assert cache.missing([9, 10]) == [1]
    assert cache.hit_rate == pytest.approx(1 / 5)
    with pytest.raises(KeyError, match='10'):
        cache.get([10])


def test_half_precision_and_entry_limit():
    cache = TeacherOutputCache(dtype='float16', max_entries=2)
    feats = torch.tensor([[1 / 3.0], [2.0], [3.0]])
    cache.put([1, 2, 3], feats, feats)
    assert len(cache) == 2 and 3 not in cache
    got, _ = cache.get([1])
    assert got.dtype == torch.float32 and got.item() != 1 / 3.0
    assert got.item() == pytest.approx(1 / 3.0, rel=1e-3)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='dtype'):
        TeacherOutputCache(dtype='int8')
    with pytest.raises(ValueError, match='max_entries'):
        TeacherOutputCache(max_entries=-1)
    with pytest.raises(ValueError, match='2 keys'):
        TeacherOutputCache().put([1, 2], torch.zeros(3, 1), torch.zeros(3, 1))
