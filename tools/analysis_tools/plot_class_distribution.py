"""Plot training images per class, head to tail, with the many/medium/few-shot groups shaded.

The counts come from a config (its training dataset's ``metainfo['class_counts']``, i.e. a
``LongTailDataset``), from an annotation list (``key label`` lines, e.g. one written by
make_lt_split.py or ImageNet_LT_train.txt), or are given on the command line.

Usage:
    python tools/analysis_tools/plot_class_distribution.py CONFIG --out dist.png
    python tools/analysis_tools/plot_class_distribution.py --ann-file lt.txt --out dist.png
    python tools/analysis_tools/plot_class_distribution.py --counts 1000 599 ... --out dist.png
Options: [--many-thr 100] [--few-thr 20] [--linear] [--title TEXT] [--cfg-options k=v ...]
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence

import numpy as np

from mmltbin.analysis.loading import class_counts_from_config
from mmltbin.analysis.plots import SHOT_GROUP_STYLE as GROUP_STYLE
from mmltbin.analysis.plots import head_to_tail_order, shade_shot_groups


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot the per-class training distribution')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('config', nargs='?', help='config with a LongTailDataset for training')
    source.add_argument('--ann-file', help='annotation list with one "key label" per line')
    source.add_argument('--counts', type=int, nargs='+', help='per-class counts')
    parser.add_argument('--out', required=True, help='output PNG file')
    parser.add_argument('--many-thr', type=int, default=100,
                        help='many-shot: more training images than this (default 100)')
    parser.add_argument('--few-thr', type=int, default=20,
                        help='few-shot: fewer training images than this (default 20)')
    parser.add_argument('--linear', action='store_true', help='linear y axis (default log)')
    parser.add_argument('--title', help='plot title (default: the source name)')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def counts_from_config(path: str, cfg_options: Optional[List[str]]) -> tuple:
    """Per-class counts and class names of the config's training dataset."""
    from mmengine.config import DictAction

    options = None
    if cfg_options:
        action = DictAction(option_strings=[], dest='cfg_options')
        ns = argparse.Namespace()
        action(None, ns, cfg_options)
        options = ns.cfg_options
    try:
        return class_counts_from_config(path, options)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')


def counts_from_ann_file(path: str) -> List[int]:
    """Per-class counts of a ``key label`` annotation list."""
    if not osp.isfile(path):
        sys.exit(f'error: annotation file "{path}" does not exist')
    labels = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                try:
                    labels.append(int(line.rsplit(maxsplit=1)[-1]))
                except ValueError:
                    sys.exit(f'error: {path}:{lineno}: expected "key label", got "{line.strip()}"')
    return np.bincount(labels).tolist()


def plot_distribution(counts: Sequence[int], out: str, many_thr: int = 100, few_thr: int = 20,
                      log: bool = True, title: str = '',
                      class_names: Optional[Sequence[str]] = None) -> None:
    """Draw the counts sorted head to tail; shade and label the shot groups; save a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    counts = np.asarray(counts)
    order = head_to_tail_order(counts)
    sorted_counts = counts[order]
    num = len(counts)

    fig, ax = plt.subplots(figsize=(max(6.0, min(14.0, 0.25 * num + 4)), 4.2), dpi=120)
    group_of = shade_shot_groups(ax, sorted_counts, many_thr, few_thr)
    ax.bar(np.arange(num), sorted_counts, width=0.8 if num <= 100 else 1.0,
           color=[GROUP_STYLE[g][1] for g in group_of], edgecolor='none')
    for thr, label, va in ((many_thr, f'> {many_thr}', 'bottom'),
                           (few_thr, f'< {few_thr}', 'top')):
        ax.axhline(thr, color='grey', ls='--', lw=0.8)
        ax.text(num - 0.5, thr, f' {label}', va=va, ha='left', fontsize=8, color='grey')
    if log:
        ax.set_yscale('log')
    ax.set_xlim(-0.5, num - 0.5)
    ax.set_xlabel('class rank (head to tail)')
    ax.set_ylabel('training images')
    if class_names is not None and num <= 40:
        ax.set_xticks(np.arange(num))
        ax.set_xticklabels([str(class_names[i]) for i in order], rotation=45, ha='right',
                           fontsize=8)
        ax.set_xlabel('class (head to tail)')
    rho = sorted_counts[0] / max(sorted_counts[-1], 1)
    ax.set_title(f'{title}\n{num} classes, {int(counts.sum()):,} images, '
                 f'n_max {sorted_counts[0]}, n_min {sorted_counts[-1]}, rho {rho:.4g}',
                 fontsize=10, pad=30)
    fig.tight_layout()
    if osp.dirname(out):
        os.makedirs(osp.dirname(out), exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main(argv=None) -> None:
    args = parse_args(argv)
    names = None
    if args.config:
        counts, names = counts_from_config(args.config, args.cfg_options)
        title = args.title or osp.splitext(osp.basename(args.config))[0]
    elif args.ann_file:
        counts = counts_from_ann_file(args.ann_file)
        title = args.title or osp.basename(args.ann_file)
    else:
        counts, title = args.counts, args.title or ''
    if args.few_thr > args.many_thr:
        sys.exit(f'error: --few-thr ({args.few_thr}) must be <= --many-thr ({args.many_thr})')
    plot_distribution(counts, args.out, args.many_thr, args.few_thr, not args.linear, title,
                      names)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
