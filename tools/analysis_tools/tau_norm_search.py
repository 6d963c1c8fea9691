"""Choose tau for tau-normalisation (or post-hoc logit adjustment) on a balanced held-out split.

tau-normalisation (Kang et al., ICLR 2020) divides every class weight vector of a trained linear
classifier by its norm ** tau (``TauNormClsHead``); post-hoc logit adjustment (Menon et al.,
ICLR 2021) subtracts tau * log(class prior) from the scores (``LogitAdjustedLinearClsHead``).
Both have one knob, which must be chosen on data the test set never sees. This tool extracts
the features of a balanced split once, scores every candidate tau with the checkpoint's
classifier (``head.fc``) and prints the mean per-class accuracy of each, and the best.

The split (``--split``):

- ``held-out`` (default): training images the long-tailed subset did *not* keep, the same
  number per class (``--per-class``), drawn with ``--seed``. Needs a ``LongTailDataset`` in
  ``train_dataloader`` whose classes have that many unused images (Fashion-MNIST-LT keeps at
  most 1,000 of 6,000 per class). Images go through the test pipeline.
- ``val``: the config's ``val_dataloader`` (for datasets that ship a validation split, e.g.
  ImageNet-LT). Where the val set is the test set, the chosen tau is optimistic.

Usage:
    python tools/analysis_tools/tau_norm_search.py CONFIG CHECKPOINT
        [--method tau-norm|logit-adjust] [--taus 0 0.5 1 ...] [--split held-out|val]
        [--per-class 100] [--seed 0] [--keep-bias] [--batch-size 256] [--out result.json]
        [--cfg-options k=v ...]
Then test with the chosen value, e.g.
    python tools/test.py configs/baselines/reactnet-a_tau-norm_fashion-mnist-lt.py CHECKPOINT \
        --cfg-options model.head.tau=TAU
"""
import argparse
import copy
import json
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

DEFAULT_TAUS = [round(0.1 * i, 1) for i in range(21)]  # 0.0, 0.1, ..., 2.0
METHODS = ('tau-norm', 'logit-adjust')


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(
        description='Search tau of tau-normalisation / post-hoc logit adjustment')
    parser.add_argument('config', help='config of the trained model (e.g. the CE baseline)')
    parser.add_argument('checkpoint', help='checkpoint of the trained model')
    parser.add_argument('--method', choices=METHODS, default='tau-norm',
                        help='what tau controls (default tau-norm)')
    parser.add_argument('--taus', type=float, nargs='+', default=DEFAULT_TAUS,
                        help='candidate values (default 0.0, 0.1, ..., 2.0)')
    parser.add_argument('--split', choices=('held-out', 'val'), default='held-out',
                        help='where to evaluate (default: unused training images)')
    parser.add_argument('--per-class', type=int, default=100,
                        help='held-out images per class (default 100)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the held-out draw')
    parser.add_argument('--keep-bias', action='store_true',
                        help='tau-norm: add the classifier bias (the reference drops it)')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--out', help='write the scores and the best tau to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def held_out_indices(train_set, per_class: int, seed: int) -> np.ndarray:
    """``per_class`` indices per class of the wrapped dataset that the LT subset did not keep.

    Args:
        train_set (LongTailDataset): The long-tailed training set.
        per_class (int): Images per class.
        seed (int): Seed of the draw (class ``c`` uses the generator ``(seed, c)``).

    Returns:
        np.ndarray: Sorted indices into ``train_set.dataset``.
    """
    from mmltbin.datasets import gt_labels_of

    if per_class < 1:
        raise ValueError(f'--per-class must be >= 1, got {per_class}')
    labels = gt_labels_of(train_set.dataset)
    unused = np.ones(len(labels), dtype=bool)
    unused[train_set.indices] = False
    chosen = []
    for c in range(len(train_set.metainfo['class_counts'])):
        pool = np.flatnonzero(unused & (labels == c))
        if len(pool) < per_class:
            raise ValueError(
                f'class {c} has only {len(pool)} training images outside the long-tailed subset, '
                f'fewer than --per-class {per_class}; lower --per-class or use --split val')
        order = np.random.default_rng([seed, c]).permutation(len(pool))
        chosen.append(pool[order[:per_class]])
    return np.sort(np.concatenate(chosen))


def build_split(cfg, split: str, per_class: int, seed: int):
    """The evaluation dataset (test pipeline) and the training class counts (or None)."""
    from mmpretrain.registry import DATASETS
    from torch.utils.data import Subset

    from mmltbin.datasets import LongTailDataset, build_dataset_from_cfg

    train_set = build_dataset_from_cfg(cfg, 'train_dataloader')  # no pipeline: labels only
    counts = getattr(train_set, 'metainfo', {}).get('class_counts')
    if split == 'val':
        if not (cfg.get('val_dataloader') or {}).get('dataset'):
            raise ValueError('--split val needs val_dataloader.dataset in the config')
        return DATASETS.build(copy.deepcopy(cfg.val_dataloader.dataset)), counts
    if not isinstance(train_set, LongTailDataset):
        raise ValueError(f'--split held-out needs a LongTailDataset in train_dataloader, the '
                         f'config has {type(train_set).__name__}; use --split val')
    indices = held_out_indices(train_set, per_class, seed)
    wrapped_cfg = copy.deepcopy(cfg.train_dataloader.dataset.dataset)
    wrapped_cfg['pipeline'] = copy.deepcopy((cfg.get('test_dataloader')
                                             or cfg.val_dataloader).dataset.pipeline)
    return Subset(DATASETS.build(wrapped_cfg), indices.tolist()), counts


@torch.no_grad()
def extract_features(model, dataset, batch_size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pre-logit features (the head's input) and labels of every sample."""
    from mmengine.dataset import pseudo_collate
    from torch.utils.data import DataLoader

    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0,
                        collate_fn=pseudo_collate)
    feats, labels = [], []
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        feats.append(model.head.pre_logits(model.extract_feat(data['inputs'])))
        labels.append(torch.cat([s.gt_label for s in data['data_samples']]))
    return torch.cat(feats), torch.cat(labels)


def scores_for(method: str, tau: float, feats: torch.Tensor, weight: torch.Tensor,
               bias: Optional[torch.Tensor], counts: Optional[Sequence[int]],
               keep_bias: bool) -> torch.Tensor:
    """Class scores of the classifier ``(weight, bias)`` with the adjustment ``tau``."""
    from mmltbin.models.heads.tau_norm_head import tau_normalize
    from mmltbin.models.losses.balanced_softmax_loss import log_prior

    if method == 'tau-norm':
        return torch.nn.functional.linear(feats, tau_normalize(weight, tau),
                                          bias if keep_bias else None)
    if counts is None:
        raise ValueError('--method logit-adjust needs the training class counts: neither the '
                         'checkpoint (meta.dataset_meta.class_counts) nor the config\'s training '
                         'dataset has them')
    logits = torch.nn.functional.linear(feats, weight, bias)
    return logits - tau * log_prior(torch.tensor(counts, dtype=logits.dtype))


def per_class_accuracy(scores: torch.Tensor, labels: torch.Tensor, num_classes: int) -> List[float]:
    """Accuracy (%) of every class present in ``labels``; nan for an absent class."""
    pred = scores.argmax(dim=1)
    result = []
    for c in range(num_classes):
        mask = labels == c
        result.append(float('nan') if not mask.any() else
                      100.0 * (pred[mask] == c).double().mean().item())
    return result


def search(method: str, taus: Sequence[float], feats: torch.Tensor, labels: torch.Tensor,
           weight: torch.Tensor, bias: Optional[torch.Tensor], counts: Optional[Sequence[int]],
           keep_bias: bool = False) -> Dict:
    """Mean per-class accuracy for every tau; the best tau is the first with the top score."""
    rows = []
    for tau in taus:
        accs = per_class_accuracy(
            scores_for(method, tau, feats, weight, bias, counts, keep_bias), labels,
            weight.shape[0])
        rows.append(dict(tau=float(tau), mean_per_class=float(np.nanmean(accs)),
                         per_class=accs))
    best = max(rows, key=lambda r: r['mean_per_class'])  # max keeps the first of ties
    return dict(method=method, results=rows, best_tau=best['tau'],
                best_mean_per_class=best['mean_per_class'])


def main(argv=None) -> Dict:
    args = parse_args(argv)
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS

    import mmltbin  # noqa: F401  (registers components and safe checkpoint loading)
    from mmltbin.utils import load_checkpoint_safely

    if not osp.isfile(args.config):
        sys.exit(f'error: config file "{args.config}" does not exist')
    if not osp.isfile(args.checkpoint):
        sys.exit(f'error: checkpoint file "{args.checkpoint}" does not exist')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)

    dataset, counts = build_split(cfg, args.split, args.per_class, args.seed)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.get('backbone', {}).pop('init_cfg', None)  # weights come from the checkpoint
    if cfg.get('data_preprocessor') is not None:  # as the Runner does
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=False)
    model.eval()
    fc = getattr(model.head, 'fc', None)
    if not isinstance(getattr(fc, 'weight', None), torch.Tensor):
        sys.exit(f'error: the model\'s head ({type(model.head).__name__}) has no linear layer '
                 '`fc`; tau search needs a LinearClsHead-like classifier')
    meta = load_checkpoint_safely(args.checkpoint).get('meta') or {}
    counts = (meta.get('dataset_meta') or {}).get('class_counts') or counts

    feats, labels = extract_features(model, dataset, args.batch_size)
    result = search(args.method, args.taus, feats, labels, fc.weight.detach(),
                    None if fc.bias is None else fc.bias.detach(), counts, args.keep_bias)
    result.update(split=args.split, num_images=int(len(labels)), checkpoint=args.checkpoint)

    print(f'{args.method} on {result["num_images"]} images ({args.split} split)')
    print('   tau   mean per-class acc (%)')
    for row in result['results']:
        mark = '  <- best' if row['tau'] == result['best_tau'] else ''
        print(f'{row["tau"]:6.2f}   {row["mean_per_class"]:6.2f}{mark}')
    key = 'model.head.tau'
    head = 'TauNormClsHead' if args.method == 'tau-norm' else 'LogitAdjustedLinearClsHead'
    print(f'best tau {result["best_tau"]:g}: test with model.head.type={head} '
          f'{key}={result["best_tau"]:g}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
