"""A store of a frozen teacher's outputs, keyed by image and augmentation."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmpretrain.registry import MODELS
from torch import Tensor

DTYPES = {'float32': torch.float32, 'float16': torch.float16, 'bfloat16': torch.bfloat16}


@MODELS.register_module()
class TeacherOutputCache:
    """Keep the frozen teacher's ``(features, logits)`` per augmented image, across epochs.

    A frozen teacher gives the same outputs for the same input, so with augmentations drawn
    from a fixed per-image set (:class:`~mmltbin.datasets.transforms.SlottedAugment`, which
    names each augmented image by an integer ``aug_key``) every output needs computing only
    once per run; later epochs read it back (Fast Knowledge Distillation, Shen and Xing, 2021).
    ``CalibratedDistiller(teacher_cache=dict(...))`` uses it in training; evaluation never runs
    the teacher.

    Entries live on the CPU in ``dtype``; each process of a distributed run keeps its own
    (the samplers hand each process other images). The cache is not saved in checkpoints:
    a resumed run fills it again.

    Args:
        dtype (str): ``'float32'`` (exact), ``'float16'`` or ``'bfloat16'`` (half the memory).
            Defaults to ``'float32'``.
        max_entries (int, optional): Stop adding entries beyond this many (outputs are then
            computed for the rest, every time); None: no limit. Defaults to None.

    Example:
        >>> import torch
        >>> cache = TeacherOutputCache()
        >>> cache.missing([3, 5])
        [0, 1]
        >>> cache.put([3, 5], torch.ones(2, 4), torch.zeros(2, 10))
        >>> cache.missing([5, 8]), len(cache)
        ([1], 2)
        >>> feats, logits = cache.get([5, 3])
        >>> feats.shape, logits.shape
        (torch.Size([2, 4]), torch.Size([2, 10]))
    """

    def __init__(self, dtype: str = 'float32', max_entries: Optional[int] = None) -> None:
        if dtype not in DTYPES:
            raise ValueError(f'TeacherOutputCache: dtype must be one of {sorted(DTYPES)}, '
                             f'got {dtype!r}')
        if max_entries is not None and (isinstance(max_entries, bool)
                                        or not isinstance(max_entries, int) or max_entries < 0):
            raise ValueError('TeacherOutputCache: max_entries must be None or an int >= 0, '
                             f'got {max_entries!r}')
        self.dtype = DTYPES[dtype]
        self.max_entries = max_entries
        self._store: Dict[int, Tuple[Tensor, Tensor]] = {}
        self.hits = 0
        self.lookups = 0

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: int) -> bool:
        return int(key) in self._store

    def keys(self) -> List[int]:
        """The stored keys, in insertion order."""
        return list(self._store)

    def missing(self, keys: Sequence[int]) -> List[int]:
        """Positions in ``keys`` with no stored output (counted as lookups for the hit rate)."""
        absent = [i for i, key in enumerate(keys) if int(key) not in self._store]
        self.lookups += len(keys)
        self.hits += len(keys) - len(absent)
        return absent

    def put(self, keys: Sequence[int], feats: Tensor, logits: Tensor) -> None:
        """Store the outputs ``feats[i], logits[i]`` of ``keys[i]`` (detached, on the CPU)."""
        if len(keys) != feats.shape[0] or len(keys) != logits.shape[0]:
            raise ValueError(f'TeacherOutputCache: {len(keys)} keys for {feats.shape[0]} '
                             f'features and {logits.shape[0]} logits')
        feats = feats.detach().to('cpu', self.dtype)
        logits = logits.detach().to('cpu', self.dtype)
        for i, key in enumerate(keys):
            if self.max_entries is not None and len(self._store) >= self.max_entries:
                return
            self._store[int(key)] = (feats[i].clone(), logits[i].clone())

    def get(self, keys: Sequence[int], device=None,
            dtype: torch.dtype = torch.float32) -> Tuple[Tensor, Tensor]:
        """The stored ``(features [N, D], logits [N, C])`` of ``keys``, in order."""
        absent = [k for k in keys if int(k) not in self._store]
        if absent:
            raise KeyError(f'TeacherOutputCache: no stored output for aug_key(s) {absent[:5]}')
        feats = torch.stack([self._store[int(k)][0] for k in keys])
        logits = torch.stack([self._store[int(k)][1] for k in keys])
        return feats.to(device, dtype), logits.to(device, dtype)

    @property
    def hit_rate(self) -> float:
        """Fraction of lookups answered from the store so far."""
        return self.hits / self.lookups if self.lookups else 0.0

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(dtype={self.dtype}, max_entries={self.max_entries}, '
                f'entries={len(self)})')


__all__ = ['TeacherOutputCache']
