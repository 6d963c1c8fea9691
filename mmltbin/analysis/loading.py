"""Inputs of the analysis figures, read from the files the tools write.

- :func:`classifier_weight_norms`: per-class norms of a checkpoint's last linear classifier.
- :func:`class_counts_from_config`, :func:`class_counts_from_checkpoint`,
  :func:`load_class_counts`: the training set's images per class (and class names).
- :func:`load_per_class_accuracy`: per-class accuracy of ``tools/test.py --out metrics.json``.
- :func:`load_lambda_curve`: the distillation balance lambda from mmengine's
  ``vis_data/scalars.json``.
- :func:`labelled_paths`: ``LABEL=PATH`` command-line inputs of the plot tools.

The figures that draw them are in :mod:`mmltbin.analysis.plots`.
"""
import glob
import json
import os
import os.path as osp
import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import torch

PathLike = Union[str, os.PathLike]

#: State-dict keys tried, in order, for the last linear classifier's weight: mmpretrain's
#: ``LinearClsHead`` (``ImageClassifier``, ``LinearProbeClassifier``, the student of
#: ``CalibratedDistiller``), a bare linear head, a saved ``FrozenTeacher``, mmpretrain's ViT head,
#: torchvision ResNets, timm / torchvision classifiers.
CLASSIFIER_WEIGHT_KEYS = ('head.fc.weight', 'head.weight', 'model.head.fc.weight',
                          'head.layers.head.weight', 'fc.weight', 'classifier.weight')

CHECKPOINT_SUFFIXES = ('.pth', '.pt', '.ckpt', '.bin')


class LambdaCurve(NamedTuple):
    """Lambda logged during training: iterations, mean and (if logged) std over the batch."""
    iters: np.ndarray
    mean: np.ndarray
    std: Optional[np.ndarray]



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
