"""Check the model's number of classes against the dataset's before the first step."""
from typing import List, Optional, Tuple

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...datasets.long_tail import gt_labels_of
from ...utils.checks import unwrap_model


def class_outputs(model) -> List[Tuple[str, int]]:
    """``(config key, num_classes)`` of every part of ``model`` that predicts the classes.

    The student / classifier head (``model.head.num_classes``), a classifier that declares
    its own (``model.num_classes``: ``LinearProbeClassifier``, ``TimmClassifier``'s model) and
    a distiller's teacher (``model.teacher.head.num_classes``).

    Example:
        >>> from mmpretrain.models import ImageClassifier
        >>> model = ImageClassifier(
        ...     backbone=dict(type='ResNet_CIFAR', depth=18),
        ...     head=dict(type='LinearClsHead', num_classes=7, in_channels=512))
        >>> class_outputs(model)
        [('model.head.num_classes', 7)]
    """
    model = unwrap_model(model)
    found = []

    def add(key: str, value) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            found.append((key, value))

    if isinstance(getattr(model, 'num_classes', None), int):
        add('model.num_classes', model.num_classes)
    elif getattr(model, 'head', None) is not None:
        add('model.head.num_classes', getattr(model.head, 'num_classes', None))
    elif getattr(model, 'model', None) is not None:  # TimmClassifier / HuggingFaceClassifier
        add('model.num_classes', getattr(model.model, 'num_classes', None))
    teacher = getattr(model, 'teacher', None)
    if teacher is not None:
        add('model.teacher.head.num_classes', getattr(teacher, 'num_classes', None))
    return found


def dataset_classes(dataset) -> Tuple[Optional[int], int, str]:
    """``(number of classes or None, smallest number the labels need, where it comes from)``."""
    meta = getattr(dataset, 'metainfo', None) or {}
    try:
        labels = gt_labels_of(dataset)
    except (KeyError, ValueError, TypeError, AttributeError, NotImplementedError):
        labels = []  # unlabelled (e.g. a test set for inference): nothing to fit
    needed = int(max(labels)) + 1 if len(labels) else 0
    if meta.get('classes'):
        return len(meta['classes']), needed, f"its metainfo['classes'] ({len(meta['classes'])})"
    if meta.get('class_counts'):
        count = len(meta['class_counts'])
        return count, needed, f"its metainfo['class_counts'] ({count} classes)"
    return None, needed, f'its labels (up to {needed - 1})'


def check_num_classes(model, dataset, loader_key: str = 'train_dataloader') -> None:
    """Raise a ``ValueError`` naming the config key when ``model`` predicts another number of
    classes than ``dataset`` has (or fewer than its labels need).

    Example:
        >>> from mmpretrain.models import ImageClassifier
        >>> from mmltbin.datasets import SklearnDigits
        >>> model = ImageClassifier(
        ...     backbone=dict(type='ResNet_CIFAR', depth=18),
        ...     head=dict(type='LinearClsHead', num_classes=5, in_channels=512))
        >>> check_num_classes(model, SklearnDigits(split='train'))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: NumClassesCheckHook: model.head.num_classes is 5, ... has 10 classes ...
    """
    outputs = class_outputs(model)
    if not outputs:
        return
    num, needed, source = dataset_classes(dataset)
    for key, value in outputs:
        if num is not None and value != num:
            raise ValueError(
                f'NumClassesCheckHook: {key} is {value}, but the dataset of {loader_key} '
                f'({type(dataset).__name__}) has {num} classes ({source}); set {key}={num}')
        if value < needed:
            raise ValueError(
                f'NumClassesCheckHook: {key} is {value}, but the labels of {loader_key} '
                f'({type(dataset).__name__}) go up to {needed - 1}; set {key}={needed}')


@HOOKS.register_module()
class NumClassesCheckHook(Hook):
    """Before training, validation and testing: the model's classes match the dataset's.

    mmpretrain's ``ClassNumCheckHook`` contract (every ``num_classes`` equals the dataset's
    ``len(metainfo['classes'])``), applied to what predicts the classes: the classifier or
    student head, a linear probe's ``num_classes``, a distiller's teacher (see
    :func:`class_outputs`); frozen encoders with their own ImageNet head are not checked.
    Without class names, ``metainfo['class_counts']`` gives the number; without either, the
    labels must fit. Errors name the config key to fix.

    Example:
        >>> default_hooks = dict(num_classes_check=dict(type='NumClassesCheckHook'))
    """

    priority = 'VERY_HIGH'  # before the teacher is calibrated or the cache filled

    def before_train(self, runner) -> None:
        check_num_classes(runner.model, runner.train_dataloader.dataset, 'train_dataloader')

    def before_val(self, runner) -> None:
        check_num_classes(runner.model, runner.val_dataloader.dataset, 'val_dataloader')

    def before_test(self, runner) -> None:
        check_num_classes(runner.model, runner.test_dataloader.dataset, 'test_dataloader')


__all__ = ['NumClassesCheckHook', 'check_num_classes', 'class_outputs', 'dataset_classes']
