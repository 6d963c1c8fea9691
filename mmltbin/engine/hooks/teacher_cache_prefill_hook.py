"""Fill the teacher-output cache before training: every image in every augmentation slot."""
import math
import time
from typing import List, Tuple

import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...datasets.transforms.slotted_augment import SlottedAugment, fixed_slot
from ...models.classifiers import CalibratedDistiller
from ...utils.checks import check_int, unwrap_model
from .prefill import prefill


def find_slotted_augments(dataset) -> List[SlottedAugment]:
    """The ``SlottedAugment`` transforms of a dataset's pipeline(s), through wrappers.

    Wrappers are followed through their ``dataset`` / ``datasets`` attributes (mmengine's and
    mmltbin's wrappers, e.g. ``LongTailDataset``, ``ConcatDataset``); transforms are searched
    through nested ``transforms`` lists.
    """
    found: List[SlottedAugment] = []

    def visit_transforms(transforms) -> None:
        for t in transforms or []:
            if isinstance(t, SlottedAugment):
                found.append(t)
            inner = getattr(t, 'transforms', None)
            if isinstance(inner, (list, tuple)):
                visit_transforms(inner)

    def visit(ds) -> None:
        pipeline = getattr(ds, 'pipeline', None)
        if pipeline is not None:
            visit_transforms(getattr(pipeline, 'transforms', None))
        inner = getattr(ds, 'dataset', None)
        if inner is not None:
            visit(inner)
        for sub in getattr(ds, 'datasets', None) or []:
            visit(sub)

    visit(dataset)
    return found


@HOOKS.register_module()
class TeacherCachePrefillHook(Hook):
    """Compute the frozen teacher's outputs for every augmented training image before training.

    ``CalibratedDistiller(teacher_cache=...)`` stores the teacher's outputs per augmented image
    (``aug_key`` of :class:`~mmltbin.datasets.transforms.SlottedAugment`). Filled lazily, the
    cache keeps missing late in training: with class-aware sampling a head image is drawn less
    than once per epoch, so some of its slots first come up in the last epochs and a batch
    then runs the teacher (at every resolution) for one or two images. This hook instead runs
    the teacher once over the whole training set in every slot (``len(dataset) x num_slots``
    augmented images, in batches of ``batch_size``) before the first epoch; training then
    never calls the teacher. It draws no random numbers (slots are chosen with
    :func:`~mmltbin.datasets.transforms.slotted_augment.fixed_slot`), so the run's random stream
    is the same as without it. A resumed run fills the cache again (it is not checkpointed).

    In a distributed run every process fills a share and the shares are exchanged, so each
    process ends with the whole cache. Entries beyond the cache's ``max_entries`` are not
    stored (a warning says how many); training then computes them as it needs them.

    The time taken is logged and written to the visualizer's scalars as
    ``teacher_cache_prefill_s`` (with ``teacher_cache_entries``).

    Args:
        batch_size (int): Images per teacher call. Defaults to 32 (on one CPU thread,
            EfficientNet-Lite0 at 32 / 64 / 96 px took less time per image in batches of 32
            than of 16, 64, 128 or 256; larger batches may pay off on a GPU).
        log_every (int): Log progress every this many batches. Defaults to 10.

    Example:
        >>> # with model.teacher_cache set and SlottedAugment in the training pipeline
        >>> default_hooks = dict(
        ...     teacher_cache_prefill=dict(type='TeacherCachePrefillHook', batch_size=32))
    """

    # after the hooks that prepare the model in before_train (ClassCountsHook, NORMAL ones)
    priority = 'BELOW_NORMAL'

    def __init__(self, batch_size: int = 32, log_every: int = 10) -> None:
        self.batch_size = check_int(type(self).__name__, 'batch_size', batch_size, minimum=1)
        self.log_every = check_int(type(self).__name__, 'log_every', log_every, minimum=1)

    @staticmethod
    def _distiller(runner) -> CalibratedDistiller:
        model = unwrap_model(runner.model)
        if not isinstance(model, CalibratedDistiller):
            raise TypeError('TeacherCachePrefillHook: the model must be a CalibratedDistiller, '
                            f'got {type(model).__name__}; remove the hook '
                            '(the teacher_cache_prefill entry of default_hooks)')
        if model.teacher_cache is None:
            raise ValueError('TeacherCachePrefillHook: the model has no teacher-output cache '
                             '(model.teacher_cache is None); set it, or remove the hook '
                             '(the teacher_cache_prefill entry of default_hooks)')
        return model

    @staticmethod
    def _num_slots(dataset) -> int:
        slotted = find_slotted_augments(dataset)
        if not slotted:
            raise ValueError(
                'TeacherCachePrefillHook: the training dataset '
                f'({type(dataset).__name__}) has no SlottedAugment in its pipeline: without '
                'fixed augmentation slots there is nothing to fill ahead of training '
                '(train_dataloader.dataset...pipeline)')
        slots = {t.num_slots for t in slotted}
        if len(slots) > 1:
            raise ValueError('TeacherCachePrefillHook: the training pipelines have '
                             f'SlottedAugments with different num_slots {sorted(slots)}')
        return slots.pop()

    def before_train(self, runner) -> None:
        model = self._distiller(runner)
        cache = model.teacher_cache
        dataset = runner.train_dataloader.dataset
        num_slots = self._num_slots(dataset)
        jobs: List[Tuple[int, int]] = [(idx, slot) for slot in range(num_slots)
                                       for idx in range(len(dataset))]
        if cache.max_entries is not None and len(jobs) > cache.max_entries:
            runner.logger.warning(
                f'TeacherCachePrefillHook: {len(jobs)} augmented images but the cache keeps '
                f'at most {cache.max_entries} (teacher_cache.max_entries); '
                f'{len(jobs) - cache.max_entries} are computed in training when needed')
            jobs = jobs[:cache.max_entries]
        rank, world = get_rank(), get_world_size()
        mine = jobs[rank::world]
        runner.logger.info(
            f'TeacherCachePrefillHook: teacher outputs of {len(dataset)} images x {num_slots} '
            f'slots, {math.ceil(len(mine) / self.batch_size)} batches of {self.batch_size}'
            + (f' on each of {world} processes' if world > 1 else ''))

        def load(job: Tuple[int, int]) -> dict:
            with fixed_slot(job[1]):
                return dataset[job[0]]

        computed, elapsed = prefill(
            runner, 'TeacherCachePrefillHook', model, mine, self.batch_size, self.log_every,
            load, lambda data: model.fill_teacher_cache(data['inputs'], data['data_samples']))
        if world > 1:
            start = time.perf_counter()
            self._exchange(cache)
            elapsed += time.perf_counter() - start
        runner.logger.info(f'TeacherCachePrefillHook: {len(cache)} entries ({computed} computed '
                           f'here) in {elapsed:.1f} s')
        runner.visualizer.add_scalars(
            dict(teacher_cache_prefill_s=elapsed, teacher_cache_entries=len(cache)),
            step=runner.iter)

    @staticmethod
    def _exchange(cache) -> None:
        """Give every process the entries the others computed."""
        keys = cache.keys()
        feats, logits = cache.get(keys) if keys else (None, None)
        for other_keys, other_feats, other_logits in all_gather_object((keys, feats, logits)):
            new = [i for i, key in enumerate(other_keys) if key not in cache]
            if new:
                index = torch.tensor(new, dtype=torch.long)
                cache.put([other_keys[i] for i in new], other_feats[index], other_logits[index])


__all__ = ['TeacherCachePrefillHook', 'find_slotted_augments']
