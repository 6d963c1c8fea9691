"""Make every random choice of a training run a function of (seed, epoch, sample)."""
import random
from typing import Iterator, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader
from mmpretrain.registry import HOOKS

from ...datasets.pipeline_walk import pipeline_datasets, walk_transforms
from ...datasets.transforms.epoch_seeded import EpochSeeded, derive_seed


def epoch_transforms(dataset) -> Iterator:
    """The transforms of ``dataset``'s pipelines that follow the epoch (``set_epoch``)."""
    for ds in pipeline_datasets(dataset):
        for t in walk_transforms(ds.pipeline):
            if callable(getattr(t, 'set_epoch', None)):
                yield t


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Give a resumed run exactly the random draws of the uninterrupted one.

    mmengine restores weights, optimizer, schedulers, the epoch (so the samplers' order,
    seeded by ``seed + epoch``) and the seed, but not the state of the random generators: a run
    resumed at the start of epoch ``e`` would draw other crops, flips, augmentation slots, ...
    than the uninterrupted run drew in epoch ``e``, in the data-loader workers (whose streams
    also depend on which worker got which sample) and in the main process. This hook

    - wraps every training pipeline in :class:`~mmltbin.datasets.transforms.EpochSeeded`
      (before training): each sample's draws then depend on ``(seed, epoch, sample_idx)`` only;
    - at the start of every epoch, sets that epoch on every transform with a ``set_epoch``
      (``EpochSeeded``, ``SlottedAugment``: shared memory, so persistent workers follow) and
      reseeds the main process's Python, NumPy and torch generators from ``(seed, epoch)``
      (batch augmentations, random view selection in the data preprocessor, dropout, ...);
    - gives the training data loader a generator of its own, reseeded from ``(seed, epoch)``:
      a loader draws its workers' base seed when it starts its workers, and with
      ``persistent_workers`` that happens once, in the run's first epoch. From the global torch
      generator, that draw would shift every later main-process draw (Mixup's permutation, ...)
      of that epoch in a resumed run but not in the uninterrupted one.

    Iteration-based loops (no epochs) are left alone, with a warning. Random state that lives
    elsewhere (a generator of a transform's own, CUDA kernels that are not deterministic) is
    not covered. Checkpoints are written at epoch ends
    (``CheckpointHook(interval=1)`` of ``configs/_base_/default_runtime.py``), so a run killed
    mid-epoch re-runs that epoch from its start, with the same draws.

    Example:
        >>> default_hooks = dict(epoch_seed=dict(type='EpochSeedHook'))
    """

    # before DistSamplerSeedHook and every hook that may draw in before_train_epoch
    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self.active = True
        self._loader_generator: Optional[torch.Generator] = None

    def before_train(self, runner) -> None:
        self.active = isinstance(runner.train_loop, EpochBasedTrainLoop)
        if not self.active:
            runner.logger.warning(
                f'EpochSeedHook: {type(runner.train_loop).__name__} has no epochs to key the '
                'draws by; the pipelines are left as they are (a resumed run is not exact, and '
                'SlottedAugment keeps the slots of epoch 0)')
            return
        for ds in pipeline_datasets(runner.train_dataloader.dataset):
            transforms = list(getattr(ds.pipeline, 'transforms', ds.pipeline))
            if len(transforms) == 1 and isinstance(transforms[0], EpochSeeded):
                continue
            if not hasattr(ds.pipeline, 'transforms'):
                raise TypeError(f'EpochSeedHook: the pipeline of {type(ds).__name__} is a '
                                f'{type(ds.pipeline).__name__}, expected a Compose')
            ds.pipeline.transforms = [EpochSeeded(transforms, seed=runner.seed)]
        loader = runner.train_dataloader
        if isinstance(loader, DataLoader) and loader.generator is None:
            self._loader_generator = loader.generator = torch.Generator()

    def before_train_epoch(self, runner) -> None:
        if not self.active:
            return
        epoch = runner.epoch
        for t in epoch_transforms(runner.train_dataloader.dataset):
            t.set_epoch(epoch)
        if self._loader_generator is not None:
            self._loader_generator.manual_seed(derive_seed(runner.seed, 'loader', epoch))
        seed = derive_seed(runner.seed, 'main', epoch)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)


__all__ = ['EpochSeedHook', 'epoch_transforms']
