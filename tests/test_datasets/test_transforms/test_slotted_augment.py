"""SlottedAugment: a fixed set of augmented versions per image, on real digits images."""
import numpy as np
import pytest

import mmltbin  # noqa: F401
from mmltbin.datasets.transforms import SlottedAugment
from mmltbin.datasets.transforms.slotted_augment import fixed_slot
from mmpretrain.registry import DATASETS, TRANSFORMS

RANDOM = [dict(type='RandomCrop', crop_size=8, padding=2),
          dict(type='RandomFlip', prob=0.5, direction='horizontal')]


@pytest.fixture(scope='module')
def images():
    dataset = DATASETS.build(dict(type='SklearnDigits', split='train', pipeline=[]))
    return [dataset[i] for i in range(3)]


def _apply(transform, info, epoch=None):
    if epoch is not None:
        transform.set_epoch(epoch)
    return transform(dict(info, img=info['img'].copy()))


def test_registered_and_each_key_names_one_augmented_image(images):
    t = TRANSFORMS.build(dict(type='SlottedAugment', transforms=RANDOM, num_slots=3, seed=0))
    assert isinstance(t, SlottedAugment)
    for info in images:
        by_key = {}
        for epoch in range(40):
            out = _apply(t, info, epoch)
            key = out['aug_key']
            assert key // 3 == info['sample_idx']
            if key in by_key:
                np.testing.assert_array_equal(by_key[key], out['img'])
            by_key[key] = out['img']
        assert len(by_key) == 3  # every slot chosen in 40 epochs
        # the slots are different augmentations (crop offsets / flips), not copies
        assert len({v.tobytes() for v in by_key.values()}) > 1


def test_the_run_seed_changes_the_augmentations(images):
    outs = []
    for seed in (0, 1):
        t = SlottedAugment(RANDOM, num_slots=1, seed=seed)
        outs.append(np.stack([_apply(t, info)['img'] for info in images]))
    assert not np.array_equal(outs[0], outs[1])


def test_the_slot_depends_on_seed_epoch_and_sample_only(images):
    """Not on the global generators (which differ between data-loader workers and are not
    restored when a run resumes), and nothing is drawn from them."""
    t = SlottedAugment(RANDOM, num_slots=4, seed=0)
    for epoch in range(5):
        keys = []
        for state in (5, 6):
            np.random.seed(state)
            keys.append([_apply(t, info, epoch)['aug_key'] for info in images])
            after = np.random.rand()
            np.random.seed(state)
            assert after == np.random.rand()  # nothing consumed
        assert keys[0] == keys[1]
    per_epoch = {tuple(_apply(t, info, epoch)['aug_key'] for info in images)
                 for epoch in range(8)}
    assert len(per_epoch) > 1  # other epochs, other slots


def test_a_fixed_slot_gives_that_slots_image_and_draws_nothing(images):
    t = SlottedAugment(RANDOM, num_slots=4, seed=0)
    info = images[1]
    drawn = {}
    for epoch in range(40):
        out = _apply(t, info, epoch)
        drawn[out['aug_key']] = out['img']
    assert len(drawn) == 4
    np.random.seed(7)
    with fixed_slot(2):
        outer = _apply(t, info)
        with fixed_slot(0):
            inner = _apply(t, info)
        again = _apply(t, info)  # the outer slot is back
    after = np.random.rand()
    np.random.seed(7)
    assert after == np.random.rand()  # no slot drawn, nothing consumed
    base = info['sample_idx'] * 4
    assert (outer['aug_key'], inner['aug_key'], again['aug_key']) == (base + 2, base, base + 2)
    np.testing.assert_array_equal(outer['img'], drawn[base + 2])
    np.testing.assert_array_equal(inner['img'], drawn[base])
    keys = {_apply(t, info, epoch)['aug_key'] for epoch in range(30)}  # chosen again after it
    assert len(keys) > 1


def test_bad_input_is_named(images):
    with pytest.raises(ValueError, match='num_slots'):
        SlottedAugment(RANDOM, num_slots=0)
    with pytest.raises(TypeError, match='list of transform'):
        SlottedAugment(dict(type='RandomFlip', prob=0.5))
    info = dict(images[0])
    del info['sample_idx']
    with pytest.raises(KeyError, match='sample_idx'):
        SlottedAugment(RANDOM)(info)
    with fixed_slot(4), pytest.raises(ValueError, match='out of range for num_slots=4'):
        SlottedAugment(RANDOM, num_slots=4)(dict(images[0]))
    for bad in (-1, 1.0, True):
        with pytest.raises(ValueError, match='slot must be an int'):
            with fixed_slot(bad):
                pass
