"""Print the many / medium / few / all table of several ``tools/test.py --out`` results.

Usage:
    python tools/analysis_tools/shot_table.py LABEL=metrics.json [LABEL=metrics.json ...] \\
        [--out table.md]

Each metrics file is what ``tools/test.py CONFIG CKPT --out metrics.json`` wrote for a config
evaluated with ``ShotAccuracy``. "all" is the mean per-class accuracy (the balanced test set's
accuracy); many / medium / few average the classes of each shot group.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

COLUMNS = (('many', 'many'), ('medium', 'medium'), ('few', 'few'), ('all', 'mean_per_class'))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('results', nargs='+', metavar='LABEL=FILE',
                        help='a label and a metrics JSON written by tools/test.py --out')
    parser.add_argument('--out', help='also write the table (Markdown) to this file')
    return parser.parse_args(argv)


def read_results(items: Sequence[str]) -> List[Tuple[str, Dict[str, float]]]:
    """``[(label, metrics)]`` from ``LABEL=FILE`` items, with clear errors."""
    rows = []
    for item in items:
        label, sep, path = item.partition('=')
        if not sep or not label or not path:
            raise ValueError(f'expected LABEL=FILE, got "{item}"')
        if not osp.isfile(path):
            raise FileNotFoundError(f'metrics file "{path}" (for "{label}") does not exist')
        metrics = json.load(open(path))
        missing = [f'accuracy/{key}' for _, key in COLUMNS if f'accuracy/{key}' not in metrics]
        if missing:
            raise KeyError(f'"{path}" has no {", ".join(missing)}: was it evaluated with '
                           "test_evaluator=dict(type='ShotAccuracy')?")
        rows.append((label, metrics))
    return rows


def markdown(rows: List[Tuple[str, Dict[str, float]]]) -> str:
    """The table, one row per result, accuracies in percent with one decimal.

    Example:
        >>> m = {'accuracy/many': 80.0, 'accuracy/medium': 70.0, 'accuracy/few': 60.0,
        ...      'accuracy/mean_per_class': 73.0}
        >>> print(markdown([('model', m)]))
        | model | many | medium | few | all |
        |---|---|---|---|---|
        | model | 80.0 | 70.0 | 60.0 | 73.0 |
    """
    lines = ['| model | ' + ' | '.join(name for name, _ in COLUMNS) + ' |',
             '|---' * (len(COLUMNS) + 1) + '|']
    for label, metrics in rows:
        cells = [f'{float(metrics["accuracy/" + key]):.1f}' for _, key in COLUMNS]
        lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        table = markdown(read_results(args.results))
    except (ValueError, FileNotFoundError, KeyError) as err:
        sys.exit(f'error: {err}')
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
