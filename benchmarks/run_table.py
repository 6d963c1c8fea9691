"""Run a table of configs (rows) x seeds on CPU and summarise test shot accuracies and cost.

Each row is trained with ``tools/train.py`` (no validation, so timings are training only) and
its last checkpoint tested with ``tools/test.py``. Per run it records the ShotAccuracy metrics
(many / medium / few / all = mean per-class accuracy, and top-1), seconds per training epoch
(mean iteration time x iterations per epoch, from mmengine's scalar logs) and the peak resident
memory of the training process (not recorded for a run resumed from a checkpoint). Results go
to ``--out`` (a results file of ``records.py``: one record per run with its commit, command,
machine and date, appended and reused: an existing run is not trained again) and a Markdown
table beside it, made from that file alone.

Example:
    python benchmarks/run_table.py --table fmnist_lt_baselines --seeds 0 1 2 \\
        --out benchmarks/results/fmnist_lt_baselines.json
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict
from typing import Dict, List, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))

import records as rec  # noqa: E402
from records import Column, fmt, measured  # noqa: E402,F401 (fmt: used by precise_bn_table)
from tables import TABLES, Row  # noqa: E402

METRICS = ('many', 'medium', 'few', 'mean_per_class', 'top1')
EPOCH_SELECTIONS = ('after_first', 'all', 'last')


def run(cmd: List[str], log_path: str, threads: int) -> Dict[str, float]:
    """Run ``cmd`` to completion, its output to ``log_path``; return wall time and peak RSS."""
    start = time.time()
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f'command failed ({code}); see {log_path}: {" ".join(cmd)}')
    return dict(wall_s=time.time() - start, peak_rss_mb=usage.ru_maxrss / 1024.0)


def seconds_per_epoch(work_dir: str, epochs: str = 'after_first') -> Optional[float]:
    """Mean training-iteration time x iterations per epoch, from mmengine's scalars.json.

    ``epochs``: ``'after_first'`` leaves out the first epoch when there are more (warm-up);
    ``'all'`` covers every epoch (what a teacher-output cache costs over the whole run);
    ``'last'`` the last quarter of the epochs (at least one; a teacher-output cache is then
    warm: nearly every teacher output is read back).
    """
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    by_iter: Dict[int, dict] = {}  # a resumed run logs in a new folder: later runs win
    for log in logs:
        for line in open(log):
            r = json.loads(line)
            if 'time' in r and 'epoch' in r and 'lr' in r:
                by_iter[r['iter']] = r
    rows = [by_iter[i] for i in sorted(by_iter)]
    if not rows:
        return None
    per_epoch: Dict[int, List[float]] = {}
    for r in rows:
        per_epoch.setdefault(r['epoch'], []).append(r['time'])
    if epochs not in EPOCH_SELECTIONS:
        raise ValueError(f'epochs must be one of {EPOCH_SELECTIONS}, got {epochs!r}')
    ordered = sorted(per_epoch)
    chosen = {'after_first': ordered[1:] or ordered, 'all': ordered,
              'last': ordered[-max(1, len(ordered) // 4):]}[epochs]
    times = [statistics.mean(per_epoch[e]) for e in chosen]
    iters = max(r['iter'] for r in rows) / max(per_epoch)
    return statistics.mean(times) * iters


def cache_prefill_seconds(work_dir: str) -> Optional[float]:
    """Seconds ``TeacherCachePrefillHook`` took before training (the latest run's; None if the
    run had no prefill), from mmengine's scalars.json."""
    seconds = None
    for log in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        for line in open(log):
            r = json.loads(line)
            if 'teacher_cache_prefill_s' in r:
                seconds = r['teacher_cache_prefill_s']
    return seconds


def heldout_config(config: str, options: List[str], heldout: str, out_path: str) -> str:
    """Write ``config`` (with ``options``) testing on ``heldout``'s validation split."""
    from mmengine.config import Config, DictAction
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.merge_from_dict({key: DictAction._parse_iterable(value)
                         for key, value in (opt.split('=', 1) for opt in options)})
    val = Config.fromfile(osp.join(ROOT, heldout))
    cfg.test_dataloader = val.val_dataloader
    cfg.test_evaluator = val.val_evaluator
    cfg.dump(out_path)
    return out_path


def row_options(row: Row, seed: int, work_root: str, extra: List[str] = ()) -> List[str]:
    """``randomness.seed``, the row's overrides (hooks, schedulers and transforms found by type
    in the row's config) and ``extra`` (options of every run) as ``--cfg-options``."""
    cfg = None
    if row.needs_config():
        from mmengine.config import Config
        cfg = Config.fromfile(osp.join(ROOT, row.config))
    return [f'randomness.seed={seed}', *row.options(cfg, seed=seed, work_root=work_root),
            *extra]


def run_one(row: Row, seed: int, epochs: Optional[int], work_root: str, python: str,
            threads: int, heldout: Optional[str] = None, test: bool = True,
            extra: List[str] = ()) -> dict:
    name = row.name
    work_dir = osp.join(work_root, f'{name}_seed{seed}')
    os.makedirs(work_dir, exist_ok=True)
    options = row_options(row, seed, work_root, extra)
    for option in options:
        key, _, value = option.partition('=')
        if key == 'model.teacher.checkpoint' and not osp.isfile(osp.join(ROOT, value)):
            teacher_dir = osp.dirname(value)  # <work root>/<table>/<teacher row>_seed<seed>
            teacher = osp.basename(teacher_dir).rsplit('_seed', 1)[0]
            table = osp.basename(osp.dirname(teacher_dir))
            raise RuntimeError(f'{name}: the teacher checkpoint {value} does not exist; '
                               'calibrate it first (python benchmarks/run_table.py --table '
                               f'{table} --rows {teacher} --seeds {seed} --out ...)')
    epochs = row.epochs if row.epochs is not None else epochs
    if epochs is not None:
        options.append(f'train_cfg.max_epochs={epochs}')
    train_cmd = [python, 'tools/train.py', row.config, '--work-dir', work_dir, '--no-validate',
                 '--resume', 'auto', '--cfg-options', *options]
    last = osp.join(work_dir, 'last_checkpoint')
    resumed = open(last).read().strip() if osp.isfile(last) else None
    cost = run(train_cmd, osp.join(work_dir, 'train.log'), threads)
    record = dict(row=name, seed=seed, config=row.config, options=options,
                  s_per_epoch=seconds_per_epoch(work_dir),
                  s_per_epoch_all=seconds_per_epoch(work_dir, epochs='all'),
                  s_per_epoch_last=seconds_per_epoch(work_dir, epochs='last'),
                  cache_prefill_s=cache_prefill_seconds(work_dir),
                  peak_rss_mb=cost['peak_rss_mb'], train_wall_s=cost['wall_s'])
    if resumed:  # the process measured trained only from there: its memory and wall time
        record.update(resumed_from=resumed, peak_rss_mb=None, train_wall_s=None)
    if not test:
        return record
    ckpt = open(osp.join(work_dir, 'last_checkpoint')).read().strip()
    test_options = [o for o in options if not o.startswith('train_cfg.')]
    splits = [('', row.config, test_options)]
    if heldout:
        val_cfg = heldout_config(row.config, test_options, heldout,
                                 osp.join(work_dir, 'heldout_val_config.py'))
        splits.append(('val_', val_cfg, []))
    record.update(test_splits(ckpt, splits, work_dir, python, threads))
    return record


def test_splits(ckpt: str, splits: List[tuple], work_dir: str, python: str, threads: int,
                tag: str = '') -> Dict[str, Optional[float]]:
    """Test ``ckpt`` with ``tools/test.py`` on each ``(prefix, config, options[, flags])`` of
    ``splits`` (``flags``: more arguments of tools/test.py, e.g. ``['--on-train-set']``); the
    ShotAccuracy metrics as ``prefix + key`` (files in ``work_dir`` named ``tag + prefix``)."""
    record = {}
    for prefix, config, opts, *flags in splits:
        metrics_path = osp.join(work_dir, f'{tag}{prefix}test_metrics.json')
        cmd = [python, 'tools/test.py', config, ckpt, '--work-dir', work_dir, '--out',
               metrics_path, *(flags[0] if flags else ())] + \
            (['--cfg-options', *opts] if opts else [])
        run(cmd, osp.join(work_dir, f'{tag}{prefix}test.log'), threads)
        metrics = json.load(open(metrics_path))
        for key in METRICS:
            value = metrics.get(f'accuracy/{key}')
            record[prefix + key] = None if value is None else float(value)
        if 'accuracy/per_class' in metrics:  # for figures of accuracy per class
            record[prefix + 'per_class'] = [float(v) for v in metrics['accuracy/per_class']]
    return record


def _mean(records: List[dict], row: str, metric: str) -> Tuple[Optional[float], int]:
    """Mean of ``metric`` over the seeds of ``row`` that have it, and how many there are."""
    values = measured([r.get(metric) for r in records if r['row'] == row])
    return (statistics.mean(values) if values else None), len(values)


def target_lines(records: List[dict], targets: List[dict]) -> List[str]:
    """A Markdown list checking each target against the measured means.

    A target is ``dict(row=, against=, metric=, min_diff=, label=, seeds=)``: the mean of
    ``metric`` over ``row``'s seeds minus that of ``against`` must be at least ``min_diff``
    points (negative: at most that far below), and ``against_table``, when set, names the table
    whose results file (benchmarks/results/) holds ``against``. Targets whose rows were not
    run are named as such; a verdict on fewer than ``seeds`` runs of either row, indicative.
    """
    lines = []
    for target in targets:
        row, against, metric = target['row'], target['against'], target['metric']
        other, theirs_runs = target.get('against_table'), records
        if other:
            path = osp.join(ROOT, 'benchmarks', 'results', f'{other}.json')
            theirs_runs = rec.load(path)['runs'] if osp.isfile(path) else []
            against = f'{other}: {against}'
        (mine, n_mine), (theirs, n_theirs) = (_mean(records, row, metric),
                                              _mean(theirs_runs, target['against'], metric))
        if mine is None or theirs is None:
            lines.append(f'- {target["label"]}: not measured ({row} or {against} not run)')
            continue
        diff = mine - theirs
        verdict = 'met' if diff >= target['min_diff'] else 'missed'
        needed = target.get('seeds', 3)  # records written before the field: the 3 of a claim
        few = (f' (indicative: a verdict needs {needed} seeds of each row)'
               if min(n_mine, n_theirs) < needed else '')
        lines.append(f'- {target["label"]} (target {target["min_diff"]:+.1f}): {mine:.1f} '
                     f'against {theirs:.1f} ({n_mine} / {n_theirs} seeds), {diff:+.1f}: '
                     f'**{verdict}**{few}')
    return lines


DESCRIPTION = (
    'Test accuracy (%) on the balanced test set: mean ± std over seeds; "all" is the mean '
    'per-class accuracy. Seconds per epoch: training only, mean iteration time x iterations '
    'per epoch, without the first epoch ("all epochs": with it; "last quarter": the last '
    'quarter of the epochs, a teacher-output cache warm); memory: peak RSS of the training '
    'process (n/a for a run resumed from a checkpoint); one thread per run (`--threads`); runs '
    'started with `--jobs` > 1 share the machine, so their timings are not clean.')
COLUMNS = [
    Column('many', 'many'), Column('medium', 'medium'), Column('few', 'few'),
    Column('all', 'mean_per_class'), Column('top-1', 'top1'),
    Column('held-out val all', 'val_mean_per_class'), Column('s / epoch', 's_per_epoch'),
    Column('s / epoch, all epochs', 's_per_epoch_all'),
    Column('s / epoch, last quarter', 's_per_epoch_last'), Column('peak MB', 'peak_rss_mb', 0),
    # runs that filled a teacher-output cache before training: that time, once per run
    Column('cache prefill s', 'cache_prefill_s', optional=True,
           note=' Cache prefill: seconds spent filling the teacher-output cache before the '
           'first epoch (once per run, not in the seconds per epoch).'),
]


def markdown(data: dict) -> str:
    """The Markdown table of a results file of ``run_table.py`` (see ``records.py``)."""
    runs = data['runs']
    columns = [c for c in COLUMNS if c.shown(runs)]
    rows = []
    for row in data['rows']:
        rs = [r for r in runs if r['row'] == row['name']]
        if rs:
            rows.append(([row['label'], str(len(rs))], rs))
    lines = [*rec.header(data), DESCRIPTION + ''.join(c.note for c in columns), '',
             *rec.table_lines(columns, ['row', 'seeds'], rows)]
    if data.get('targets'):
        lines += ['', 'Targets (means over the seeds run; "all" is the mean per-class '
                  'accuracy):', '', *target_lines(runs, data['targets'])]
    lines += rec.footer(data)
    return '\n'.join(lines) + '\n'


def results_file(name: str, runs: List[dict]) -> dict:
    """A results file of table ``name`` holding ``runs``: the table's title, rows and
    targets as ``tables.py`` has them now."""
    table = TABLES[name]
    return dict(schema=rec.SCHEMA, kind='run_table', table=name, title=table.title,
                rows=[dict(name=row.name, label=row.label) for row in table.rows],
                targets=[asdict(t) for t in table.targets], runs=runs)


def write(out: str, data: dict) -> str:
    """Save the results file ``out`` and its Markdown beside it; return the Markdown."""
    rec.save(out, data)
    md = markdown(data)
    with open(osp.splitext(out)[0] + '.md', 'w') as f:
        f.write(md)
    return md


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--table', required=True, choices=sorted(TABLES))
    parser.add_argument('--rows', nargs='*', help='only these rows (default: all)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--epochs', type=int, help='override train_cfg.max_epochs')
    parser.add_argument('--out', required=True, help='results JSON (a .md is written beside)')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='more config options of every run (kept in its record), e.g. '
                        'train_dataloader.num_workers=1 default_hooks.checkpoint.interval=5')
    parser.add_argument('--summary-only', action='store_true',
                        help='run nothing: write the Markdown table of the records in --out')
    parser.add_argument('--work-root', default=osp.join(ROOT, 'work_dirs', 'benchmarks'))
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at the same time (each its own process); a row with '
                        '"needs" starts after that row of the same seed')
    parser.add_argument('--threads', type=int, default=1,
                        help='OMP/MKL threads of each run (default 1: stable timings on a '
                        'shared 2-core machine)')
    args = parser.parse_args()

    table = TABLES[args.table]
    rows = [r for r in table.rows if not args.rows or r.name in args.rows]
    unknown = set(args.rows or []) - {r.name for r in table.rows}
    if unknown:
        raise SystemExit(f'unknown rows {sorted(unknown)} in table {args.table}')
    existing = rec.load(args.out) if osp.isfile(args.out) else None
    if args.summary_only:
        if existing is None:
            raise SystemExit(f'--summary-only: {args.out} does not exist')
        print(write(args.out, existing))
        return
    runs = existing['runs'] if existing else []
    done = {(r['row'], r['seed']) for r in runs}
    # seed by seed: one seed's rows run back to back, so a cost table's per-seed ratios compare
    # runs made close together on a machine whose speed drifts
    pending = [(row, seed) for seed in args.seeds for row in rows if (row.name, seed) not in done]
    lock = threading.Lock()
    failed: List[str] = []
    work_root = osp.join(args.work_root, args.table)
    provenance = rec.provenance(args.threads).fields()

    def ready(row: Row, seed: int) -> bool:
        need = row.needs
        if need is None or (need, seed) in done:
            return True
        # trained by an earlier invocation (its record may live in another results file)
        return (not any(r.name == need and s == seed for r, s in pending)
                and osp.isfile(osp.join(work_root, f'{need}_seed{seed}', 'last_checkpoint')))

    def finish(row: Row, seed: int, record: dict) -> None:
        with lock:
            runs.append(dict(row=record.pop('row'), seed=record.pop('seed'), **provenance,
                             **record))
            done.add((row.name, seed))
            write(args.out, results_file(args.table, runs))
        shown = '  '.join(f'{key} {record[key]:.2f}' for key in (
            'mean_per_class', 'many', 'medium', 'few', 'val_mean_per_class', 's_per_epoch')
            if record.get(key) is not None)
        print(f'[{time.strftime("%H:%M:%S")}] {row.name} seed {seed}: {shown}', flush=True)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        running = {}
        while pending or running:
            for row, seed in [p for p in pending if ready(*p)][:args.jobs - len(running)]:
                pending.remove((row, seed))
                print(f'[{time.strftime("%H:%M:%S")}] {row.name} seed {seed} ...', flush=True)
                future = pool.submit(run_one, row, seed, args.epochs, work_root,
                                     sys.executable, args.threads, table.heldout_val,
                                     table.test, args.cfg_options)
                running[future] = (row, seed)
            if not running:
                missing = sorted({r.needs for r, _ in pending})
                raise SystemExit(f'rows wait for rows that are not selected: {missing}')
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                row, seed = running.pop(future)
                try:
                    finish(row, seed, future.result())
                except RuntimeError as err:  # one failed run does not stop the others
                    failed.append(f'{row.name} seed {seed}: {err}')
                    print(f'FAILED {failed[-1]}', flush=True)
    if runs:
        print(write(args.out, results_file(args.table, runs)))
    if failed:
        print('failed runs:\n  ' + '\n  '.join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
