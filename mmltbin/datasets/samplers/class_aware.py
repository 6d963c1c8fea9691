"""Class-aware sampling: class-balanced and square-root re-sampling of a long-tailed set."""
import math
from typing import Iterator, Optional, Sized

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from ..long_tail import gt_labels_of

MODES = {'balanced': 0.0, 'sqrt': 0.5, 'instance': 1.0}


@DATA_SAMPLERS.register_module()
class ClassAwareSampler(Sampler):
    """Sample classes with probability proportional to ``n_c ** power``, then an image uniformly.

    ``mode='balanced'`` (power 0) draws every class equally often (class-balanced sampling, as in
    the classifier re-training stage of decoupling, Kang et al. 2020); ``'sqrt'`` (power 0.5)
    draws class ``c`` with probability proportional to ``sqrt(n_c)`` (square-root sampling);
    ``'instance'`` (power 1) is plain sampling with replacement. Draws are i.i.d. with
    replacement, so class frequencies match the target in expectation.

    Class sizes ``n_c`` come from the dataset's ``metainfo['class_counts']`` when it has them
    (``LongTailDataset``), else from the labels; each sample's class from the labels
    (``get_gt_labels`` / ``get_cat_ids``; no image is read).

    Like mmengine's ``DefaultSampler``: the whole epoch's index sequence is drawn from
    ``seed + epoch`` (identical on every rank; call :meth:`set_epoch`, as ``DistSamplerSeedHook``
    does), padded with its own start to a multiple of the world size (``round_up``), and rank
    ``r`` of ``W`` takes positions ``r, r + W, ...``; so W ranks see together exactly what one
    process would see.

    Args:
        dataset (Sized): The training dataset.
        mode (str): ``'balanced'``, ``'sqrt'`` or ``'instance'``. Defaults to ``'balanced'``.
        power (float, optional): Custom exponent ``q`` (``p_c ∝ n_c ** q``); overrides ``mode``.
        num_samples (int, optional): Samples per epoch over all ranks. Defaults to
            ``len(dataset)`` (epochs keep their usual number of iterations).
        seed (int, optional): Base seed, same on every rank; ``None`` syncs a random one.
        round_up (bool): Pad the epoch so every rank gets the same number of samples.
            Defaults to True.

    Example:
        >>> from mmltbin.datasets import ClassAwareSampler, LongTailDataset
        >>> lt = LongTailDataset(dict(type='SklearnDigits'), n_max=100, rho=10)
        >>> sampler = ClassAwareSampler(lt, mode='balanced', seed=0)
        >>> len(sampler) == len(lt)
        True
    """

    def __init__(self,
                 dataset: Sized,
                 mode: str = 'balanced',
                 power: Optional[float] = None,
                 num_samples: Optional[int] = None,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        if power is None:
            if mode not in MODES:
                raise ValueError(f'ClassAwareSampler: unknown mode "{mode}", expected one of '
                                 f'{tuple(MODES)} (or give power=q)')
            power = MODES[mode]
        self.mode = mode
        self.power = float(power)
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        self.round_up = round_up
        total = len(dataset) if num_samples is None else int(num_samples)
        if total < 1:
            raise ValueError(f'ClassAwareSampler: num_samples must be >= 1, got {total}')
        self.draws = total
        if round_up:
            self.num_samples = math.ceil(total / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil((total - self.rank) / self.world_size)
            self.total_size = total

        labels = gt_labels_of(dataset)
        counts = getattr(dataset, 'metainfo', {}).get('class_counts')
        if counts is None:
            counts = np.bincount(labels)
        counts = np.asarray(counts, dtype=np.int64)
        found = np.bincount(labels, minlength=len(counts))
        if len(found) != len(counts) or not np.array_equal(found, counts):
            raise ValueError('ClassAwareSampler: the dataset\'s metainfo["class_counts"] '
                             'disagree with its labels')
        # every sample index grouped by class: class c owns members[offsets[c]:offsets[c+1]]
        self._members = torch.from_numpy(np.argsort(labels, kind='stable'))
        self._offsets = torch.from_numpy(np.concatenate([[0], np.cumsum(counts)[:-1]]))
        self._counts = torch.from_numpy(counts)
        weights = counts.astype(np.float64)**self.power
        weights[counts == 0] = 0.0
        self.class_probs = torch.from_numpy(weights / weights.sum())

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        classes = torch.multinomial(self.class_probs, self.draws, replacement=True, generator=g)
        position = (torch.rand(self.draws, generator=g, dtype=torch.float64) *
                    self._counts[classes]).long()
        indices = self._members[self._offsets[classes] + position]
        if self.total_size > self.draws:  # round_up: pad with the start of the same draw
            indices = indices.repeat(self.total_size // self.draws + 1)[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.world_size].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the index sequence of ``epoch`` (same on every rank)."""
        self.epoch = epoch
