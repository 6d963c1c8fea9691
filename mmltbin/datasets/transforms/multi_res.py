"""Multi-resolution views of one image: the student's at one size, the teacher's at several."""
from typing import List, Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

INTERPOLATIONS = ('nearest', 'bilinear', 'bicubic', 'area', 'lanczos')


def _check_size(size, key: str) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size <= 0:
        raise ValueError(f'MultiResPipeline: {key} must be a positive int (pixels), got {size!r}')
    return int(size)


def _check_sizes(sizes, key: str) -> Tuple[int, ...]:
    if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
        sizes = (sizes, )
    if not isinstance(sizes, Sequence) or isinstance(sizes, str):
        raise ValueError(f'MultiResPipeline: {key} must be a list of positive ints (pixels), '
                         f'got {sizes!r}')
    if len(sizes) == 0:
        raise ValueError(f'MultiResPipeline: {key} is empty; give at least one resolution '
                         '(pixels of the shorter side)')
    sizes = tuple(_check_size(s, key) for s in sizes)
    if len(set(sizes)) != len(sizes):
        raise ValueError(f'MultiResPipeline: {key} lists a resolution twice: {sizes}')
    return sizes


def resize_short_side(img: np.ndarray, size: int, interpolation: str = 'bilinear',
                      backend: str = 'cv2') -> np.ndarray:
    """Resize ``img`` (``HxW`` or ``HxWxC``) so its shorter side is ``size``, keeping the ratio.

    Example:
        >>> resize_short_side(np.zeros((32, 48, 3), np.uint8), 64).shape
        (64, 96, 3)
    """
    height, width = img.shape[:2]
    short = min(height, width)
    if short == size:
        return img
    new_w, new_h = (size, size) if height == width else (round(width * size / short),
                                                          round(height * size / short))
    out = mmcv.imresize(img, (new_w, new_h), interpolation=interpolation, backend=backend)
    if img.ndim == 3 and out.ndim == 2:  # cv2 drops a single channel
        out = out[..., None]
    return out


@TRANSFORMS.register_module()
class MultiResPipeline(BaseTransform):
    """From one (augmented) image, the student's view at one size and the teacher's at several.

    Calibrate-and-Distill feeds several input resolutions to the full-precision teacher only;
    the binary student sees one. Put this transform after the augmentations and before
    ``PackInputs``: every view is a resized copy of the *same* augmented image (same crop, same
    flip), so the teacher sees what the student sees. ``results['img']`` becomes a list of
    images, ``[student, teacher_1, ..., teacher_k]`` (no student with ``with_student=False``,
    e.g. for calibration), which ``PackInputs`` packs as a list of tensors.
    :class:`~mmltbin.models.data_preprocessors.MultiResDataPreprocessor` then normalises and
    batches every view (mmengine's default ``pseudo_collate`` keeps the views apart; DDP
    splits batches as usual). ``CalibratedDistiller`` averages the teacher's features and
    logits over the views it gets; ``LinearProbeClassifier`` (calibration) averages features.

    Bounding the cost: the teacher's forward grows with the square of the resolution.

    - per sample: ``num_teacher_views=k`` picks ``k`` of ``teacher_sizes`` at random for every
      sample (in increasing size). Samples of a batch then have different teacher sizes;
      the data preprocessor groups them by size and the distiller averages per sample. Not
      combinable with Mixup/CutMix (a sample's mixing partner may lack its size).
    - per batch: a batch-level choice, so it lives in the batch-level component:
      ``MultiResDataPreprocessor(teacher_views_per_batch=k)`` keeps ``k`` random teacher
      views for the whole batch (works with Mixup/CutMix and calibration).

    Sizes are the shorter side in pixels; square images become ``size x size``. The student
    view is the image unchanged when ``student_size`` is None.

    Required keys: ``img``. Modified keys: ``img`` (a list of images), ``img_shape`` (the
    student view's, or the first view's).

    Args:
        teacher_sizes (Sequence[int]): The teacher's resolutions (non-empty, positive).
        student_size (int, optional): The student's resolution; None keeps the image as it is.
        with_student (bool): Put the student view first. False for calibration (teacher views
            only). Defaults to True.
        num_teacher_views (int, optional): Teacher views per sample, chosen at random among
            ``teacher_sizes``; None keeps all. Defaults to None.
        interpolation (str): ``mmcv.imresize`` interpolation. Defaults to ``'bilinear'``.
        backend (str): ``'cv2'`` or ``'pillow'``. Defaults to ``'cv2'``.

    Example:
        >>> import numpy as np
        >>> t = MultiResPipeline(teacher_sizes=(32, 64, 96), student_size=32)
        >>> [v.shape for v in t(dict(img=np.zeros((32, 32, 3), np.uint8)))['img']]
        [(32, 32, 3), (32, 32, 3), (64, 64, 3), (96, 96, 3)]
    """

    def __init__(self,
                 teacher_sizes: Sequence[int],
                 student_size: Optional[int] = None,
                 with_student: bool = True,
                 num_teacher_views: Optional[int] = None,
                 interpolation: str = 'bilinear',
                 backend: str = 'cv2') -> None:
        self.teacher_sizes = _check_sizes(teacher_sizes, 'teacher_sizes')
        self.student_size = None if student_size is None else _check_size(student_size,
                                                                           'student_size')
        if student_size is not None and not with_student:
            raise ValueError('MultiResPipeline: student_size is set but with_student=False')
        self.with_student = bool(with_student)
        if num_teacher_views is not None:
            num_teacher_views = _check_size(num_teacher_views, 'num_teacher_views')
            if num_teacher_views > len(self.teacher_sizes):
                raise ValueError(f'MultiResPipeline: num_teacher_views={num_teacher_views} is '
                                 f'more than the {len(self.teacher_sizes)} teacher_sizes')
        self.num_teacher_views = num_teacher_views
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f'MultiResPipeline: interpolation must be one of {INTERPOLATIONS}, '
                             f'got {interpolation!r}')
        self.interpolation = interpolation
        self.backend = backend

    def chosen_sizes(self) -> List[int]:
        """The teacher sizes of one sample (all, or a random subset in increasing order)."""
        if self.num_teacher_views is None:
            return list(self.teacher_sizes)
        picked = np.random.choice(len(self.teacher_sizes), self.num_teacher_views, replace=False)
        return sorted(self.teacher_sizes[i] for i in picked)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if isinstance(img, list):
            raise ValueError('MultiResPipeline: results["img"] is already a list of views; use '
                             'MultiResPipeline once, after the augmentations')
        views = []
        if self.with_student:
            student = img if self.student_size is None else resize_short_side(
                img, self.student_size, self.interpolation, self.backend)
            views.append(student)
        for size in self.chosen_sizes():
            views.append(resize_short_side(img, size, self.interpolation, self.backend))
        results['img'] = views
        results['img_shape'] = views[0].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(teacher_sizes={self.teacher_sizes}, '
                f'student_size={self.student_size}, with_student={self.with_student}, '
                f'num_teacher_views={self.num_teacher_views}, '
                f'interpolation={self.interpolation!r})')


__all__ = ['MultiResPipeline', 'resize_short_side']
