"""ClassAwareSampler: class frequencies hit the target, epochs are seeded, ranks split one draw."""
import numpy as np
import pytest

import mmltbin  # noqa: F401
from mmltbin.datasets import ClassAwareSampler, LongTailDataset, SklearnDigits
from mmltbin.datasets.samplers import class_aware
from mmpretrain.registry import DATA_SAMPLERS

DRAWS = 200_000


@pytest.fixture(scope='module')
def lt_digits():
    # real digits, long-tailed: 120 ... 6 images per class
    return LongTailDataset(SklearnDigits(split='train'), n_max=120, rho=20)


def class_frequencies(dataset, sampler):
    labels = dataset.get_gt_labels()[list(sampler)]
    return np.bincount(labels, minlength=10) / len(labels)


def test_class_balanced_sampling_is_uniform_over_classes(lt_digits):
    sampler = DATA_SAMPLERS.build(dict(type='ClassAwareSampler', mode='balanced', seed=0,
                                       num_samples=DRAWS), default_args=dict(dataset=lt_digits))
    freq = class_frequencies(lt_digits, sampler)
    np.testing.assert_allclose(freq, 0.1, atol=0.004)
    # the instance-frequency a plain sampler would give is far from uniform
    counts = np.asarray(lt_digits.metainfo['class_counts'])
    assert counts[0] / counts.sum() > 0.25


def test_sqrt_sampling_follows_square_root_of_counts(lt_digits):
    sampler = ClassAwareSampler(lt_digits, mode='sqrt', seed=1, num_samples=DRAWS)
    counts = np.asarray(lt_digits.metainfo['class_counts'], dtype=float)
    target = np.sqrt(counts) / np.sqrt(counts).sum()
    np.testing.assert_allclose(class_frequencies(lt_digits, sampler), target, atol=0.004)
    np.testing.assert_allclose(sampler.class_probs.numpy(), target)


def test_every_image_of_a_class_is_drawn_and_only_its_class(lt_digits):
    sampler = ClassAwareSampler(lt_digits, mode='balanced', seed=2, num_samples=20_000)
    drawn = np.asarray(list(sampler))
    labels = lt_digits.get_gt_labels()
    tail = int(np.argmin(lt_digits.metainfo['class_counts']))
    assert set(drawn[labels[drawn] == tail]) == set(np.flatnonzero(labels == tail))


def test_epochs_are_seeded_and_differ(lt_digits):
    sampler = ClassAwareSampler(lt_digits, seed=3)
    assert len(sampler) == len(lt_digits)
    first = list(sampler)
    assert list(sampler) == first
    sampler.set_epoch(1)
    second = list(sampler)
    assert second != first
    other = ClassAwareSampler(lt_digits, seed=3)
    other.set_epoch(1)
    assert list(other) == second


def test_two_ranks_share_one_draw(lt_digits, monkeypatch):
    single = ClassAwareSampler(lt_digits, seed=4, num_samples=101)
    single.set_epoch(2)
    expected = list(single)
    parts = []
    for rank in (0, 1):
        monkeypatch.setattr(class_aware, 'get_dist_info', lambda r=rank: (r, 2))
        sampler = ClassAwareSampler(lt_digits, seed=4, num_samples=101)
        sampler.set_epoch(2)
        parts.append(list(sampler))
        assert len(sampler) == 51 == len(parts[-1])
    interleaved = [i for pair in zip(*parts) for i in pair]
    # rank 0 takes positions 0, 2, ...; the draw is padded by its first index for round_up
    assert interleaved == expected + expected[:1]


def test_unknown_mode_raises(lt_digits):
    with pytest.raises(ValueError, match='unknown mode "cbs"'):
        ClassAwareSampler(lt_digits, mode='cbs')
