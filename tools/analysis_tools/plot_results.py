"""Plot results of finished runs: per-class accuracy, the Binary-FP accuracy gap, lambda.

Three figures, one sub-command each:

- ``accuracy``: per-class test accuracy of several runs, classes sorted head to tail by their
  training images, many / medium / few-shot groups shaded, group means dashed. The inputs are
  the metrics files of ``tools/test.py CONFIG CKPT --out metrics.json`` (``ShotAccuracy`` writes
  ``accuracy/per_class``).
- ``gap``: the per-class accuracy gap FP minus binary of two such files (the seed paper's
  Binary-FP gap, Fig. 1 style).
- ``lambda``: the distillation balance lambda over iterations (mean, +-std band) of
  ``CalibratedDistiller`` runs with ``AdversarialBalanceHook``, read from their work dirs
  (every ``<timestamp>/vis_data/scalars.json``, resumed runs included) or scalars.json files.

The class counts come from the config's training dataset (``--config``, built without reading
images) or from a file (``--class-counts``: JSON list, text, or a checkpoint of the run, whose
``meta['dataset_meta']`` holds them).

Usage:
    python tools/analysis_tools/plot_results.py accuracy \\
        --result "binary CE"=ce_metrics.json --result "binary C&D"=candle_metrics.json \\
        (--config CONFIG | --class-counts FILE) --out accuracy.png [--smooth 1]
    python tools/analysis_tools/plot_results.py gap --fp FP=fp_metrics.json \\
        --binary "binary CE"=ce_metrics.json (--config CONFIG | --class-counts FILE) --out gap.png
    python tools/analysis_tools/plot_results.py lambda --run adversarial=work_dirs/candle \\
        [--run ...] --out lambda.png [--no-std]
Options of accuracy and gap: [--key accuracy/per_class] [--many-thr 100] [--few-thr 20]
    [--smooth N] [--title TEXT] [--cfg-options k=v ...]
"""
import argparse
import sys
from typing import List, Optional, Tuple

from mmengine.config import DictAction

from mmltbin.analysis.loading import (class_counts_from_config, labelled_paths,
                                      load_class_counts, load_per_class_accuracy)
from mmltbin.analysis.plots import (plot_binary_fp_gap, plot_lambda_curve,
                                    plot_per_class_accuracy)
from mmltbin.utils import UnsafeCheckpointError


def parse_args(argv=None) -> argparse.Namespace:
    per_class = argparse.ArgumentParser(add_help=False)
    source = per_class.add_mutually_exclusive_group(required=True)
    source.add_argument('--config', help='config whose training dataset gives the class counts')
    source.add_argument('--class-counts', metavar='FILE',
                        help='class counts: JSON list, text (one per line) or a checkpoint')
    per_class.add_argument('--key', help='per-class entry of the metrics files (default: the '
                           'one ending in "per_class", e.g. accuracy/per_class)')
    per_class.add_argument('--many-thr', type=int, default=100,
                           help='many-shot: more training images than this (default 100)')
    per_class.add_argument('--few-thr', type=int, default=20,
                           help='few-shot: fewer training images than this (default 20)')
    per_class.add_argument('--smooth', type=int, default=1, metavar='N',
                           help='moving average over N classes (default 1: none)')
    per_class.add_argument('--cfg-options', nargs='+', action=DictAction,
                           help='override settings in the config, key=value')
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--out', required=True, help='output image file (PNG)')
    common.add_argument('--title', help='plot title')

    parser = argparse.ArgumentParser(description='Plot per-class accuracy, the Binary-FP gap '
                                     'or lambda of finished runs')
    sub = parser.add_subparsers(dest='figure', required=True)
    acc = sub.add_parser('accuracy', parents=[per_class, common],
                         help='per-class accuracy of several runs, head to tail')
    acc.add_argument('--result', action='append', required=True, metavar='LABEL=JSON',
                     help='metrics file of tools/test.py --out (repeat for several runs)')
    acc.add_argument('--no-group-means', action='store_true',
                     help='do not draw the shot-group means')
    gap = sub.add_parser('gap', parents=[per_class, common],
                         help='per-class accuracy gap, FP minus binary')
    gap.add_argument('--fp', required=True, metavar='LABEL=JSON', help='metrics of the FP run')
    gap.add_argument('--binary', required=True, metavar='LABEL=JSON',
                     help='metrics of the binary run')
    lam = sub.add_parser('lambda', parents=[common], help='lambda over training iterations')
    lam.add_argument('--run', action='append', required=True, metavar='LABEL=PATH',
                     help='work dir or vis_data/scalars.json of a run (repeat for several)')
    lam.add_argument('--no-std', action='store_true', help='do not shade mean +- std')
    return parser.parse_args(argv)


def _class_counts(args: argparse.Namespace) -> Tuple[List[int], Optional[List[str]]]:
    if args.few_thr > args.many_thr:
        raise ValueError(f'--few-thr ({args.few_thr}) must be <= --many-thr ({args.many_thr})')
    if args.config:
        return class_counts_from_config(args.config, args.cfg_options)
    return load_class_counts(args.class_counts)


def _check_lengths(accs: dict, paths: dict, counts: List[int]) -> None:
    for label, values in accs.items():
        if len(values) != len(counts):
            raise ValueError(f'"{label}" ({paths[label]}) has {len(values)} classes, the class '
                             f'counts {len(counts)}')


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        if args.figure == 'lambda':
            plot_lambda_curve(labelled_paths(args.run), args.out, std_band=not args.no_std,
                              title=args.title)
        else:
            counts, names = _class_counts(args)
            options = dict(many_thr=args.many_thr, few_thr=args.few_thr, class_names=names,
                           smooth=args.smooth, title=args.title)
            if args.figure == 'accuracy':
                paths = labelled_paths(args.result)
            else:
                paths = labelled_paths([args.fp, args.binary])
            accs = {label: load_per_class_accuracy(path, args.key)
                    for label, path in paths.items()}
            _check_lengths(accs, paths, counts)
            if args.figure == 'accuracy':
                plot_per_class_accuracy(accs, counts, args.out,
                                        group_means=not args.no_group_means, **options)
            else:
                (fp_label, fp), (bin_label, binary) = accs.items()
                plot_binary_fp_gap(fp, binary, counts, args.out, labels=(fp_label, bin_label),
                                   **options)
    except (FileNotFoundError, KeyError, ValueError, UnsafeCheckpointError) as err:
        sys.exit(f'error: {err.args[0]}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
