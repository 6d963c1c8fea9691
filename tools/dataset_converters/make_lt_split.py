"""Write a long-tailed (LT) annotation file from any dataset config.

Takes the config's ``train_dataloader.dataset`` (a balanced dataset, or a ``LongTailDataset``
whose settings become the defaults), keeps an LT subset with ``LongTailDataset`` and writes it,
one ``key label`` line per kept sample (``key`` = image path relative to the dataset's image
prefix, or the sample index for in-memory datasets such as MNIST/CIFAR). No image is read.

Usage:
    python tools/dataset_converters/make_lt_split.py CONFIG OUT_FILE \
        [--profile exp|step|counts] [--rho 100] [--n-max N] [--counts N ...] \
        [--class-order index|shuffle] [--seed 0] [--step-fraction 0.5] [--num-classes C] \
        [--cfg-options k=v ...]

Then train on exactly that subset with
    train_dataloader.dataset = dict(type='LongTailDataset', dataset=<the balanced dataset>,
                                    profile='file', ann_file=OUT_FILE)
(for datasets of image files the file is also a CustomDataset annotation list).
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction

import mmltbin  # noqa: F401  (registers LongTailDataset)
from mmltbin.datasets import LongTailDataset, build_dataset_from_cfg
from mmltbin.evaluation.metrics import shot_groups

LT_OPTIONS = ('profile', 'rho', 'n_max', 'counts', 'class_order', 'seed', 'step_fraction',
              'num_classes')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Write a long-tailed annotation file')
    parser.add_argument('config', help='config whose train_dataloader.dataset is the source')
    parser.add_argument('out', help='annotation file to write')
    parser.add_argument('--profile', choices=['exp', 'step', 'counts', 'all'])
    parser.add_argument('--rho', type=float, help='imbalance ratio n_max / n_min (>= 1)')
    parser.add_argument('--n-max', type=int, help='head-class count (default: smallest class)')
    parser.add_argument('--counts', type=int, nargs='+', help='per-class counts (index = label)')
    parser.add_argument('--class-order', choices=['index', 'shuffle'])
    parser.add_argument('--seed', type=int)
    parser.add_argument('--step-fraction', type=float, help='minority fraction for "step"')
    parser.add_argument('--num-classes', type=int,
                        help='number of classes when the dataset does not name them')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config')
    args = parser.parse_args(argv)
    if args.counts is not None and args.profile is None:
        args.profile = 'counts'
    return args


def lt_settings(dataset_cfg: dict, args: argparse.Namespace) -> dict:
    """LongTailDataset arguments: the config's (if it has one), overridden by the flags."""
    settings = {}
    if dataset_cfg.get('type') == 'LongTailDataset':
        settings = {k: dataset_cfg[k] for k in LT_OPTIONS if k in dataset_cfg}
    for key in LT_OPTIONS:
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
    if settings.get('profile') != 'counts':
        settings.pop('counts', None)
    return settings


def main(argv=None) -> None:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        sys.exit(f'error: config file "{args.config}" does not exist')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset_cfg = cfg.get('train_dataloader', {}).get('dataset')
    if not dataset_cfg:
        sys.exit(f'error: {args.config} has no train_dataloader.dataset')
    if dataset_cfg.get('type') == 'LongTailDataset':
        cfg.train_dataloader.dataset = dataset_cfg['dataset']
    source = build_dataset_from_cfg(cfg, 'train_dataloader')
    lt = LongTailDataset(source, **lt_settings(dataset_cfg, args))
    lt.save_ann_file(args.out)

    counts = lt.metainfo['class_counts']
    groups = {k: len(v) for k, v in shot_groups(counts).items()}
    print(f'wrote {args.out}: {len(lt)} images, {len(counts)} classes, '
          f'n_max {max(counts)}, n_min {min(counts)}, rho {max(counts) / min(counts):.4g}')
    print(f'classes per shot group (>100 / 20-100 / <20 images): {groups}')
    print('per-class counts (index = label):', counts)


if __name__ == '__main__':
    main()
