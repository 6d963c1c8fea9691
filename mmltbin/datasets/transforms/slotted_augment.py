"""Random augmentations drawn from a fixed, per-image set: what makes teacher outputs cacheable."""
import contextlib
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmpretrain.registry import TRANSFORMS

from ...structures import AUG_KEY
from ...utils.checks import check_int
from .epoch_seeded import SharedEpoch, derive_seed, seeded_generators

#: The slot every ``SlottedAugment`` of this process uses instead of drawing one (see
#: :func:`fixed_slot`); None: draw.
_FIXED_SLOT: Optional[int] = None


@contextlib.contextmanager
def fixed_slot(slot: int) -> Iterator[None]:
    """Within the block, every ``SlottedAugment`` of this process uses ``slot``.

    No slot is chosen, so no epoch is involved: producing an image's
    augmented versions ahead of training (e.g. to fill a teacher-output cache) does not change
    the images of the run. Data-loader worker processes are not affected.

    Example:
        >>> import numpy as np
        >>> t = SlottedAugment([dict(type='RandomFlip', prob=0.5)], num_slots=4, seed=0)
        >>> img = np.zeros((2, 3, 1), dtype=np.uint8)
        >>> with fixed_slot(3):
        ...     t(dict(img=img, sample_idx=5))['aug_key']
        23
    """
    global _FIXED_SLOT
    check_int('fixed_slot', 'slot', slot, minimum=0)
    previous, _FIXED_SLOT = _FIXED_SLOT, slot
    try:
        yield
    finally:
        _FIXED_SLOT = previous


def slot_seed(base_seed: int, sample_idx: int, slot: int) -> int:
    """A 32-bit seed that depends only on the run's seed, the image and the slot.

    Example:
        >>> slot_seed(0, 12, 3) == slot_seed(0, 12, 3) != slot_seed(0, 12, 2)
        True
    """
    return derive_seed(base_seed, sample_idx, slot)


@TRANSFORMS.register_module()
class SlottedAugment(BaseTransform):
    """Run random transforms with one of ``num_slots`` fixed random states per image.

    For every sample one slot ``s`` in ``[0, num_slots)`` is chosen, as a hash of
    ``(seed, epoch, sample_idx)``; the wrapped transforms then run with NumPy's, Python's and
    torch's global random generators seeded by ``(seed, sample_idx, s)`` (and restored
    afterwards), so the same image in the same slot always gets the same crop, flip, teacher
    resolution, ... Each image thus has at most ``num_slots`` augmented versions over the whole
    run, and ``results['aug_key'] = sample_idx * num_slots + s`` names the one it got. Nothing
    depends on the data-loader worker or on what it drew before, so a resumed run (or one with
    other numbers of workers or processes) sees the same slots; a sample drawn twice in one
    epoch gets the same slot both times. ``EpochSeedHook`` (a default hook) sets the epoch in
    every worker; without it every epoch uses the slots of epoch 0.

    This is the input side of the teacher-output cache of ``CalibratedDistiller``
    (``teacher_cache=dict(...)``): the frozen teacher's outputs for an ``aug_key`` are computed
    once and reused in later epochs, in the manner of Fast Knowledge Distillation (Shen and
    Xing, 2021), which stores soft labels with the augmentation parameters. More slots give
    more augmentation diversity and fewer cache hits: about ``num_slots`` teacher passes per
    image over a run instead of one per epoch.

    Keep ``'aug_key'`` through packing: ``PackInputs(meta_keys=(..., 'aug_key'))``.

    Required keys: ``sample_idx`` (mmengine datasets add it). Added keys: ``aug_key``.

    Args:
        transforms (Sequence[dict]): The random transforms to wrap (e.g. ``RandomCrop``,
            ``RandomFlip``, ``MultiResPipeline``). Transforms that draw from generators of their
            own are not made repeatable (``TeacherCacheCheckHook`` refuses them with a cache).
        num_slots (int): Augmented versions per image, >= 1. Defaults to 4.
        seed (int, optional): The run's augmentation seed; None draws one from NumPy's global
            generator when the transform is built (mmengine seeds it from ``randomness.seed``).

    Example:
        >>> import numpy as np
        >>> t = SlottedAugment([dict(type='RandomFlip', prob=0.5)], num_slots=2, seed=0)
        >>> img = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
        >>> outs = []
        >>> for epoch in range(20):
        ...     t.set_epoch(epoch)
        ...     outs.append(t(dict(img=img, sample_idx=7)))
        >>> sorted({o['aug_key'] for o in outs})
        [14, 15]
        >>> all(np.array_equal(a['img'], b['img']) for a in outs for b in outs
        ...     if a['aug_key'] == b['aug_key'])
        True
    """

    def __init__(self,
                 transforms: Sequence[Union[dict, callable]],
                 num_slots: int = 4,
                 seed: Optional[int] = None) -> None:
        check_int('SlottedAugment', 'num_slots', num_slots, minimum=1)
        if not isinstance(transforms, (list, tuple)):
            raise TypeError('SlottedAugment: transforms must be a list of transform configs, got '
                            f'{type(transforms).__name__}')
        self.transforms = Compose(
            [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in transforms])
        self.num_slots = num_slots
        self.seed = int(np.random.randint(2**31)) if seed is None else int(seed)
        self.epoch = SharedEpoch()

    def set_epoch(self, epoch: int) -> None:
        """Choose the slots of ``epoch`` from now on (in every worker)."""
        self.epoch.set(epoch)

    def transform(self, results: dict) -> Optional[dict]:
        if 'sample_idx' not in results:
            raise KeyError('SlottedAugment: the sample has no "sample_idx" (mmengine datasets '
                           'add it to every data info); cannot key its augmentations')
        sample_idx = int(results['sample_idx'])
        if _FIXED_SLOT is None:
            slot = derive_seed(self.seed, 'slot', self.epoch.get(), sample_idx) % self.num_slots
        elif _FIXED_SLOT < self.num_slots:
            slot = _FIXED_SLOT
        else:
            raise ValueError(f'SlottedAugment: fixed_slot({_FIXED_SLOT}) is out of range for '
                             f'num_slots={self.num_slots}')
        with seeded_generators(slot_seed(self.seed, sample_idx, slot)):
            results = self.transforms(results)
        if results is not None:
            results[AUG_KEY] = sample_idx * self.num_slots + slot
        return results

    def __repr__(self) -> str:
        inner: List[str] = [repr(t) for t in self.transforms.transforms]
        return (f'{type(self).__name__}(num_slots={self.num_slots}, seed={self.seed}, '
                f'transforms=[{", ".join(inner)}])')


__all__ = ['AUG_KEY', 'SlottedAugment', 'fixed_slot', 'slot_seed']
