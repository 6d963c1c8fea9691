"""Re-estimate the BatchNorm statistics of a benchmark table's final checkpoints and test them.

For every record (row, seed) of a ``run_table.py`` results file (``--rows`` to choose), this
runs ``tools/analysis_tools/precise_bn.py`` on the run's last checkpoint (with the row's
options), then ``tools/test.py`` on the test set and, where the run has one, its held-out
split. The accuracies before (from the results file) and after go to ``--out`` (a results
file of ``records.py``, each run with its commit, command, machine and date) and a Markdown
table beside it, made from that file alone. This measures what ``FinalPreciseBNHook``
changes for runs trained without it: the hook runs after the last optimiser step, so the
weights are the same. With ``--train-set`` both checkpoints are also tested on the run's own
training images (``tools/test.py --on-train-set``): how well the model fits what it was
trained on.

Example:
    python benchmarks/precise_bn_table.py --table fmnist_lt_main \\
        --results benchmarks/results/fmnist_lt_main.json \\
        --rows balanced-softmax method one-res --jobs 2 \\
        --out benchmarks/results/fmnist_lt_main_precise_bn.json
"""
import argparse
import os.path as osp
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import List

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))

import records as rec  # noqa: E402
from records import Column  # noqa: E402
from run_table import run, test_splits  # noqa: E402

KEYS = ('mean_per_class', 'few', 'val_mean_per_class')
TRAIN_KEY = 'train_mean_per_class'
TITLE = 'BatchNorm statistics re-estimated on the final checkpoints'


def _before(run: dict, key: str) -> float:
    return run['before'].get(key)


def _after(run: dict, key: str) -> float:
    return run['after'].get(key)


def _pair(header: str, key: str, optional: bool = False) -> List[Column]:
    return [Column(header, key, optional=optional, get=_before),
            Column(f'{header}, re-estimated', key, optional=optional, get=_after)]


COLUMNS = [*_pair('all', 'mean_per_class'), *_pair('few', 'few'),
           *_pair('held-out', 'val_mean_per_class'),
           *_pair('training images', TRAIN_KEY, optional=True)]
DESCRIPTION = (
    'Accuracy (%), mean ± std over the seeds: as trained (the results file) and with the '
    'BatchNorm statistics of the final weights re-estimated on the training images '
    '(`tools/analysis_tools/precise_bn.py`: at most 8,192, one pass); "all" is the mean '
    'per-class accuracy, "held-out" the held-out balanced split')
TRAIN_NOTE = (', "training images" the mean per-class accuracy on the run\'s own training '
              'images (test pipeline)')


def rescore(record: dict, work_dir: str, python: str, threads: int,
            train_set: bool = False) -> dict:
    """The record's run with its BatchNorm statistics re-estimated: accuracies after (and, with
    ``train_set``, the accuracy on its training images before and after)."""
    ckpt = open(osp.join(work_dir, 'last_checkpoint')).read().strip()
    if not osp.isfile(ckpt):  # the run's folder was moved since: the same file name in it
        ckpt = osp.join(work_dir, osp.basename(ckpt))
    options = [o for o in record['options'] if not o.startswith('train_cfg.')]
    out = osp.join(work_dir, 'precise_bn.pth')
    run([python, 'tools/analysis_tools/precise_bn.py', record['config'], ckpt, out,
         '--cfg-options', *options], osp.join(work_dir, 'precise_bn.log'), threads)
    splits = [('', record['config'], options)]
    heldout = osp.join(work_dir, 'heldout_val_config.py')
    if osp.isfile(heldout):  # written by run_table.py for a table with a held-out split
        splits.append(('val_', heldout, []))
    before = {k: record.get(k) for k in KEYS}
    if train_set:
        train_split = ('train_', record['config'], options, ['--on-train-set'])
        splits.append(train_split)
        before[TRAIN_KEY] = test_splits(ckpt, [train_split], work_dir, python,
                                        threads)[TRAIN_KEY]
    after = test_splits(out, splits, work_dir, python, threads, tag='precise_bn_')
    return dict(row=record['row'], seed=record['seed'], before=before, after=after)


def markdown(data: dict) -> str:
    """The Markdown table of a results file of ``precise_bn_table.py``: rows in order of
    first appearance, each with its seeds in order."""
    runs = data['runs']
    columns = [c for c in COLUMNS if c.shown(runs)]
    train = any(c.key == TRAIN_KEY for c in columns)
    rows = []
    for row in dict.fromkeys(r['row'] for r in runs):
        rs = sorted((r for r in runs if r['row'] == row), key=lambda r: r['seed'])
        rows.append(([row, ', '.join(str(r['seed']) for r in rs)], rs))
    lines = [*rec.header(data), DESCRIPTION + (TRAIN_NOTE if train else '') + '.', '',
             *rec.table_lines(columns, ['row', 'seeds'], rows), *rec.footer(data)]
    return '\n'.join(lines) + '\n'


def results_file(table: str, runs: List[dict]) -> dict:
    return dict(schema=rec.SCHEMA, kind='precise_bn', table=table, title=TITLE, runs=runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--table', required=True, help='the table (its work folder)')
    parser.add_argument('--results', required=True, help="the table's results JSON")
    parser.add_argument('--rows', nargs='*', help='only these rows (default: all)')
    parser.add_argument('--out', required=True, help='results JSON (a .md is written beside)')
    parser.add_argument('--work-root', default=osp.join(ROOT, 'work_dirs', 'benchmarks'))
    parser.add_argument('--jobs', type=int, default=1, help='runs at the same time')
    parser.add_argument('--threads', type=int, default=1, help='threads per run')
    parser.add_argument('--train-set', action='store_true',
                        help="also test on each run's training images, before and after")
    args = parser.parse_args()

    records = [r for r in rec.load(args.results)['runs']
               if not args.rows or r['row'] in args.rows]
    if not records:
        raise SystemExit(f'no records of rows {args.rows} in {args.results}')

    provenance = rec.provenance(args.threads).fields()

    def one(record: dict) -> dict:
        work_dir = osp.join(args.work_root, args.table, f'{record["row"]}_seed{record["seed"]}')
        result = rescore(record, work_dir, sys.executable, args.threads, args.train_set)
        print(record['row'], record['seed'], result['before'], result['after'], flush=True)
        return dict(row=result.pop('row'), seed=result.pop('seed'), **provenance, **result)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, records))
    data = results_file(args.table, results)
    rec.save(args.out, data)
    with open(osp.splitext(args.out)[0] + '.md', 'w') as f:
        f.write(markdown(data))


if __name__ == '__main__':
    main()
