"""Find the pipelines and transforms of a dataset, through dataset wrappers and nested
transforms (for hooks that check or seed a training pipeline)."""
from typing import Any, Iterator, List


def pipeline_datasets(dataset: Any) -> List[Any]:
    """Every dataset with a ``pipeline`` in ``dataset``, itself included, through wrappers.

    Wrappers are followed through their ``dataset`` / ``datasets`` attributes (mmengine's and
    mmltbin's, e.g. ``LongTailDataset``, ``ConcatDataset``, ``RepeatDataset``).

    Example:
        >>> from mmltbin.datasets import LongTailDataset
        >>> lt = LongTailDataset(dict(type='SklearnDigits', split='train'), n_max=10, rho=2)
        >>> [type(d).__name__ for d in pipeline_datasets(lt)]
        ['SklearnDigits']
    """
    found: List[Any] = []
    stack = [dataset]
    while stack:
        ds = stack.pop(0)
        pipeline, inner = getattr(ds, 'pipeline', None), getattr(ds, 'dataset', None)
        # a wrapper that only passes its inner dataset's pipeline through (LongTailDataset)
        # owns none: the inner dataset is listed instead
        if pipeline is not None and pipeline is not getattr(inner, 'pipeline', None):
            found.append(ds)
        if getattr(ds, 'dataset', None) is not None:
            stack.append(ds.dataset)
        stack.extend(getattr(ds, 'datasets', None) or [])
    return found


def inner_transforms(transform: Any) -> List[Any]:
    """The transforms a transform wraps (a ``transforms`` list or ``Compose``), else []."""
    inner = getattr(transform, 'transforms', None)
    if inner is None or isinstance(inner, (str, bytes)):
        return []
    inner = getattr(inner, 'transforms', inner)  # a Compose holds its list in .transforms
    return list(inner) if isinstance(inner, (list, tuple)) else []


def walk_transforms(transforms: Any) -> Iterator[Any]:
    """Every transform of a pipeline (a ``Compose`` or a list), depth first, wrappers first.

    Example:
        >>> from mmltbin.datasets.transforms import SlottedAugment
        >>> t = SlottedAugment([dict(type='RandomFlip', prob=0.5)], seed=0)
        >>> [type(x).__name__ for x in walk_transforms([t])]
        ['SlottedAugment', 'RandomFlip']
    """
    if not isinstance(transforms, (list, tuple)):
        transforms = getattr(transforms, 'transforms', None) or []
    for t in transforms:
        yield t
        yield from walk_transforms(inner_transforms(t))


__all__ = ['inner_transforms', 'pipeline_datasets', 'walk_transforms']
