"""Refuse a teacher-output cache whose key (SlottedAugment's aug_key) does not fix the pixels."""
import copy
from typing import Any, List

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...datasets.pipeline_walk import pipeline_datasets, walk_transforms
from ...datasets.transforms.epoch_seeded import EpochSeeded, seeded_generators
from ...datasets.transforms.slotted_augment import AUG_KEY, SlottedAugment, fixed_slot
from ...utils.checks import check_int, unwrap_model

WHERE = ("move it into SlottedAugment's transforms: dict(type='SlottedAugment', "
         "transforms=[..., <this transform>]), so that it is drawn once per aug_key")


def _same(a: Any, b: Any) -> bool:
    """Whether two pipeline outputs hold the same arrays, tensors and numbers."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
                and a.shape == b.shape and torch.equal(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, 'to_dict') and hasattr(b, 'to_dict'):  # DataSample: metainfo and fields
        return _same(a.to_dict(), b.to_dict())
    if isinstance(a, (int, float, str, bool, type(None))):
        return a == b
    return True  # other objects carry no pixels


def _top_level(pipeline) -> List[Any]:
    transforms = list(getattr(pipeline, 'transforms', pipeline))
    if len(transforms) == 1 and isinstance(transforms[0], EpochSeeded):
        return list(transforms[0].transforms)  # EpochSeedHook's wrapper: check what it holds
    return transforms


def check_cache_keys(dataset, num_samples: int = 4, num_trials: int = 6) -> None:
    """Raise unless each ``aug_key`` of ``dataset``'s training pipeline names one image.

    Each pipeline (through dataset wrappers) must hold exactly one ``SlottedAugment``, and the
    transforms outside it must not be random: the first ``num_samples`` images are run through
    the pipeline, transform by transform, ``num_trials`` times with the slot fixed and the
    global generators (and the epoch) changed; a transform whose output then differs is named.

    Args:
        dataset: The training dataset (e.g. ``runner.train_dataloader.dataset``).
        num_samples (int): Images tried. Defaults to 4.
        num_trials (int): Runs per image. Defaults to 6.

    Example:
        >>> from mmltbin.datasets import LongTailDataset
        >>> pipe = [dict(type='RandomFlip', prob=0.5),
        ...         dict(type='SlottedAugment', transforms=[], num_slots=2)]
        >>> lt = LongTailDataset(dict(type='SklearnDigits', pipeline=pipe), n_max=10, rho=2)
        >>> check_cache_keys(lt)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: TeacherCacheCheckHook: ... outside SlottedAugment, RandomFlip(...
    """
    owner = 'TeacherCacheCheckHook'
    check_int(owner, 'num_trials', num_trials, minimum=2)
    for ds in pipeline_datasets(dataset):
        name = type(ds).__name__
        slotted = [t for t in walk_transforms(ds.pipeline) if isinstance(t, SlottedAugment)]
        if len(slotted) != 1:
            raise ValueError(
                f'{owner}: the teacher-output cache (model.teacher_cache) keys images by '
                f"SlottedAugment's aug_key, but the training pipeline of {name} has "
                f'{len(slotted)} SlottedAugment transforms; it needs exactly one, holding '
                'every random transform (train_dataloader.dataset...pipeline)')
        followers = [t for t in walk_transforms(ds.pipeline) if hasattr(t, 'set_epoch')]
        for idx in range(min(num_samples, len(ds))):
            state = ds.get_data_info(idx)
            for position, transform in enumerate(_top_level(ds.pipeline)):
                outputs = []
                for trial in range(num_trials):
                    for t in followers:
                        t.set_epoch(trial)
                    with fixed_slot(0), seeded_generators(7919 * (trial + 1)):
                        outputs.append(transform(copy.deepcopy(state)))
                if any(not _same(outputs[0], out) for out in outputs[1:]):
                    if isinstance(transform, SlottedAugment):
                        raise ValueError(
                            f'{owner}: in the training pipeline of {name}, {transform!r} gives '
                            'different images for the same aug_key: one of its transforms '
                            'draws from a random generator of its own, which SlottedAugment '
                            'cannot seed; replace it, or drop model.teacher_cache')
                    raise ValueError(
                        f'{owner}: the training pipeline of {name} has a random transform '
                        f'outside SlottedAugment, {transform!r} (pipeline[{position}]): '
                        'with the teacher-output cache (model.teacher_cache) one aug_key '
                        'would stand for several images and the student would be taught the '
                        f"teacher's outputs on other pixels; {WHERE}")
                state = outputs[0]
                if state is None:
                    break
            packed = state.get('data_samples') if isinstance(state, dict) else None
            if packed is not None and AUG_KEY not in getattr(packed, 'metainfo', {}):
                raise ValueError(
                    f'{owner}: the training pipeline of {name} drops the aug_key: add it to '
                    "PackInputs, dict(type='PackInputs', meta_keys=(..., 'aug_key'))")
        for t in followers:
            t.set_epoch(0)


@HOOKS.register_module()
class TeacherCacheCheckHook(Hook):
    """Before training, refuse a teacher-output cache that would hand out stale outputs.

    ``CalibratedDistiller(teacher_cache=...)`` reuses the teacher's outputs per ``aug_key``
    (:class:`~mmltbin.datasets.transforms.SlottedAugment`); that is only right when the key
    fixes the teacher's input. :func:`check_cache_keys` runs a few training images through the
    pipeline and names the transform that breaks this (e.g. a ``RandomFlip`` after
    ``SlottedAugment`` instead of inside it); a data preprocessor that keeps random teacher
    views per batch is refused too. A no-op for models without a cache.

    Args:
        num_samples (int): Images tried. Defaults to 4.
        num_trials (int): Runs per image. Defaults to 6.

    Example:
        >>> default_hooks = dict(teacher_cache_check=dict(type='TeacherCacheCheckHook'))
    """

    priority = 'VERY_HIGH'  # before the teacher is calibrated or the cache filled

    def __init__(self, num_samples: int = 4, num_trials: int = 6) -> None:
        self.num_samples = check_int(type(self).__name__, 'num_samples', num_samples, minimum=1)
        self.num_trials = check_int(type(self).__name__, 'num_trials', num_trials, minimum=2)

    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model)
        if getattr(model, 'teacher_cache', None) is None:
            return
        if getattr(model.data_preprocessor, 'teacher_views_per_batch', None) is not None:
            raise ValueError(
                'TeacherCacheCheckHook: model.data_preprocessor.teacher_views_per_batch keeps '
                'random teacher views per batch, so the teacher output stored for an aug_key '
                'would depend on the batch it came in; set it to None or drop '
                'model.teacher_cache')
        check_cache_keys(runner.train_dataloader.dataset, self.num_samples, self.num_trials)


__all__ = ['TeacherCacheCheckHook', 'check_cache_keys']
