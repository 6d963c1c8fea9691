"""List every missing, empty or undecodable image of a config's dataset, all at once.

Reads each image of ``train_dataloader.dataset`` (or ``--split val`` / ``test``) as the
training would, without its pipeline, and prints one line per bad image; exit status 1 when
any is bad. In-memory datasets (MNIST, CIFAR) are checked for empty images. The same check
runs inside training with ``LongTailDataset(..., verify_images=True)``.

Usage:
    python tools/dataset_converters/verify_images.py CONFIG [--split train|val|test] \
        [--num-workers N] [--cfg-options k=v ...]
"""
import argparse
import sys

from mmengine.config import Config, DictAction

import mmltbin  # noqa: F401  (registers the datasets)
from mmltbin.datasets import build_dataset_from_cfg
from mmltbin.datasets.verify_images import find_bad_images


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='List unreadable or empty images')
    parser.add_argument('config', help='config whose dataset to check')
    parser.add_argument('--split', choices=['train', 'val', 'test'], default='train',
                        help='which dataloader\'s dataset (default: train)')
    parser.add_argument('--num-workers', type=int, default=0,
                        help='processes reading the images (default: 0, read here)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset = build_dataset_from_cfg(cfg, f'{args.split}_dataloader')
    bad = find_bad_images(dataset, args.num_workers)
    for path, problem in bad:
        print(f'{path}: {problem}')
    print(f'{len(bad)} of {len(dataset)} images of {type(dataset).__name__} '
          f'({args.split}) cannot be used' if bad else
          f'all {len(dataset)} images of {type(dataset).__name__} ({args.split}) read')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
