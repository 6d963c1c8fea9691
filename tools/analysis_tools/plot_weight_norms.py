"""Plot the per-class norms of the last linear classifier of several checkpoints, head to tail.

The seed paper's Fig. 1: trained from scratch on long-tailed data, a binary network's class
weights grow toward the tail compared with a full-precision (FP) network's (the "Binary-FP
gap"); Calibrate-and-Distill narrows it. ``--gap FP_LABEL BIN_LABEL`` adds a panel with that gap
signed as in every figure of mmltbin: FP minus binary, per class, with its many / medium /
few-shot means (negative where the binary network's class weights are the larger).

The classes are sorted by their training images, taken from the config's training dataset
(``metainfo['class_counts']`` of a ``LongTailDataset``, built without reading images), from a
file (``--class-counts``: JSON list, text or checkpoint), or by default from the first
checkpoint's ``meta['dataset_meta']`` (mmengine saves the training dataset's metainfo there).

Usage:
    python tools/analysis_tools/plot_weight_norms.py \\
        --ckpt FP=work_dirs/calibrate/epoch_10.pth --ckpt "binary CE"=work_dirs/ce/epoch_90.pth \\
        --ckpt "binary C&D"=work_dirs/candle/epoch_90.pth \\
        [--config CONFIG | --class-counts FILE] --out norms.png [--gap FP "binary CE"]
Options: [--key head.fc.weight] [--normalize] [--many-thr 100] [--few-thr 20] [--title TEXT]
    [--cfg-options k=v ...]
"""
import argparse
import sys
from typing import Dict, List, Optional

from mmengine.config import DictAction

from mmltbin.analysis.loading import (class_counts_from_checkpoint, class_counts_from_config,
                                      classifier_weight_norms, labelled_paths,
                                      load_class_counts)
from mmltbin.analysis.plots import plot_weight_norms
from mmltbin.utils import UnsafeCheckpointError


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot per-class classifier weight norms of checkpoints, head to tail')
    parser.add_argument('--ckpt', action='append', required=True, metavar='LABEL=PATH',
                        help='a checkpoint and its legend label (repeat for several)')
    source = parser.add_mutually_exclusive_group()
    source.add_argument('--config', help='config whose training dataset gives the class counts')
    source.add_argument('--class-counts', metavar='FILE',
                        help='class counts: JSON list, text (one per line) or a checkpoint')
    parser.add_argument('--out', required=True, help='output image file (PNG)')
    parser.add_argument('--gap', nargs=2, metavar=('FP_LABEL', 'BIN_LABEL'),
                        help='add the Binary-FP gap panel (FP_LABEL minus BIN_LABEL)')
    parser.add_argument('--key', help='state-dict key of the classifier weight (default: '
                        'auto-detect, e.g. head.fc.weight)')
    parser.add_argument('--normalize', action='store_true',
                        help='divide each checkpoint\'s norms by their mean')
    parser.add_argument('--many-thr', type=int, default=100,
                        help='many-shot: more training images than this (default 100)')
    parser.add_argument('--few-thr', type=int, default=20,
                        help='few-shot: fewer training images than this (default 20)')
    parser.add_argument('--title', help='plot title')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def main(argv=None) -> Dict[str, List[float]]:
    """Run the tool; returns ``{label: per-class norms}`` (index = class label)."""
    args = parse_args(argv)
    if args.few_thr > args.many_thr:
        sys.exit(f'error: --few-thr ({args.few_thr}) must be <= --many-thr ({args.many_thr})')
    try:
        paths = labelled_paths(args.ckpt)
        if args.gap and any(label not in paths for label in args.gap):
            raise ValueError(f'--gap labels {args.gap} must be --ckpt labels {list(paths)}')
        norms = {label: classifier_weight_norms(path, args.key).tolist()
                 for label, path in paths.items()}
        names: Optional[List[str]]
        if args.config:
            counts, names = class_counts_from_config(args.config, args.cfg_options)
        elif args.class_counts:
            counts, names = load_class_counts(args.class_counts)
        else:
            first = next(iter(paths.values()))
            try:
                counts, names = class_counts_from_checkpoint(first)
            except ValueError:
                raise ValueError(f'checkpoint "{first}" carries no '
                                 'meta["dataset_meta"]["class_counts"]: give --config or '
                                 '--class-counts') from None
        for label, values in norms.items():
            if len(values) != len(counts):
                raise ValueError(f'"{label}" ({paths[label]}) has {len(values)} classes, the '
                                 f'class counts {len(counts)}')
        plot_weight_norms(norms, counts, args.out, gap=args.gap, normalize=args.normalize,
                          many_thr=args.many_thr, few_thr=args.few_thr, class_names=names,
                          title=args.title)
    except (FileNotFoundError, KeyError, ValueError, UnsafeCheckpointError) as err:
        sys.exit(f'error: {err.args[0]}')
    print(f'wrote {args.out}')
    return norms


if __name__ == '__main__':
    main()
