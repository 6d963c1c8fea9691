"""Figures of long-tailed runs: classifier weight norms, per-class accuracy, lambda curves.

Every per-class figure puts the classes in head-to-tail order (most training images first, ties
by class index) and shades the many / medium / few-shot groups (training count ``> many_thr``,
between, ``< few_thr``: the groups of :func:`mmltbin.evaluation.shot_groups`).

- :func:`plot_weight_norms`: L2 norm of every class weight of the last linear layer, several
  checkpoints in one figure (the seed paper's Fig. 1: the "Binary-FP gap" of binary networks,
  whose tail classes get larger weights than a full-precision model's).
- :func:`plot_binary_fp_gap`: the per-class difference of two runs (accuracy or norms).
- :func:`plot_per_class_accuracy`: per-class test accuracy of several runs.
- :func:`plot_lambda_curve`: the balance lambda of the distillation loss over training.

The inputs come from files the tools write: checkpoints (:func:`classifier_weight_norms`),
``tools/test.py --out metrics.json`` (:func:`load_per_class_accuracy`), mmengine's
``vis_data/scalars.json`` (:func:`load_lambda_curve`) and the training set's class counts
(:func:`class_counts_from_config`, :func:`load_class_counts`).

Figures are drawn on :class:`matplotlib.figure.Figure` objects and written with the Agg
renderer; pyplot and the global backend are never touched. Every ``plot_*`` function saves the
file and returns the figure (its artists hold the plotted values).
"""
import glob
import json
import os
import os.path as osp
import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mmltbin.evaluation.metrics import shot_groups

PathLike = Union[str, os.PathLike]
ArrayLike = Union[Sequence[float], np.ndarray, torch.Tensor]

#: Shot groups in head-to-tail order and their colours (shading, bars, group means).
SHOT_GROUP_STYLE = (('many', '#4C72B0'), ('medium', '#DD8452'), ('few', '#C44E52'))

#: State-dict keys tried, in order, for the last linear classifier's weight: mmpretrain's
#: ``LinearClsHead`` (``ImageClassifier``, ``LinearProbeClassifier``, the student of
#: ``CalibratedDistiller``), a bare linear head, a saved ``FrozenTeacher``, mmpretrain's ViT head,
#: torchvision ResNets, timm / torchvision classifiers.
CLASSIFIER_WEIGHT_KEYS = ('head.fc.weight', 'head.weight', 'model.head.fc.weight',
                          'head.layers.head.weight', 'fc.weight', 'classifier.weight')

CHECKPOINT_SUFFIXES = ('.pth', '.pt', '.ckpt', '.bin')
GAP_SIGNS = ('fp-binary', 'binary-fp')


class LambdaCurve(NamedTuple):
    """Lambda logged during training: iterations, mean and (if logged) std over the batch."""
    iters: np.ndarray
    mean: np.ndarray
    std: Optional[np.ndarray]


# ------------------------------------------------------------------------------------- inputs
def _load_checkpoint(checkpoint: Union[PathLike, Mapping]) -> Tuple[Mapping, str]:
    """``(checkpoint dict, name for messages)`` of a path (loaded safely) or a dict."""
    if isinstance(checkpoint, Mapping):
        return checkpoint, 'the given state dict'
    from mmltbin.utils import load_checkpoint_safely
    path = os.fspath(checkpoint)
    loaded = load_checkpoint_safely(path)
    if not isinstance(loaded, Mapping):
        raise ValueError(f'checkpoint "{path}" holds a {type(loaded).__name__}, expected a dict '
                         '(an mmengine checkpoint or a state dict)')
    return loaded, f'checkpoint "{path}"'


def classifier_weight_norms(state_dict_or_path: Union[PathLike, Mapping],
                            key: Optional[str] = None) -> np.ndarray:
    """Per-class L2 norms of the last linear classifier's weight in a checkpoint.

    The checkpoint is an mmengine checkpoint (weights under ``'state_dict'``) or a plain state
    dict, given as a dict or a path (loaded with ``weights_only=True``). A leading ``module.``
    (DDP) is ignored. Without ``key`` the first of :data:`CLASSIFIER_WEIGHT_KEYS` present is
    used: ``head.fc.weight`` for mmpretrain classifiers, a calibrated ``LinearProbeClassifier``
    (its new head, not the encoder's) and a ``CalibratedDistiller`` (the student's head).

    The norms are those of the stored weight: heads that rescale it when scoring
    (``TauNormClsHead``, ``LWSClsHead``'s ``scales``, ``CosineClsHead``) score with other norms.

    Args:
        state_dict_or_path (str | PathLike | Mapping): Checkpoint path, checkpoint dict or state
            dict.
        key (str, optional): State-dict key of the ``[num_classes, in_features]`` weight.
            Defaults to auto-detection.

    Returns:
        np.ndarray: ``num_classes`` float64 norms, index = class label.

    Raises:
        FileNotFoundError: If the path does not exist.
        KeyError: If no classifier weight is found; the message names the file, the keys tried
            and the 2-D weights it holds.
        ValueError: If the weight is not 2-D.

    Example:
        >>> import torch
        >>> weight = torch.tensor([[3.0, 4.0], [0.0, 1.0]])
        >>> classifier_weight_norms({'state_dict': {'head.fc.weight': weight}})
        array([5., 1.])
    """
    checkpoint, source = _load_checkpoint(state_dict_or_path)
    state = checkpoint.get('state_dict', checkpoint)
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    tried = (key, ) if key is not None else CLASSIFIER_WEIGHT_KEYS
    found = next((k for k in tried if k in state), None)
    if found is None:
        matrices = [k for k, v in state.items() if torch.is_tensor(v) and v.dim() == 2]
        raise KeyError(f'{source} has no classifier weight: tried {", ".join(tried)}; its 2-D '
                       f'weights are {", ".join(matrices[-8:]) or "none"}. Name the key '
                       '(key=... / --key)')
    weight = state[found]
    if not torch.is_tensor(weight) or weight.dim() != 2:
        shape = tuple(weight.shape) if torch.is_tensor(weight) else type(weight).__name__
        raise ValueError(f'{source}: "{found}" is {shape}, expected a [num_classes, '
                         'in_features] weight')
    return torch.linalg.norm(weight.detach().double(), dim=1).cpu().numpy()


def _counts_and_names(meta: Mapping, source: str) -> Tuple[List[int], Optional[List[str]]]:
    counts = meta.get('class_counts')
    if counts is None:
        raise ValueError(f'{source} has no class_counts')
    names = meta.get('classes')
    return [int(c) for c in counts], None if names is None else [str(n) for n in names]


def class_counts_from_checkpoint(
        checkpoint: Union[PathLike, Mapping]) -> Tuple[List[int], Optional[List[str]]]:
    """Training class counts (and names) saved in a checkpoint's ``meta['dataset_meta']``.

    mmengine saves the training dataset's metainfo there, and ``LongTailDataset`` puts its
    ``class_counts`` in the metainfo.

    Args:
        checkpoint (str | PathLike | Mapping): Checkpoint path or dict.

    Returns:
        tuple: ``(counts, class names or None)``, index = class label.

    Example:
        >>> meta = dict(dataset_meta=dict(classes=('a', 'b'), class_counts=[30, 5]))
        >>> class_counts_from_checkpoint({'meta': meta, 'state_dict': {}})
        ([30, 5], ['a', 'b'])
    """
    loaded, source = _load_checkpoint(checkpoint)
    meta = (loaded.get('meta') or {}).get('dataset_meta') or {}
    return _counts_and_names(meta, f'{source} (meta["dataset_meta"])')


def class_counts_from_config(
        config: Union[PathLike, Any],
        cfg_options: Optional[dict] = None) -> Tuple[List[int], Optional[List[str]]]:
    """Training class counts (and names) of a config's ``train_dataloader.dataset``.

    The dataset is built in the config's scope without its pipeline
    (:func:`mmltbin.datasets.build_dataset_from_cfg`): no image is transformed, only
    annotations are read. The counts are its ``metainfo['class_counts']`` (``LongTailDataset``).

    Args:
        config (str | PathLike | mmengine.Config): Config file or loaded config.
        cfg_options (dict, optional): Settings merged into the config first.

    Returns:
        tuple: ``(counts, class names or None)``, index = class label.

    Raises:
        FileNotFoundError: If the config file does not exist.
        ValueError: If the training dataset has no ``class_counts``.

    Example:
        >>> lt_digits = dict(_delete_=True, type='LongTailDataset', n_max=40, rho=10,
        ...                  dataset=dict(type='SklearnDigits', split='train'))
        >>> counts, names = class_counts_from_config(
        ...     'tests/data/digits_tiny.py', {'train_dataloader.dataset': lt_digits})
        >>> counts
        [40, 30, 23, 18, 14, 11, 8, 6, 5, 4]
    """
    from mmengine.config import Config

    from mmltbin.datasets import build_dataset_from_cfg

    if isinstance(config, (str, os.PathLike)):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file "{os.fspath(config)}" does not exist')
        source, cfg = os.fspath(config), Config.fromfile(config)
    else:
        source, cfg = getattr(config, 'filename', None) or 'the config', config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    meta = build_dataset_from_cfg(cfg, 'train_dataloader').metainfo
    if meta.get('class_counts') is None:
        raise ValueError(f'the training dataset of {source} has no metainfo["class_counts"]; '
                         'wrap it in LongTailDataset (profile="all" keeps every sample)')
    return _counts_and_names(meta, source)


def load_class_counts(path: PathLike) -> Tuple[List[int], Optional[List[str]]]:
    """Training class counts (and names) from a file.

    Accepted: a checkpoint (``.pth``/``.pt``/``.ckpt``/``.bin``, its
    ``meta['dataset_meta']``), a JSON list of counts or a JSON object with ``class_counts``
    (and optionally ``classes``, e.g. a dumped ``dataset.metainfo``), or text with one count per
    line (or separated by spaces or commas).

    Args:
        path (str | PathLike): The file.

    Returns:
        tuple: ``(counts, class names or None)``, index = class label.

    Example:
        >>> import tempfile
        >>> path = tempfile.mktemp(suffix='.txt')
        >>> _ = open(path, 'w').write('1000\\n599\\n359\\n')
        >>> load_class_counts(path)
        ([1000, 599, 359], None)
    """
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'class counts file "{path}" does not exist')
    if path.endswith(CHECKPOINT_SUFFIXES):
        return class_counts_from_checkpoint(path)
    with open(path) as f:
        text = f.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = text.replace(',', ' ').split()
    if isinstance(data, Mapping):
        counts, names = _counts_and_names(data, f'"{path}"')
    else:
        names = None
        try:
            counts = [int(c) for c in data]
        except (TypeError, ValueError):
            counts = []
    if not counts or min(counts) < 0:
        raise ValueError(f'"{path}" holds no list of class counts (non-negative integers, one '
                         'per class): expected a JSON list, a JSON object with "class_counts", '
                         'text with one count per line or a checkpoint')
    return counts, names


def load_per_class_accuracy(metrics_json_path: PathLike, key: Optional[str] = None) -> np.ndarray:
    """Per-class accuracy from the metrics JSON that ``tools/test.py --out`` writes.

    ``ShotAccuracy`` (``per_class=True``, its default) reports ``<prefix>/per_class``
    (``accuracy/per_class`` by default): one value in % per class, NaN for a class without test
    images.

    Args:
        metrics_json_path (str | PathLike): The ``--out`` JSON file.
        key (str, optional): The entry to read when the file has several per-class entries.

    Returns:
        np.ndarray: Per-class accuracy (float64, index = class label).

    Raises:
        FileNotFoundError: If the file does not exist.
        KeyError: If the file has no per-class entry (or several and no ``key``); the message
            names the file and its keys.

    Example:
        >>> import json, tempfile
        >>> path = tempfile.mktemp(suffix='.json')
        >>> json.dump({'accuracy/top1': 50.0, 'accuracy/per_class': [100.0, 0.0]}, open(path, 'w'))
        >>> load_per_class_accuracy(path)
        array([100.,   0.])
    """
    path = os.fspath(metrics_json_path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'metrics file "{path}" does not exist')
    try:
        with open(path) as f:
            metrics = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f'"{path}" is not a JSON file (tools/test.py CONFIG CKPT --out '
                         f'metrics.json writes one): {err}') from err
    if not isinstance(metrics, Mapping):
        raise ValueError(f'"{path}" holds a JSON {type(metrics).__name__}, expected the metrics '
                         'object of tools/test.py --out')
    if key is not None:
        candidates = [key] if key in metrics else []
    else:
        candidates = [k for k in metrics if k == 'per_class' or k.endswith('/per_class')]
    if len(candidates) != 1:
        what = (f'no entry "{key}"' if key is not None else
                'no per-class accuracy' if not candidates else
                f'several per-class entries ({", ".join(candidates)}); choose one with key=')
        raise KeyError(f'"{path}" has {what}. Its keys: {", ".join(metrics) or "none"}. '
                       'ShotAccuracy(per_class=True), the default, writes "accuracy/per_class"')
    values = metrics[candidates[0]]
    if not isinstance(values, list) or not values:
        raise ValueError(f'"{path}": "{candidates[0]}" is {values!r}, expected a list with one '
                         'accuracy per class')
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)


def _scalars_files(path: str) -> List[str]:
    """The ``scalars.json`` of a file or a work dir (every run of it, oldest first)."""
    if osp.isfile(path):
        return [path]
    if osp.isdir(path):
        found = sorted(glob.glob(osp.join(path, 'vis_data', 'scalars.json')) +
                       glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
        if found:
            return found
        raise FileNotFoundError(f'work dir "{path}" has no vis_data/scalars.json (nor '
                                '<timestamp>/vis_data/scalars.json): the run needs '
                                "vis_backends=[dict(type='LocalVisBackend')]")
    raise FileNotFoundError(f'"{path}" does not exist (expected a scalars.json or a work dir)')


def load_lambda_curve(path: PathLike) -> LambdaCurve:
    """Lambda over training from mmengine's ``vis_data/scalars.json``.

    ``AdversarialBalanceHook`` puts the batch mean and std of lambda into the message hub as
    ``train/lambda_mean`` / ``train/lambda_std``; mmengine's ``LoggerHook`` writes them (averaged
    over its logging window, ``default_hooks.logger.interval``) as ``lambda_mean`` /
    ``lambda_std`` with ``iter`` into ``scalars.json``, one JSON object per line.

    ``path`` may be that file or a work dir: then the ``scalars.json`` of all its runs
    (``<timestamp>/vis_data/``, e.g. a run and its resumptions) are read oldest first, a later
    run's value replacing an earlier one at the same iteration.

    Args:
        path (str | PathLike): A ``scalars.json`` file or a work dir.

    Returns:
        LambdaCurve: ``iters``, ``mean`` and ``std`` (None when no std was logged), sorted by
        iteration.

    Raises:
        FileNotFoundError: If no ``scalars.json`` is found.
        ValueError: If the files hold no lambda entry (the message names them).

    Example:
        >>> import json, tempfile
        >>> path = tempfile.mktemp(suffix='.json')
        >>> with open(path, 'w') as f:
        ...     for it, lam in [(20, 0.5), (40, 0.6)]:
        ...         print(json.dumps(dict(lambda_mean=lam, lambda_std=0.1, iter=it, step=it)),
        ...               file=f)
        >>> load_lambda_curve(path).mean
        array([0.5, 0.6])
    """
    files = _scalars_files(os.fspath(path))
    rows: Dict[int, Tuple[float, Optional[float]]] = {}
    for file in files:
        with open(file) as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f'{file}:{lineno}: not a JSON object ({err})') from err
                mean = row.get('lambda_mean', row.get('train/lambda_mean'))
                if mean is None:
                    continue
                step = row.get('iter', row.get('step'))
                if step is None:
                    raise ValueError(f'{file}:{lineno}: a lambda entry without "iter" or "step"')
                std = row.get('lambda_std', row.get('train/lambda_std'))
                rows[int(step)] = (float(mean), None if std is None else float(std))
    if not rows:
        raise ValueError(f'no lambda entries ("lambda_mean") in {", ".join(files)}: lambda is '
                         'logged by AdversarialBalanceHook (custom_hooks) in CalibratedDistiller '
                         'runs')
    iters = np.asarray(sorted(rows))
    mean = np.asarray([rows[i][0] for i in iters])
    stds = [rows[i][1] for i in iters]
    std = None if all(s is None for s in stds) else np.asarray(
        [np.nan if s is None else s for s in stds])
    return LambdaCurve(iters, mean, std)


def labelled_paths(items: Sequence[str]) -> Dict[str, str]:
    """``{label: path}`` of ``LABEL=PATH`` strings (command-line inputs of the plot tools).

    A bare ``PATH`` is labelled with its file name without extension. Labels must be unique.

    Example:
        >>> labelled_paths(['FP=teacher.pth', 'work_dirs/ce/epoch_90.pth'])
        {'FP': 'teacher.pth', 'epoch_90': 'work_dirs/ce/epoch_90.pth'}
    """
    out: Dict[str, str] = {}
    for item in items:
        label, sep, path = item.partition('=')
        if not sep:
            label, path = osp.splitext(osp.basename(osp.normpath(item)))[0], item
        if not label or not path:
            raise ValueError(f'expected LABEL=PATH, got "{item}"')
        if label in out:
            raise ValueError(f'label "{label}" is given twice ({out[label]}, {path})')
        out[label] = path
    return out


# ---------------------------------------------------------------------------------- drawing
def head_to_tail_order(class_counts: Sequence[int]) -> np.ndarray:
    """Class indices from most to fewest training images (ties: lower index first).

    Example:
        >>> head_to_tail_order([5, 50, 5, 500]).tolist()
        [3, 1, 0, 2]
    """
    return np.argsort(-np.asarray(class_counts), kind='stable')


def shade_shot_groups(ax: Any, sorted_counts: Sequence[int], many_thr: int = 100,
                      few_thr: int = 20, labels: bool = True) -> np.ndarray:
    """Shade the many / medium / few-shot ranks of a head-to-tail axis and name them.

    The x axis is the class rank (0 = head, one unit per class). Each group present gets a
    light span in its :data:`SHOT_GROUP_STYLE` colour and, with ``labels``, its name and size
    just above the axes.

    Args:
        ax (matplotlib.axes.Axes): The axes.
        sorted_counts (Sequence[int]): Training counts in head-to-tail order.
        many_thr (int): Many-shot: more images than this. Defaults to 100.
        few_thr (int): Few-shot: fewer images than this. Defaults to 20.
        labels (bool): Write the group names above the axes. Defaults to True.

    Returns:
        np.ndarray: Group index of every rank (0 many, 1 medium, 2 few).

    Example:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> shade_shot_groups(ax, [500, 100, 20, 19]).tolist()
        [0, 1, 1, 2]
    """
    group_of = np.zeros(len(sorted_counts), dtype=np.int64)
    ranks_of = shot_groups(sorted_counts, many_thr, few_thr)
    for gid, (name, color) in enumerate(SHOT_GROUP_STYLE):
        ranks = ranks_of[name]
        if not len(ranks):
            continue
        group_of[ranks] = gid
        ax.axvspan(ranks[0] - 0.5, ranks[-1] + 0.5, color=color, alpha=0.15, lw=0)
        if labels:
            ax.text((ranks[0] + ranks[-1]) / 2, 1.01, f'{name}\n{len(ranks)} classes',
                    transform=ax.get_xaxis_transform(), ha='center', va='bottom', fontsize=9,
                    color=color)
    return group_of


def _check_counts(class_counts: Sequence[int]) -> np.ndarray:
    counts = np.asarray(class_counts)
    if counts.ndim != 1 or not len(counts) or (counts < 0).any():
        raise ValueError(f'class_counts must be a non-empty list of counts >= 0, got '
                         f'{np.asarray(class_counts).tolist()[:10]}')
    return counts.astype(np.int64)


def _per_class(values: ArrayLike, num_classes: int, what: str) -> np.ndarray:
    if torch.is_tensor(values):
        values = values.detach().cpu().numpy()
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (num_classes, ):
        raise ValueError(f'{what}: expected {num_classes} per-class values (one per class of '
                         f'class_counts), got shape {values.shape}')
    return values


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window`` ranks, ignoring NaN (shorter at the ends)."""
    if window <= 1:
        return values
    valid = ~np.isnan(values)
    kernel = np.ones(int(window))
    total = np.convolve(np.where(valid, values, 0.0), kernel, mode='same')
    count = np.convolve(valid.astype(np.float64), kernel, mode='same')
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _nanmean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else float('nan')


class _HeadToTail(NamedTuple):
    fig: Figure
    axes: List[Any]
    order: np.ndarray
    group_of: np.ndarray


def _head_to_tail_figure(class_counts: Sequence[int], nrows: int, many_thr: int, few_thr: int,
                         class_names: Optional[Sequence[str]], title: Optional[str],
                         ylabels: Sequence[str]) -> _HeadToTail:
    """A figure of ``nrows`` panels sharing a head-to-tail class axis, groups shaded."""
    counts = _check_counts(class_counts)
    order = head_to_tail_order(counts)
    sorted_counts = counts[order]
    num = len(counts)
    fig = Figure(figsize=(max(6.5, min(11.0, 0.25 * num + 4)), 0.9 + 3.3 * nrows), dpi=120,
                 layout='constrained')
    axes = list(fig.subplots(nrows, 1, sharex=True, squeeze=False)[:, 0])
    for row, ax in enumerate(axes):
        group_of = shade_shot_groups(ax, sorted_counts, many_thr, few_thr, labels=row == 0)
        ax.set_xlim(-0.5, num - 0.5)
        ax.set_ylabel(ylabels[row])
        ax.grid(axis='y', alpha=0.3)
    if num <= 40:
        names = [str(i) for i in range(num)] if class_names is None else class_names
        axes[-1].set_xticks(np.arange(num))
        axes[-1].set_xticklabels([f'{names[i]} ({counts[i]})' for i in order], rotation=45,
                                 ha='right', fontsize=8)
        axes[-1].set_xlabel('class (training images), head to tail')
    else:
        axes[-1].set_xlabel(f'class rank, head to tail ({sorted_counts[0]} to '
                            f'{sorted_counts[-1]} training images)')
    axes[0].set_title(title or '', fontsize=10, pad=30)
    return _HeadToTail(fig, axes, order, group_of)


def _group_means(ax: Any, sorted_values: np.ndarray, group_of: np.ndarray,
                 colors: Sequence[str], fmt: Optional[str] = None) -> None:
    """A dashed segment at the mean of each shot group (colour ``colors[group]``).

    With ``fmt`` each segment gets a legend entry ``'<group> mean <value>'``.
    """
    for gid in np.unique(group_of):
        ranks = np.flatnonzero(group_of == gid)
        mean = _nanmean(sorted_values[ranks])
        if np.isnan(mean):
            continue
        label = None if fmt is None else f'{SHOT_GROUP_STYLE[gid][0]} mean {fmt.format(mean)}'
        ax.hlines(mean, ranks[0] - 0.45, ranks[-1] + 0.45, colors=colors[gid], linestyles='--',
                  lw=1.6, alpha=0.9, label=label)


def _draw_series(ax: Any, sorted_values: np.ndarray, label: str, color: str,
                 smooth: int) -> None:
    """Per-class values as a line (markers for few classes); faint raw line when smoothed."""
    ranks = np.arange(len(sorted_values))
    marker = 'o' if len(ranks) <= 50 else None
    if smooth > 1:
        ax.plot(ranks, sorted_values, color=color, lw=0.8, alpha=0.3)
        ax.plot(ranks, _moving_average(sorted_values, smooth), color=color, lw=1.8,
                label=label)
    else:
        ax.plot(ranks, sorted_values, color=color, lw=1.5, marker=marker, ms=4, label=label)


def _draw_gap(ax: Any, sorted_gap: np.ndarray, group_of: np.ndarray, smooth: int,
              definition: str) -> None:
    """The per-class gap as bars (few classes) or a line, with the shot-group means."""
    ax.axhline(0.0, color='black', lw=0.8)
    ranks = np.arange(len(sorted_gap))
    if len(ranks) <= 50:
        per_class = ax.bar(ranks, sorted_gap, width=0.6, color='0.45',
                           label=f'per class: {definition}')
    else:
        per_class, = ax.plot(ranks, sorted_gap, color='0.45', lw=0.8,
                             label=f'per class: {definition}')
    if smooth > 1:
        ax.plot(ranks, _moving_average(sorted_gap, smooth), color='black', lw=1.8,
                label=f'moving average over {smooth} classes')
    _group_means(ax, sorted_gap, group_of, [color for _, color in SHOT_GROUP_STYLE],
                 fmt='{:+.3g}')
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.35 * (high - low))  # headroom for the legend
    handles = [h for h in ax.get_legend_handles_labels()[0] if h is not per_class]
    ax.legend(handles=[per_class] + handles, fontsize=8, loc='best')


def _gap(fp: np.ndarray, binary: np.ndarray, sign: str) -> np.ndarray:
    if sign not in GAP_SIGNS:
        raise ValueError(f'sign must be one of {GAP_SIGNS}, got "{sign}"')
    return fp - binary if sign == 'fp-binary' else binary - fp


def _save(fig: Figure, out_path: PathLike) -> Figure:
    out_path = os.fspath(out_path)
    if osp.dirname(out_path):
        os.makedirs(osp.dirname(out_path), exist_ok=True)
    fig.savefig(out_path)
    return fig


# ---------------------------------------------------------------------------------- figures
def plot_weight_norms(norms: Mapping[str, ArrayLike],
                      class_counts: Sequence[int],
                      out_path: PathLike,
                      gap: Optional[Tuple[str, str]] = None,
                      normalize: bool = False,
                      many_thr: int = 100,
                      few_thr: int = 20,
                      class_names: Optional[Sequence[str]] = None,
                      title: Optional[str] = None) -> Figure:
    """Per-class classifier weight norms of several checkpoints, head to tail.

    The seed paper's Fig. 1: a binary network trained on long-tailed data gets ever larger
    class weights toward the tail compared with a full-precision (FP) one ("Binary-FP gap"),
    which Calibrate-and-Distill narrows. With ``gap=(fp_label, binary_label)`` a second panel
    shows that gap, ``binary - FP`` per class, with its shot-group means.

    Args:
        norms (Mapping[str, array]): ``{label: per-class norms}`` (index = class label), e.g.
            from :func:`classifier_weight_norms`; drawn in this order.
        class_counts (Sequence[int]): Training images per class.
        out_path (str | PathLike): Image file to write (PNG, or any matplotlib format).
        gap (tuple[str, str], optional): ``(fp_label, binary_label)``: add the gap panel.
        normalize (bool): Divide each checkpoint's norms by their mean, to compare shapes of
            networks whose features have different scales. Defaults to False.
        many_thr (int): Many-shot: more training images than this. Defaults to 100.
        few_thr (int): Few-shot: fewer training images than this. Defaults to 20.
        class_names (Sequence[str], optional): Tick labels (used up to 40 classes).
        title (str, optional): Figure title.

    Returns:
        matplotlib.figure.Figure: The saved figure.

    Example:
        >>> import tempfile
        >>> counts = [1000, 599, 359, 215, 129, 77, 46, 27, 16, 10]
        >>> fig = plot_weight_norms(
        ...     {'FP': [1.0] * 10, 'binary': [1.0 + 0.1 * i for i in range(10)]}, counts,
        ...     tempfile.mktemp(suffix='.png'), gap=('FP', 'binary'))
        >>> len(fig.axes)
        2
    """
    if not norms:
        raise ValueError('plot_weight_norms: no norms given')
    if gap is not None and any(label not in norms for label in gap):
        raise KeyError(f'plot_weight_norms: gap labels {list(gap)} must be among the norms\' '
                       f'labels {list(norms)}')
    num = len(_check_counts(class_counts))
    values = {label: _per_class(v, num, f'norms of "{label}"') for label, v in norms.items()}
    if normalize:
        values = {label: v / v.mean() for label, v in values.items()}
    unit = 'norm / mean norm' if normalize else 'L2 norm'
    ylabels = [f'class weight {unit}', 'Binary-FP gap']
    fig, axes, order, group_of = _head_to_tail_figure(
        class_counts, 2 if gap else 1, many_thr, few_thr, class_names,
        title or 'classifier weight norms per class', ylabels)
    for i, (label, v) in enumerate(values.items()):
        _draw_series(axes[0], v[order], label, f'C{i}', smooth=1)
    axes[0].legend(fontsize=8, loc='best')
    if gap:
        _draw_gap(axes[1], _gap(values[gap[0]], values[gap[1]], 'binary-fp')[order], group_of,
                  smooth=1, definition=f'{gap[1]} - {gap[0]}')
    return _save(fig, out_path)


def plot_binary_fp_gap(fp_values: ArrayLike,
                       binary_values: ArrayLike,
                       class_counts: Sequence[int],
                       out_path: PathLike,
                       quantity: str = 'accuracy (%)',
                       sign: str = 'fp-binary',
                       labels: Tuple[str, str] = ('FP', 'binary'),
                       smooth: int = 1,
                       many_thr: int = 100,
                       few_thr: int = 20,
                       class_names: Optional[Sequence[str]] = None,
                       title: Optional[str] = None) -> Figure:
    """The per-class gap between a full-precision and a binary run, head to tail.

    In the style of the seed paper's Fig. 1 (Binary-FP gap): the difference per class in
    head-to-tail order, the mean of each shot group as a dashed segment with its value, and
    optionally a moving average over ``smooth`` classes (useful with hundreds of classes).

    Args:
        fp_values (array): Per-class values of the FP model (index = class label).
        binary_values (array): Per-class values of the binary model.
        class_counts (Sequence[int]): Training images per class.
        out_path (str | PathLike): Image file to write.
        quantity (str): What the values are, for the axis label. Defaults to
            ``'accuracy (%)'``.
        sign (str): ``'fp-binary'`` (default; accuracy lost by binarisation is positive) or
            ``'binary-fp'`` (the paper's weight-norm gap, positive when binary norms are larger).
        labels (tuple[str, str]): Names of the FP and binary runs. Defaults to
            ``('FP', 'binary')``.
        smooth (int): Moving-average window in classes; 1 (default) draws no average.
        many_thr (int): Many-shot: more training images than this. Defaults to 100.
        few_thr (int): Few-shot: fewer training images than this. Defaults to 20.
        class_names (Sequence[str], optional): Tick labels (used up to 40 classes).
        title (str, optional): Figure title.

    Returns:
        matplotlib.figure.Figure: The saved figure.

    Example:
        >>> import tempfile
        >>> counts = [1000, 599, 359, 215, 129, 77, 46, 27, 16, 10]
        >>> fig = plot_binary_fp_gap([90.0] * 10, [88.0 - 3 * i for i in range(10)], counts,
        ...                          tempfile.mktemp(suffix='.png'))
        >>> float(fig.axes[0].patches[-1].get_height())  # the tail class: 90 - 61
        29.0
    """
    num = len(_check_counts(class_counts))
    fp = _per_class(fp_values, num, f'{labels[0]} values')
    binary = _per_class(binary_values, num, f'{labels[1]} values')
    gap = _gap(fp, binary, sign)
    first, second = labels if sign == 'fp-binary' else labels[::-1]
    fig, axes, order, group_of = _head_to_tail_figure(
        class_counts, 1, many_thr, few_thr, class_names,
        title or f'Binary-FP gap per class ({quantity})', [f'{quantity} gap'])
    _draw_gap(axes[0], gap[order], group_of, smooth, definition=f'{first} - {second}')
    return _save(fig, out_path)


def plot_per_class_accuracy(accs: Mapping[str, ArrayLike],
                            class_counts: Sequence[int],
                            out_path: PathLike,
                            smooth: int = 1,
                            group_means: bool = True,
                            many_thr: int = 100,
                            few_thr: int = 20,
                            class_names: Optional[Sequence[str]] = None,
                            title: Optional[str] = None) -> Figure:
    """Per-class accuracy of several runs, head to tail.

    Each run is a line (its mean per-class accuracy in the legend); with ``group_means`` the
    mean over each shot group is a dashed segment in the run's colour. NaN (a class without test
    images) leaves a hole and is left out of the means.

    Args:
        accs (Mapping[str, array]): ``{label: per-class accuracy}`` (index = class label, e.g.
            from :func:`load_per_class_accuracy`); drawn in this order.
        class_counts (Sequence[int]): Training images per class.
        out_path (str | PathLike): Image file to write.
        smooth (int): Moving-average window in classes; 1 (default) draws the raw values.
        group_means (bool): Draw the shot-group means. Defaults to True.
        many_thr (int): Many-shot: more training images than this. Defaults to 100.
        few_thr (int): Few-shot: fewer training images than this. Defaults to 20.
        class_names (Sequence[str], optional): Tick labels (used up to 40 classes).
        title (str, optional): Figure title.

    Returns:
        matplotlib.figure.Figure: The saved figure.

    Example:
        >>> import tempfile
        >>> fig = plot_per_class_accuracy({'CE': [90.0, 50.0, 10.0]}, [5, 500, 50],
        ...                               tempfile.mktemp(suffix='.png'), group_means=False)
        >>> fig.axes[0].lines[0].get_ydata().tolist()  # head (500 images) first
        [50.0, 10.0, 90.0]
    """
    if not accs:
        raise ValueError('plot_per_class_accuracy: no accuracies given')
    num = len(_check_counts(class_counts))
    values = {label: _per_class(v, num, f'accuracy of "{label}"') for label, v in accs.items()}
    fig, axes, order, group_of = _head_to_tail_figure(
        class_counts, 1, many_thr, few_thr, class_names, title or 'per-class accuracy',
        ['accuracy (%)' + (f', moving average over {smooth} classes' if smooth > 1 else '')])
    ax = axes[0]
    for i, (label, v) in enumerate(values.items()):
        _draw_series(ax, v[order], f'{label} (mean {_nanmean(v):.1f})', f'C{i}', smooth)
        if group_means:  # one run: a legend entry per group mean; several: one entry for all
            _group_means(ax, v[order], group_of, [f'C{i}'] * len(SHOT_GROUP_STYLE),
                         fmt='{:.1f}' if len(values) == 1 else None)
    if group_means and len(values) > 1:
        ax.plot([], [], color='0.3', ls='--', label='shot-group means')
    top = max([np.nanmax(v) for v in values.values() if not np.isnan(v).all()] or [100.0])
    ax.set_ylim(-2, 102 if top > 1.0 else 1.02)
    ax.legend(fontsize=8, loc='best')
    return _save(fig, out_path)


def plot_lambda_curve(scalars_json_paths: Mapping[str, PathLike],
                      out_path: PathLike,
                      std_band: bool = True,
                      title: Optional[str] = None) -> Figure:
    """Lambda (weight of the logit term of the distillation loss) over training iterations.

    One line per run, the mean of lambda over the batch, with a +-std band when the std was
    logged (:func:`load_lambda_curve`; values are the logger's window averages).

    Args:
        scalars_json_paths (Mapping[str, str | PathLike]): ``{label: scalars.json or work dir}``.
        out_path (str | PathLike): Image file to write.
        std_band (bool): Shade mean +- std. Defaults to True.
        title (str, optional): Figure title.

    Returns:
        matplotlib.figure.Figure: The saved figure.

    Example:
        >>> import json, tempfile
        >>> path = tempfile.mktemp(suffix='.json')
        >>> with open(path, 'w') as f:
        ...     for it in range(1, 5):
        ...         print(json.dumps(dict(lambda_mean=0.5 + 0.1 * it, iter=it)), file=f)
        >>> fig = plot_lambda_curve({'run': path}, tempfile.mktemp(suffix='.png'))
        >>> fig.axes[0].lines[0].get_xdata().tolist()
        [1, 2, 3, 4]
    """
    if not scalars_json_paths:
        raise ValueError('plot_lambda_curve: no runs given')
    curves = {label: load_lambda_curve(path) for label, path in scalars_json_paths.items()}
    fig = Figure(figsize=(7.5, 4.2), dpi=120, layout='constrained')
    ax = fig.add_subplot()
    for i, (label, curve) in enumerate(curves.items()):
        ax.plot(curve.iters, curve.mean, color=f'C{i}', lw=1.6,
                marker='o' if len(curve.iters) <= 30 else None, ms=3,
                label=f'{label} (last {curve.mean[-1]:.3f})')
        if std_band and curve.std is not None:
            ax.fill_between(curve.iters, np.clip(curve.mean - curve.std, 0, 1),
                            np.clip(curve.mean + curve.std, 0, 1), color=f'C{i}', alpha=0.2,
                            lw=0)
    ax.axhline(0.5, color='grey', lw=0.8, ls=':')
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel('iteration')
    ax.set_ylabel('λ (weight of the logit term)')
    ax.grid(alpha=0.3)
    handles = ax.get_legend_handles_labels()[0]
    if std_band and any(curve.std is not None for curve in curves.values()):
        handles.append(Patch(color='0.5', alpha=0.3, label='mean ± std of λ over the batch'))
    ax.legend(handles=handles, fontsize=8, loc='best')
    ax.set_title(title or 'distillation balance: λ · logit term + (1 - λ) · feature term',
                 fontsize=10)
    return _save(fig, out_path)
