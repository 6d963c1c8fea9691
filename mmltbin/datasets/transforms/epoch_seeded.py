"""Random transforms whose draws depend only on (seed, epoch, sample index)."""
import contextlib
import multiprocessing
import random
import zlib
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


def derive_seed(*parts: object) -> int:
    """A 32-bit seed that depends only on ``parts`` (stable across processes and runs).

    Example:
        >>> derive_seed(0, 3, 12) == derive_seed(0, 3, 12) != derive_seed(0, 4, 12)
        True
    """
    return zlib.crc32('/'.join(str(p) for p in parts).encode())


@contextlib.contextmanager
def seeded_generators(seed: int) -> Iterator[None]:
    """Seed Python's, NumPy's and torch's global (CPU) generators for the block, then restore
    them.

    What runs inside draws the same numbers for the same ``seed`` whichever process runs it and
    whatever ran before; the process's own random stream continues afterwards as if the block
    had not run.

    Example:
        >>> import numpy as np
        >>> with seeded_generators(5):
        ...     a = np.random.rand()
        >>> with seeded_generators(5):
        ...     b = np.random.rand()
        >>> a == b
        True
    """
    np_state, py_state, torch_state = np.random.get_state(), random.getstate(), \
        torch.random.get_rng_state()
    np.random.seed(seed)
    random.seed(seed)
    torch.default_generator.manual_seed(seed)  # the CPU one only: what transforms use
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
        torch.random.set_rng_state(torch_state)


class SharedEpoch:
    """An epoch number that data-loader worker processes read live.

    The value lives in shared memory created with the transform in the main process, so
    persistent workers (forked or spawned when the loader starts) see each new epoch that
    ``EpochSeedHook`` sets, without being restarted. Copies of the owner share the value.

    Example:
        >>> epoch = SharedEpoch()
        >>> epoch.set(3)
        >>> epoch.get()
        3
    """

    def __init__(self) -> None:
        self._value = multiprocessing.RawValue('q', 0)

    def get(self) -> int:
        return int(self._value.value)

    def set(self, epoch: int) -> None:
        self._value.value = int(epoch)

    def __deepcopy__(self, memo: dict) -> 'SharedEpoch':
        return self


def _sample_idx(owner: str, results: dict) -> int:
    if 'sample_idx' not in results:
        raise KeyError(f'{owner}: the sample has no "sample_idx" (mmengine datasets add it to '
                       'every data info); cannot key its random draws')
    return int(results['sample_idx'])


@TRANSFORMS.register_module()
class EpochSeeded(BaseTransform):
    """Run transforms with the global generators seeded by ``(seed, epoch, sample_idx)``.

    Random transforms (``RandomCrop``, ``RandomFlip``, ...) draw from NumPy's, Python's or
    torch's global generator. In data-loader workers those streams depend on which worker got
    the sample and on everything the worker drew before, which a resumed run cannot restore.
    Inside this wrapper each sample's draws depend only on the seed, the epoch and the sample,
    so a run resumed from a checkpoint sees exactly the images the uninterrupted run saw, and
    so do runs with other numbers of workers or processes. (A sample drawn twice in one epoch,
    as with-replacement samplers do, gets the same augmentation both times.)

    ``EpochSeedHook`` (in ``default_hooks`` of ``configs/_base_/default_runtime.py``) wraps every
    training pipeline in it and sets the epoch; it can also be written in a config directly.

    Required keys: ``sample_idx`` (mmengine datasets add it).

    Args:
        transforms (Sequence[dict | callable]): The transforms to run, in order.
        seed (int): The run's seed. Defaults to 0.

    Example:
        >>> import numpy as np
        >>> t = EpochSeeded([dict(type='RandomFlip', prob=0.5)], seed=0)
        >>> img = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
        >>> a = t(dict(img=img, sample_idx=7))['img']
        >>> b = t(dict(img=img, sample_idx=7))['img']
        >>> np.array_equal(a, b)
        True
    """

    def __init__(self, transforms: Sequence[Union[dict, callable]], seed: int = 0) -> None:
        if not isinstance(transforms, (list, tuple)):
            raise TypeError('EpochSeeded: transforms must be a list of transform configs, got '
                            f'{type(transforms).__name__}')
        # a plain list, so pipeline walkers (e.g. find_slotted_augments) look inside
        self.transforms: List = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                                 for t in transforms]
        self.seed = int(seed)
        self.epoch = SharedEpoch()

    def set_epoch(self, epoch: int) -> None:
        """Draw the augmentations of ``epoch`` from now on (in every worker)."""
        self.epoch.set(epoch)

    def transform(self, results: dict) -> Optional[dict]:
        sample_idx = _sample_idx(type(self).__name__, results)
        with seeded_generators(derive_seed(self.seed, self.epoch.get(), sample_idx)):
            for t in self.transforms:
                results = t(results)
                if results is None:
                    return None
        return results

    def __repr__(self) -> str:
        inner = ', '.join(repr(t) for t in self.transforms)
        return f'{type(self).__name__}(seed={self.seed}, transforms=[{inner}])'


__all__ = ['EpochSeeded', 'SharedEpoch', 'derive_seed', 'seeded_generators']
