"""Batch the views of ``MultiResPipeline``: normalise each, mix them consistently."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.model import stack_batch
from mmpretrain.models.utils import ClsDataPreprocessor, CutMix, Mixup
from mmpretrain.registry import MODELS
from torch import Tensor

#: One batch of teacher views: the tensors (one per resolution) and, for each, the batch rows
#: it holds (None: all rows, in order).
TeacherViews = Tuple[List[Tensor], List[Optional[Tensor]]]


def _is_multi_view(inputs) -> bool:
    """True for the collated output of ``MultiResPipeline`` (a list of views)."""
    return (isinstance(inputs, (list, tuple)) and len(inputs) > 0
            and isinstance(inputs[0], (list, tuple, Tensor))
            and not (isinstance(inputs[0], Tensor) and inputs[0].dim() == 3))


@MODELS.register_module()
class MultiResDataPreprocessor(ClsDataPreprocessor):
    """mmpretrain's ``ClsDataPreprocessor`` that also batches multi-resolution views.

    Batches without views (ordinary pipelines, validation, test) are processed exactly as by
    ``ClsDataPreprocessor``. For the output of
    :class:`~mmltbin.datasets.transforms.MultiResPipeline` (every sample a list of images)
    every view is colour-converted, normalised and stacked like the ordinary input, and:

    - views of the same size are batched together; with per-sample random sizes
      (``MultiResPipeline.num_teacher_views``) a size may hold only some rows of the batch,
      recorded in ``teacher_rows``;
    - ``teacher_views_per_batch=k`` keeps ``k`` random teacher views for the whole batch
      (bounds the teacher's cost);
    - batch augmentations (``batch_augments``: Mixup, CutMix) are applied *consistently*: one
      mixing coefficient and one permutation for all views, and for CutMix the same box scaled
      to each view's size. The student's view is mixed exactly as mmpretrain's own Mixup /
      CutMix would mix it, so the teacher sees the same mixed images as the student.

    Output ``inputs``:

    - with ``student_view=True`` (distillation; the first view is the student's):
      ``dict(student=Tensor, teacher=[Tensor, ...], teacher_rows=[None | LongTensor, ...])``,
      read by ``CalibratedDistiller``;
    - with ``student_view=False`` (calibration: ``MultiResPipeline(with_student=False)``): a
      list of tensors, one per resolution, which ``LinearProbeClassifier`` and
      ``FrozenTeacher`` average over.

    Args:
        student_view (bool): Whether the first view is the student's. Must match
            ``MultiResPipeline.with_student``. Defaults to True.
        teacher_views_per_batch (int, optional): Teacher views kept per batch, chosen at
            random; None keeps all. Defaults to None.
        **kwargs: ``ClsDataPreprocessor`` arguments (``mean``, ``std``, ``to_rgb``,
            ``num_classes``, ``batch_augments``, ...).

    Example:
        >>> import torch
        >>> from mmltbin.models.data_preprocessors import MultiResDataPreprocessor
        >>> pre = MultiResDataPreprocessor(mean=[0.0], std=[255.0])
        >>> views = [[torch.zeros(1, 8, 8)] * 2, [torch.zeros(1, 16, 16)] * 2]
        >>> out = pre(dict(inputs=views, data_samples=None))['inputs']
        >>> out['student'].shape, [t.shape for t in out['teacher']]
        (torch.Size([2, 1, 8, 8]), [torch.Size([2, 1, 16, 16])])
    """

    def __init__(self, student_view: bool = True,
                 teacher_views_per_batch: Optional[int] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if teacher_views_per_batch is not None and (
                isinstance(teacher_views_per_batch, bool)
                or not isinstance(teacher_views_per_batch, int) or teacher_views_per_batch < 1):
            raise ValueError('MultiResDataPreprocessor: teacher_views_per_batch must be None or '
                             f'a positive int, got {teacher_views_per_batch!r}')
        self.student_view = bool(student_view)
        self.teacher_views_per_batch = teacher_views_per_batch

    # ------------------------------------------------------------------------------ views
    def _prepare(self, img: Tensor) -> Tensor:
        """Colour conversion and normalisation of one image, as ``ClsDataPreprocessor``."""
        if self.to_rgb and img.size(0) == 3:
            img = img.flip(0)
        img = img.float()
        if self._enable_normalize:
            img = (img - self.mean) / self.std
        return img

    def _group(self, slots: Sequence[Sequence[Tensor]]) -> TeacherViews:
        """Stack the images of all slots by size: one tensor per size, with its rows."""
        groups: Dict[tuple, Tuple[List[Tensor], List[int]]] = OrderedDict()
        for slot in slots:
            for row, img in enumerate(slot):
                imgs, rows = groups.setdefault(tuple(img.shape), ([], []))
                imgs.append(self._prepare(self.cast_data(img)))
                rows.append(row)
        views, view_rows = [], []
        batch = len(slots[0])
        for imgs, rows in groups.values():
            views.append(stack_batch(imgs, self.pad_size_divisor, self.pad_value))
            full = rows == list(range(batch))
            view_rows.append(None if full else torch.tensor(rows, device=views[-1].device))
        return views, view_rows

    def _pick_teacher_slots(self, slots: list) -> list:
        k = self.teacher_views_per_batch
        if k is None or k >= len(slots):
            return slots
        keep = sorted(torch.randperm(len(slots))[:k].tolist())
        return [slots[i] for i in keep]

    # ------------------------------------------------------------------------------ mixing
    def mix_views(self, views: List[Tensor], batch_score: Tensor,
                  reference: int = 0) -> Tuple[List[Tensor], Tensor]:
        """Apply one batch augmentation of ``batch_augments`` to every view consistently.

        One augmentation is drawn as ``RandomBatchAugment`` does, with one coefficient and one
        permutation for all views. CutMix's box is drawn for ``views[reference]`` and scaled to
        the other views' sizes.

        Args:
            views (list[Tensor]): ``N x C x H x W`` views of the same batch (sizes may differ).
            batch_score (Tensor): One-hot (or soft) targets ``(N, num_classes)``.
            reference (int): The view whose size CutMix's box is drawn for (the student's).

        Returns:
            tuple: the mixed views and the mixed targets.
        """
        wrapper = self.batch_augments
        aug = wrapper.augments[np.random.choice(len(wrapper.augments), p=wrapper.probs)]
        batch_score = batch_score.float()
        if aug is None:
            return views, batch_score
        if type(aug) not in (Mixup, CutMix):
            raise NotImplementedError(
                f'MultiResDataPreprocessor: {type(aug).__name__} cannot be applied consistently '
                'to the views of several resolutions; supported batch augments: Mixup, CutMix')
        lam = np.random.beta(aug.alpha, aug.alpha)
        index = torch.randperm(batch_score.size(0))
        if type(aug) is Mixup:
            views = [lam * v + (1 - lam) * v[index] for v in views]
        else:
            ref_h, ref_w = views[reference].shape[-2:]
            (y1, y2, x1, x2), lam = aug.cutmix_bbox_and_lam((ref_h, ref_w), lam)
            mixed = []
            for v in views:
                h, w = v.shape[-2:]
                ya, yb = round(y1 * h / ref_h), round(y2 * h / ref_h)
                xa, xb = round(x1 * w / ref_w), round(x2 * w / ref_w)
                v = v.clone()
                v[:, :, ya:yb, xa:xb] = v[index, :, ya:yb, xa:xb]
                mixed.append(v)
            views = mixed
        batch_score = lam * batch_score + (1 - lam) * batch_score[index, :]
        return views, batch_score

    # ------------------------------------------------------------------------------ forward
    def forward(self, data: dict, training: bool = False) -> dict:
        """Process a batch (see the class docstring for the multi-resolution output)."""
        inputs = data['inputs']
        if not _is_multi_view(inputs):
            return super().forward(data, training)
        slots = [list(v.unbind(0)) if isinstance(v, Tensor) else list(v) for v in inputs]
        if self.student_view:
            if len(slots) < 2:
                raise ValueError('MultiResDataPreprocessor: student_view=True needs a student '
                                 f'view and at least one teacher view per sample, got '
                                 f'{len(slots)} view(s); check MultiResPipeline')
            first, teacher_slots = slots[0], slots[1:]
            if len({tuple(img.shape) for img in first}) > 1:
                raise ValueError('MultiResDataPreprocessor: the student views of a batch differ '
                                 'in size; give MultiResPipeline a student_size')
        else:
            first, teacher_slots = None, slots
        teacher_slots = self._pick_teacher_slots(teacher_slots)

        # labels, one-hot scores and (for the student) the ordinary processing of the parent;
        # mixing is done below, for all views at once
        base = super().forward(
            dict(inputs=first if first is not None else teacher_slots[0],
                 data_samples=data.get('data_samples')), training=False)
        data_samples = base['data_samples']
        student = base['inputs'] if first is not None else None
        teacher, teacher_rows = self._group(teacher_slots)

        if training and self.batch_augments is not None and data_samples and \
                'gt_score' in data_samples[0]:
            if any(rows is not None for rows in teacher_rows):
                raise ValueError(
                    'MultiResDataPreprocessor: per-sample teacher resolutions '
                    '(MultiResPipeline.num_teacher_views) cannot be combined with Mixup/CutMix: '
                    "a sample's mixing partner may lack its resolution. Use "
                    'teacher_views_per_batch instead, or run the teacher on the student view')
            views = ([student] if student is not None else []) + teacher
            views, batch_score = self.mix_views(
                views, torch.stack([s.gt_score for s in data_samples]))
            if student is not None:
                student, teacher = views[0], views[1:]
            else:
                teacher = views
            for sample, score in zip(data_samples, batch_score):
                sample.set_gt_score(score)

        if student is not None:
            inputs: Union[dict, list] = dict(student=student, teacher=teacher,
                                             teacher_rows=teacher_rows)
        else:
            if any(rows is not None for rows in teacher_rows):
                raise ValueError(
                    'MultiResDataPreprocessor: the teacher views of a batch differ in size '
                    '(MultiResPipeline.num_teacher_views); without a student view (calibration) '
                    'every view must cover the whole batch: use teacher_views_per_batch')
            inputs = teacher
        return dict(inputs=inputs, data_samples=data_samples)


__all__ = ['MultiResDataPreprocessor', 'TeacherViews']
