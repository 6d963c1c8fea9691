"""Top-1, many/medium/few-shot and per-class accuracy for long-tailed classification."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

SHOT_GROUPS = ('many', 'medium', 'few')


def shot_groups(class_counts: Sequence[int], many_thr: int = 100,
                few_thr: int = 20) -> Dict[str, np.ndarray]:
    """Classes of each shot group from their training counts.

    many: ``n > many_thr``; few: ``n < few_thr``; medium: the rest
    (``few_thr <= n <= many_thr``). The defaults are the usual >100 / 20-100 / <20.

    Args:
        class_counts (Sequence[int]): Training images per class (index = label).
        many_thr (int): Defaults to 100.
        few_thr (int): Defaults to 20.

    Returns:
        dict: ``{'many': ids, 'medium': ids, 'few': ids}``, sorted class indices.

    Example:
        >>> {k: v.tolist() for k, v in shot_groups([500, 100, 20, 19]).items()}
        {'many': [0], 'medium': [1, 2], 'few': [3]}
    """
    if few_thr > many_thr:
        raise ValueError(f'shot groups: few_thr ({few_thr}) must be <= many_thr ({many_thr})')
    counts = np.asarray(class_counts)
    return {
        'many': np.flatnonzero(counts > many_thr),
        'medium': np.flatnonzero((counts >= few_thr) & (counts <= many_thr)),
        'few': np.flatnonzero(counts < few_thr),
    }


@METRICS.register_module()
class ShotAccuracy(BaseMetric):
    """Accuracy on a balanced test set, split by how many training images each class had.

    Reported (in %, keys prefixed ``accuracy/`` by default):

    - ``top1``: fraction of test images classified correctly.
    - ``mean_per_class``: mean over classes of the per-class accuracy (equal to ``top1`` on a
      perfectly balanced test set).
    - ``many`` / ``medium`` / ``few``: mean per-class accuracy over the classes of each shot group
      (training count ``> many_thr``, between, ``< few_thr``; as in Liu et al. 2019).
      **A group with no class (e.g. no few-shot class in CIFAR-10-LT) is reported as nan**, so
      every run has the same keys and a table shows the gap plainly.
    - ``per_class`` (if ``per_class=True``): list of per-class accuracies, nan for a class with no
      test image.

    Classes with no test image are left out of every mean. The training counts come from
    :meth:`set_class_counts` (called by ``ClassCountsHook`` from the train dataset's
    ``metainfo['class_counts']``) or from ``class_counts``. Predictions are collected from all
    ranks before computing (``BaseMetric``), so distributed evaluation gives the single-process
    result.

    Args:
        many_thr (int): Classes with more training images are many-shot. Defaults to 100.
        few_thr (int): Classes with fewer training images are few-shot. Defaults to 20.
        class_counts (Sequence[int], optional): Training images per class (index = label).
        per_class (bool): Also return the list of per-class accuracies. Defaults to True.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Key prefix. Defaults to ``'accuracy'``.

    Example:
        >>> import torch
        >>> from mmltbin.evaluation import ShotAccuracy
        >>> metric = ShotAccuracy(class_counts=[200, 50, 5], per_class=False)
        >>> samples = [dict(pred_label=torch.tensor([p]), gt_label=torch.tensor([g]))
        ...            for p, g in [(0, 0), (0, 0), (1, 1), (0, 1), (2, 2), (0, 2)]]
        >>> metric.process(None, samples)
        >>> {k: round(v, 2) for k, v in metric.evaluate(len(samples)).items()}
        {'accuracy/top1': 66.67, 'accuracy/mean_per_class': 66.67, 'accuracy/many': 100.0, \
'accuracy/medium': 50.0, 'accuracy/few': 50.0}
    """

    default_prefix: Optional[str] = 'accuracy'

    def __init__(self,
                 many_thr: int = 100,
                 few_thr: int = 20,
                 class_counts: Optional[Sequence[int]] = None,
                 per_class: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if few_thr > many_thr:
            raise ValueError(f'ShotAccuracy: few_thr ({few_thr}) must be <= many_thr '
                             f'({many_thr})')
        self.many_thr = many_thr
        self.few_thr = few_thr
        self.per_class = per_class
        self.class_counts: Optional[List[int]] = None
        if class_counts is not None:
            self.set_class_counts(class_counts)

    def set_class_counts(self, counts: Sequence[int]) -> None:
        """Set the training images per class (index = label)."""
        counts = [int(c) for c in counts]
        if not counts or min(counts) < 0:
            raise ValueError(f'ShotAccuracy: class_counts must be a non-empty list of counts >= 0, '
                             f'got {counts[:10]}')
        self.class_counts = counts

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the (predicted, true) label of every sample."""
        for sample in data_samples:
            if 'pred_label' in sample:
                pred = int(torch.as_tensor(sample['pred_label']).reshape(-1)[0])
            else:
                pred = int(torch.as_tensor(sample['pred_score']).argmax())
            self.results.append((pred, int(torch.as_tensor(sample['gt_label']).reshape(-1)[0])))

    def compute_metrics(self, results: List[Tuple[int, int]]) -> Dict[str, object]:
        """Compute the accuracies from the (predicted, true) labels of all ranks."""
        if self.class_counts is None:
            raise RuntimeError(
                'ShotAccuracy has no training class counts: add ClassCountsHook to the config '
                "(default_hooks.class_counts=dict(type='ClassCountsHook'), as "
                "configs/_base_/default_runtime.py does) with a "
                'training dataset whose metainfo has class_counts (LongTailDataset), or pass '
                'class_counts=[...] to ShotAccuracy')
        num_classes = len(self.class_counts)
        pairs = np.asarray(results, dtype=np.int64).reshape(-1, 2)
        pred, gt = pairs[:, 0], pairs[:, 1]
        if len(gt) and (gt.min() < 0 or gt.max() >= num_classes):
            raise ValueError(f'ShotAccuracy: test label {gt.max()} is outside the {num_classes} '
                             'classes of class_counts')
        total = np.bincount(gt, minlength=num_classes)
        correct = np.bincount(gt[pred == gt], minlength=num_classes)
        with np.errstate(invalid='ignore', divide='ignore'):
            per_class = np.where(total > 0, 100.0 * correct / np.maximum(total, 1), np.nan)

        def mean_of(classes: np.ndarray) -> float:
            values = per_class[classes]
            values = values[~np.isnan(values)]
            return float(values.mean()) if len(values) else float('nan')

        metrics: Dict[str, object] = {
            'top1': float(100.0 * (pred == gt).mean()) if len(gt) else float('nan'),
            'mean_per_class': mean_of(np.arange(num_classes)),
        }
        for name, classes in shot_groups(self.class_counts, self.many_thr, self.few_thr).items():
            metrics[name] = mean_of(classes)
        if self.per_class:
            metrics['per_class'] = [float(v) for v in per_class]
        return metrics
