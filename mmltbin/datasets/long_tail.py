"""A long-tailed (LT) subset of any classification dataset, with its per-class counts."""
import copy
import math
import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Union

import numpy as np
from mmengine.fileio import list_from_file
from mmpretrain.registry import DATASETS

from .verify_images import check_images

PROFILES = ('exp', 'step', 'counts', 'file', 'all')
CLASS_ORDERS = ('index', 'shuffle')
SELECTIONS = ('seeded', 'ldam-drw')
# floor() tolerance: a count that is an exact integer in real arithmetic (e.g. 1000 / 100 = 10)
# must not drop to 9 because floating point renders it as 9.999999999
_FLOOR_EPS = 1e-6


def long_tail_counts(num_classes: int, n_max: int, rho: float, profile: str = 'exp',
                     step_fraction: float = 0.5) -> List[int]:
    """Per-rank image counts of an exponential or step long-tailed profile.

    ``exp``: ``n_r = floor(n_max * rho ** (-r / (C - 1)))`` for rank ``r = 0 .. C-1`` (rank 0 is
    the head). Rounding is *floor* (the reference CIFAR-LT construction, ``int(...)``), with a
    1e-6 tolerance so an exact integer never loses one image to floating point error. It gives
    CIFAR-10-LT rho 100: 5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50 (12,406) and
    Fashion-MNIST-LT n_max 1000, rho 100: 1000, 599, 359, 215, 129, 77, 46, 27, 16, 10 (2,478).

    ``step``: the last ``floor(C * step_fraction)`` ranks get ``floor(n_max / rho)``, the others
    ``n_max`` (the step imbalance of Cao et al. 2019).

    Args:
        num_classes (int): Number of classes ``C``.
        n_max (int): Count of the head class (rank 0).
        rho (float): Imbalance ratio ``n_max / n_min``, >= 1.
        profile (str): ``'exp'`` or ``'step'``. Defaults to ``'exp'``.
        step_fraction (float): Fraction of minority classes for ``'step'``. Defaults to 0.5.

    Returns:
        list[int]: ``C`` counts, head first. Counts may be 0; callers reject empty classes.

    Example:
        >>> long_tail_counts(10, 1000, 100)
        [1000, 599, 359, 215, 129, 77, 46, 27, 16, 10]
        >>> long_tail_counts(4, 100, 10, profile='step')
        [100, 100, 10, 10]
    """
    if rho < 1:
        raise ValueError(f'long-tailed profile: rho (imbalance ratio n_max / n_min) must be '
                         f'>= 1, got {rho}')
    if n_max < 1 or int(n_max) != n_max:
        raise ValueError(f'long-tailed profile: n_max must be a positive integer, got {n_max}')
    if num_classes < 1:
        raise ValueError(f'long-tailed profile: num_classes must be >= 1, got {num_classes}')
    if profile == 'exp':
        if num_classes == 1:
            return [int(n_max)]
        return [int(math.floor(n_max * rho**(-rank / (num_classes - 1)) + _FLOOR_EPS))
                for rank in range(num_classes)]
    if profile == 'step':
        if not 0.0 <= step_fraction <= 1.0:
            raise ValueError(f'long-tailed profile: step_fraction must be in [0, 1], '
                             f'got {step_fraction}')
        n_minor = int(math.floor(num_classes * step_fraction))
        tail = int(math.floor(n_max / rho + _FLOOR_EPS))
        return [int(n_max)] * (num_classes - n_minor) + [tail] * n_minor
    raise ValueError(f'long-tailed profile: unknown profile "{profile}", expected "exp" or "step"')


def gt_labels_of(dataset: Any) -> np.ndarray:
    """Single-label ground truth of every sample, read from annotations (no image, no pipeline).

    Uses mmpretrain's ``get_gt_labels()`` when the dataset has it, else mmengine's
    ``get_cat_ids(idx)``, else ``get_data_info(idx)['gt_label']``.

    Args:
        dataset: An mmpretrain / mmengine dataset (or wrapper).

    Returns:
        np.ndarray: int64 labels, one per sample.

    Example:
        >>> from mmltbin.datasets import SklearnDigits
        >>> gt_labels_of(SklearnDigits(split='test'))[:5]
        array([8, 8, 0, 2, 3])
    """
    if hasattr(dataset, 'get_gt_labels'):
        labels = np.asarray(dataset.get_gt_labels())
    elif hasattr(dataset, 'get_cat_ids'):
        cat_ids = [dataset.get_cat_ids(i) for i in range(len(dataset))]
        bad = next((i for i, ids in enumerate(cat_ids) if len(ids) != 1), None)
        if bad is not None:
            raise ValueError(f'{type(dataset).__name__}: sample {bad} has {len(cat_ids[bad])} '
                             'labels; long-tailed subsets need single-label data')
        labels = np.asarray([ids[0] for ids in cat_ids])
    else:
        labels = np.asarray([int(dataset.get_data_info(i)['gt_label'])
                             for i in range(len(dataset))])
    if labels.ndim != 1:
        raise ValueError(f'{type(dataset).__name__}: expected one label per sample, got labels '
                         f'of shape {labels.shape}')
    return labels.astype(np.int64)


def build_dataset_from_cfg(cfg: Any, key: str = 'train_dataloader') -> Any:
    """Build ``cfg[key].dataset`` of a whole config without its pipeline (for tools).

    Imports the config's ``custom_imports`` and enters its ``default_scope`` like the Runner.
    The pipeline is dropped from the dataset (and from a ``LongTailDataset``'s wrapped dataset):
    tools that only read annotations and counts need no transform.

    Args:
        cfg (mmengine.Config): A loaded config.
        key (str): The dataloader whose dataset to build. Defaults to ``'train_dataloader'``.

    Returns:
        The built dataset.
    """
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    loader = cfg.get(key) or {}
    if not loader.get('dataset'):
        raise KeyError(f'the config has no {key}.dataset')
    dataset_cfg = copy.deepcopy(loader['dataset'])
    for inner in (dataset_cfg, dataset_cfg.get('dataset')):
        if isinstance(inner, dict) and 'pipeline' in inner:
            inner['pipeline'] = []
    return DATASETS.build(dataset_cfg)


@DATASETS.register_module()
class LongTailDataset:
    """Keep a long-tailed subset of a (usually balanced) classification dataset.

    The wrapped dataset is built (or taken) as is; this wrapper only decides which of its samples
    are kept, from their labels (annotations): no image is read and no pipeline runs to build it.
    Samples come back through the wrapped dataset's own ``__getitem__`` and pipeline.

    The kept subset is the single source of the per-class training counts:
    ``metainfo['class_counts']`` (list of python ints, index = label). mmengine saves the train
    dataset's metainfo in checkpoints (``meta['dataset_meta']``) and ``ClassCountsHook`` hands the
    counts to losses, heads and metrics.

    Profiles:

    - ``'exp'``: ``n = floor(n_max * rho ** (-rank / (C - 1)))`` (see :func:`long_tail_counts`).
    - ``'step'``: the last ``floor(C * step_fraction)`` ranks get ``floor(n_max / rho)``.
    - ``'counts'``: explicit per-class counts ``counts`` (index = label; ``class_order`` unused).
    - ``'file'``: exactly the samples listed in ``ann_file``, in its order: a list written by
      :meth:`save_ann_file`, or any ``relpath label`` list whose paths are relative to the
      wrapped dataset's image prefix (``data_prefix['img_path']``); labels are checked.
    - ``'all'``: every sample (for datasets that are long-tailed already, e.g. an ImageNet-LT
      annotation list read by ``CustomDataset``); the wrapper only adds the counts.

    For ``exp``/``step``, the class of rank ``r`` is class ``r`` (``class_order='index'``) or the
    ``r``-th of a permutation drawn from ``seed`` (``'shuffle'``). Within class ``c``, the kept
    samples are the first ``n_c`` of a permutation drawn from ``(seed, c)``: the choice is
    deterministic, independent of the other classes, and subsets are nested (the rho=100 subset
    of a class is contained in its rho=10 subset for the same ``n_max``, order and seed).
    ``selection='ldam-drw'`` instead keeps the images of the imbalanced CIFAR of LDAM-DRW (Cao et
    al. 2019), which much of the LT literature reports on: NumPy's legacy generator seeded once
    with ``seed``, each class's indices (in dataset order) shuffled by it in turn, class 0
    first, and the first ``n_c`` kept.

    Args:
        dataset (dict | Dataset): The wrapped dataset or its config.
        profile (str): One of ``'exp'``, ``'step'``, ``'counts'``, ``'file'``, ``'all'``.
            Defaults to ``'exp'``.
        rho (float): Imbalance ratio ``n_max / n_min`` (>= 1) for ``exp`` and ``step``.
            Defaults to 100.
        n_max (int, optional): Count of the head class. ``None`` means the size of the smallest
            class of the wrapped dataset (the largest head that every class order allows).
        counts (Sequence[int], optional): Per-class counts for ``profile='counts'``.
        class_order (str): ``'index'`` or ``'shuffle'``. Defaults to ``'index'``.
        seed (int): Seed of the class order and of the sample choice. Defaults to 0.
        step_fraction (float): Fraction of minority classes for ``'step'``. Defaults to 0.5.
        ann_file (str, optional): The sample list for ``profile='file'``.
        offset (int): Skip the first ``offset`` samples of each class's permutation before
            keeping ``n_c``. With the same ``seed``, a subset with ``offset >= n_max`` of another
            is disjoint from it: e.g. a balanced validation split (``profile='counts'``) held out
            from the unused training images. Defaults to 0.
        num_classes (int, optional): Number of classes when the wrapped dataset's metainfo has no
            ``classes`` (e.g. ``CustomDataset`` reading an annotation list); by default
            ``max(label) + 1``.
        lazy_init (bool): Defer the subset choice to :meth:`full_init` (the Runner calls it when
            it builds the dataloader). Defaults to False.
        selection (str): How the kept samples of a class are chosen for ``exp``/``step``/
            ``counts``: ``'seeded'`` (a permutation drawn from ``(seed, c)``) or ``'ldam-drw'``
            (the same images as LDAM-DRW's imbalanced CIFAR with ``seed`` as its
            ``rand_number``; needs ``class_order='index'`` and ``offset=0``). Defaults to
            ``'seeded'``.
        verify_images (bool): Read every kept image when the subset is chosen and raise one
            error listing all missing, empty or undecodable ones. Defaults to False.

    Example:
        >>> from mmltbin.datasets import LongTailDataset
        >>> lt = LongTailDataset(dict(type='SklearnDigits', split='train'), n_max=100, rho=10)
        >>> lt.metainfo['class_counts']
        [100, 77, 59, 46, 35, 27, 21, 16, 12, 10]
        >>> len(lt)
        403
    """

    def __init__(self,
                 dataset: Union[dict, Any],
                 profile: str = 'exp',
                 rho: float = 100.0,
                 n_max: Optional[int] = None,
                 counts: Optional[Sequence[int]] = None,
                 class_order: str = 'index',
                 seed: int = 0,
                 step_fraction: float = 0.5,
                 ann_file: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 offset: int = 0,
                 lazy_init: bool = False,
                 selection: str = 'seeded',
                 verify_images: bool = False) -> None:
        if profile not in PROFILES:
            raise ValueError(f'LongTailDataset: unknown profile "{profile}", expected one of '
                             f'{PROFILES}')
        if rho < 1:
            raise ValueError(f'LongTailDataset: rho (imbalance ratio n_max / n_min) must be >= 1, '
                             f'got {rho}')
        if class_order not in CLASS_ORDERS:
            raise ValueError(f'LongTailDataset: unknown class_order "{class_order}", expected one '
                             f'of {CLASS_ORDERS}')
        if (counts is None) != (profile != 'counts'):
            raise ValueError('LongTailDataset: `counts` is required with profile="counts" and '
                             f'only allowed with it (profile="{profile}", counts={counts})')
        if (ann_file is None) != (profile != 'file'):
            raise ValueError('LongTailDataset: `ann_file` is required with profile="file" and '
                             f'only allowed with it (profile="{profile}", ann_file={ann_file})')
        if selection not in SELECTIONS:
            raise ValueError(f'LongTailDataset: unknown selection "{selection}", expected one of '
                             f'{SELECTIONS}')
        if selection == 'ldam-drw' and (class_order != 'index' or offset):
            raise ValueError('LongTailDataset: selection="ldam-drw" reproduces LDAM-DRW\'s '
                             'imbalanced CIFAR, whose class of rank r is class r and which skips '
                             f'nothing: it needs class_order="index" and offset=0 (got '
                             f'class_order="{class_order}", offset={offset})')
        if int(offset) != offset or offset < 0:
            raise ValueError(
                f'LongTailDataset: offset must be a non-negative integer, got {offset}')
        if n_max is not None and (int(n_max) != n_max or n_max < 1):
            raise ValueError(f'LongTailDataset: n_max must be a positive integer, got {n_max}')
        self.profile = profile
        self.rho = float(rho)
        self.n_max = None if n_max is None else int(n_max)
        self.counts = None if counts is None else [int(c) for c in counts]
        self.class_order = class_order
        self.seed = int(seed)
        self.step_fraction = float(step_fraction)
        self.ann_file = ann_file
        self.num_classes = num_classes
        self.offset = int(offset)
        self.selection = selection
        self.verify_images = bool(verify_images)
        self.dataset = self._build_wrapped(dataset)

        self._indices: np.ndarray = np.zeros(0, dtype=np.int64)
        self._labels: np.ndarray = np.zeros(0, dtype=np.int64)
        self._class_counts: List[int] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    # ----------------------------------------------------------------------------- building
    @staticmethod
    def _build_wrapped(dataset: Union[dict, Any]) -> Any:
        if not isinstance(dataset, dict):
            return dataset
        data_root = dataset.get('data_root')
        if (isinstance(data_root, str) and data_root and '://' not in data_root
                and not osp.isdir(data_root)):
            raise FileNotFoundError(
                f'LongTailDataset: the data folder "{data_root}" of {dataset.get("type")} does '
                'not exist; see docs/datasets.md for the expected layout')
        return DATASETS.build(dataset)

    def full_init(self) -> None:
        """Choose the kept samples (idempotent)."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        labels = gt_labels_of(self.dataset)
        num_classes = self._resolve_num_classes(labels)
        if self.profile == 'file':
            indices = self._indices_from_file(labels, num_classes)
        elif self.profile == 'all':
            indices = np.arange(len(labels), dtype=np.int64)
        else:
            indices = self._choose(labels, self._target_counts(labels, num_classes))
        kept_labels = labels[indices]
        counts = np.bincount(kept_labels, minlength=num_classes)
        empty = np.flatnonzero(counts == 0)
        if len(empty):
            raise ValueError(
                f'LongTailDataset: {len(empty)} class(es) left empty ({self._names(empty[:5])}'
                f'{" ..." if len(empty) > 5 else ""}) with profile "{self.profile}"; every class '
                'needs at least one training image (raise n_max, lower rho, or fix num_classes)')
        self._indices = indices
        self._labels = kept_labels
        self._class_counts = [int(c) for c in counts]
        self._fully_initialized = True
        if self.verify_images:
            check_images(self, owner='LongTailDataset(verify_images=True)')

    def _resolve_num_classes(self, labels: np.ndarray) -> int:
        if len(labels) == 0:
            raise ValueError(f'LongTailDataset: the wrapped {type(self.dataset).__name__} is empty')
        classes = self.dataset.metainfo.get('classes') if hasattr(self.dataset, 'metainfo') \
            else None
        if classes is not None:
            if self.num_classes is not None and self.num_classes != len(classes):
                raise ValueError(f'LongTailDataset: num_classes={self.num_classes} but the '
                                 f'wrapped dataset names {len(classes)} classes')
            num_classes = len(classes)
        elif self.num_classes is not None:
            num_classes = int(self.num_classes)
        else:
            num_classes = int(labels.max()) + 1
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(f'LongTailDataset: labels must be in [0, {num_classes}), found '
                             f'{labels.min()}..{labels.max()} (set num_classes?)')
        self.num_classes = num_classes
        return num_classes

    def _names(self, class_ids: Sequence[int]) -> str:
        classes = self.dataset.metainfo.get('classes') if hasattr(self.dataset, 'metainfo') \
            else None
        return ', '.join(f'{c} "{classes[c]}"' if classes else str(c) for c in class_ids)

    def _target_counts(self, labels: np.ndarray, num_classes: int) -> np.ndarray:
        """Wanted count per class (index = label), checked against what the dataset has."""
        available = np.bincount(labels, minlength=num_classes)
        if self.profile == 'counts':
            if len(self.counts) != num_classes:
                raise ValueError(f'LongTailDataset: counts has {len(self.counts)} entries, the '
                                 f'dataset has {num_classes} classes')
            wanted = np.asarray(self.counts, dtype=np.int64)
            source = 'counts'
        else:
            n_max = self.n_max if self.n_max is not None else int(available.min())
            if n_max < 1:
                raise ValueError(f'LongTailDataset: n_max=None takes the smallest class size, '
                                 f'but class(es) {self._names(np.flatnonzero(available == 0))} '
                                 'have no image in the wrapped dataset')
            by_rank = long_tail_counts(num_classes, n_max, self.rho, self.profile,
                                       self.step_fraction)
            wanted = np.zeros(num_classes, dtype=np.int64)
            wanted[self.class_of_rank(num_classes)] = by_rank
            source = f'profile "{self.profile}" (n_max={n_max}, rho={self.rho:g})'
        too_many = np.flatnonzero(wanted + self.offset > available)
        if len(too_many):
            c = int(too_many[0])
            raise ValueError(
                f'LongTailDataset: class {self._names([c])} is asked for {wanted[c]} images by '
                f'{source} (after offset {self.offset}) but the wrapped dataset has only '
                f'{available[c]} '
                f'({len(too_many)} class(es) short); lower n_max or use n_max=None')
        return wanted

    def class_of_rank(self, num_classes: Optional[int] = None) -> np.ndarray:
        """Class index at each rank (rank 0 = head) for the ``exp``/``step`` profiles.

        Args:
            num_classes (int, optional): Defaults to the dataset's number of classes.

        Returns:
            np.ndarray: A permutation of ``0 .. C-1``.
        """
        num_classes = self.num_classes if num_classes is None else num_classes
        if self.class_order == 'index':
            return np.arange(num_classes)
        return np.random.default_rng(self.seed).permutation(num_classes)

    def _choose(self, labels: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        kept = []
        # one legacy generator for all classes in turn (LDAM-DRW) or one generator per class
        legacy = np.random.RandomState(self.seed) if self.selection == 'ldam-drw' else None
        for c, n in enumerate(wanted):
            members = np.flatnonzero(labels == c)
            if legacy is not None:
                legacy.shuffle(members)
                kept.append(members[:n])
                continue
            order = np.random.default_rng([self.seed, c]).permutation(len(members))
            kept.append(members[order[self.offset:self.offset + n]])
        return np.sort(np.concatenate(kept)).astype(np.int64)

    # ----------------------------------------------------------------------- annotation file
    def _img_prefix(self) -> str:
        prefix = getattr(self.dataset, 'data_prefix', None) or {}
        return prefix.get('img_path', '') if isinstance(prefix, dict) else ''

    def _sample_key(self, index: int) -> str:
        """``relpath`` of the image for file-based datasets, else the sample index."""
        img_path = self.dataset.get_data_info(int(index)).get('img_path')
        if img_path is None:
            return str(int(index))
        prefix = self._img_prefix()
        return osp.relpath(img_path, prefix) if prefix else img_path

    def save_ann_file(self, path: str) -> None:
        """Write the kept samples, one ``key label`` line each, in dataset order.

        ``key`` is the image path relative to the wrapped dataset's image prefix
        (``data_prefix['img_path']``) for datasets that read image files, so the file is also a
        valid ``CustomDataset`` annotation list; for in-memory datasets (MNIST, CIFAR) it is the
        sample's index in the wrapped dataset. ``profile='file', ann_file=path`` on the same
        wrapped dataset rebuilds exactly this subset.

        Args:
            path (str): Output file; parent folders are created.
        """
        self.full_init()
        if osp.dirname(path):
            os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            for index, label in zip(self._indices, self._labels):
                f.write(f'{self._sample_key(index)} {int(label)}\n')

    def _indices_from_file(self, labels: np.ndarray, num_classes: int) -> np.ndarray:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'LongTailDataset: annotation file "{self.ann_file}" does '
                                    'not exist')
        lines = [line for line in list_from_file(self.ann_file) if line.strip()]
        first = self.dataset.get_data_info(0) if len(labels) else {}
        if 'img_path' in first:
            lookup = {self._sample_key(i): i for i in range(len(labels))}
        else:
            lookup = {str(i): i for i in range(len(labels))}
        indices, seen = [], set()
        for lineno, line in enumerate(lines, 1):
            parts = line.strip().rsplit(' ', 1)
            where = f'{self.ann_file}:{lineno}'
            if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                raise ValueError(f'LongTailDataset: {where}: expected "relpath label" or '
                                 f'"index label", got "{line.strip()}"')
            key, label = parts[0], int(parts[1])
            index = lookup.get(key)
            if index is None:
                raise ValueError(f'LongTailDataset: {where}: "{key}" is not a sample of the '
                                 f'wrapped {type(self.dataset).__name__}')
            if labels[index] != label:
                raise ValueError(f'LongTailDataset: {where}: "{key}" has label {label} in the '
                                 f'file but {labels[index]} in the wrapped dataset')
            if index in seen:
                raise ValueError(f'LongTailDataset: {where}: "{key}" is listed twice')
            seen.add(index)
            indices.append(index)
        return np.asarray(indices, dtype=np.int64)

    # ---------------------------------------------------------------------- dataset protocol
    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's metainfo plus ``class_counts`` (builds the subset if lazy)."""
        self.full_init()
        meta = copy.deepcopy(getattr(self.dataset, 'metainfo', {}) or {})
        meta['class_counts'] = list(self._class_counts)
        return meta

    @property
    def CLASSES(self) -> Optional[tuple]:  # noqa: N802  (mmpretrain's name)
        """Class names, as mmpretrain's datasets give them (``ClassNumCheckHook`` reads this)."""
        classes = self.metainfo.get('classes')
        return None if classes is None else tuple(classes)

    @property
    def class_to_idx(self) -> dict:
        """Map from class name to label, as mmpretrain's datasets give it."""
        if self.CLASSES is None:
            raise AttributeError(f'{type(self).__name__}: the wrapped '
                                 f'{type(self.dataset).__name__} names no classes')
        return {name: i for i, name in enumerate(self.CLASSES)}

    @property
    def pipeline(self) -> Any:
        """The wrapped dataset's pipeline: the one that runs on every kept sample.

        Setting it replaces the wrapped dataset's pipeline, so tools that swap in their own
        (mmpretrain's ``browse_dataset.py``, ``SwitchRecipeHook``) act on this subset too.
        """
        if not hasattr(self.dataset, 'pipeline'):
            raise AttributeError(f'{type(self).__name__}: the wrapped '
                                 f'{type(self.dataset).__name__} has no pipeline')
        return self.dataset.pipeline

    @pipeline.setter
    def pipeline(self, pipeline: Any) -> None:
        self.dataset.pipeline = pipeline

    @property
    def indices(self) -> np.ndarray:
        """Indices of the kept samples in the wrapped dataset (a copy)."""
        self.full_init()
        return self._indices.copy()

    def get_gt_labels(self) -> np.ndarray:
        """Labels of the kept samples (mmpretrain's dataset API)."""
        self.full_init()
        return self._labels.copy()

    def get_cat_ids(self, idx: int) -> List[int]:
        """Category of a kept sample (mmengine's dataset API)."""
        self.full_init()
        return [int(self._labels[idx])]

    def get_data_info(self, idx: int) -> dict:
        """Annotation of a kept sample, from the wrapped dataset."""
        self.full_init()
        return self.dataset.get_data_info(int(self._indices[idx]))

    def __getitem__(self, idx: int) -> Any:
        self.full_init()
        return self.dataset[int(self._indices[idx])]

    def __len__(self) -> int:
        self.full_init()
        return len(self._indices)

    def __repr__(self) -> str:
        head = f'{type(self).__name__}(profile={self.profile!r}'
        if not self._fully_initialized:
            return head + ', not initialised)'
        counts = self._class_counts
        return (f'{head}, classes={len(counts)}, samples={len(self._indices)}, '
                f'max={max(counts)}, min={min(counts)}, '
                f'wrapped={type(self.dataset).__name__})')
