"""Convert results files made before runs carried their provenance (a plain JSON list of runs).

Each run gets what can be recovered, marked as recovered: the commit (and its date) that first
added exactly this run to the results file, from ``git log`` (the run itself was made with that
commit's code or an earlier one); the command that the table's Markdown showed, the one whose
``--rows`` and ``--seeds`` cover the run; the machine is ``unknown``. The title comes from the
Markdown, the rows and targets from ``tables.py``. Numbers are copied unchanged; the Markdown
is then made again from the converted file.

Example:
    python benchmarks/upgrade_records.py benchmarks/results/fmnist_lt_main.json
"""
import argparse
import json
import os.path as osp
import shlex
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))

import precise_bn_table  # noqa: E402
import records as rec  # noqa: E402
import run_table  # noqa: E402

RECOVERED = ('recovered after the fact: a commit is the one that first added the run to the '
             'results file (the run used its code or older), the date is that commit\'s, the '
             'command the one the table showed; the machine was not recorded')


def _key(run: dict) -> str:
    return json.dumps(run, sort_keys=True)


def first_commits(path: str) -> Dict[str, Tuple[str, str]]:
    """Each run (as JSON) of the list-format versions of ``path`` -> the commit that first
    added it and that commit's date."""
    rel = osp.relpath(osp.abspath(path), ROOT)
    log = subprocess.run(['git', 'log', '--reverse', '--format=%H %cI', '--', rel], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split('\n')
    first: Dict[str, Tuple[str, str]] = {}
    for line in filter(None, log):
        commit, date = line.split()
        shown = subprocess.run(['git', 'show', f'{commit}:{rel}'], cwd=ROOT,
                               capture_output=True, text=True)
        if shown.returncode != 0:  # deleted in this commit
            continue
        runs = json.loads(shown.stdout)
        if isinstance(runs, list):
            for run in runs:
                first.setdefault(_key(run), (commit, date))
    return first


def _option(args: List[str], name: str) -> Optional[List[str]]:
    """The values after ``name`` in ``args`` (None when absent)."""
    if name not in args:
        return None
    values = []
    for arg in args[args.index(name) + 1:]:
        if arg.startswith('--'):
            break
        values.append(arg)
    return values


def command_of(commands: List[str], row: str, seed: int) -> str:
    """The first of ``commands`` that runs ``row`` with ``seed``."""
    for command in commands:
        args = shlex.split(command)
        rows, seeds = _option(args, '--rows'), _option(args, '--seeds')
        if (rows is None or row in rows) and (seeds is None or str(seed) in seeds):
            return command
    return rec.UNKNOWN


def upgrade(path: str) -> dict:
    """The results file for the list of runs at ``path`` (its Markdown beside it)."""
    with open(path) as f:
        runs = json.load(f)
    if not isinstance(runs, list):
        raise ValueError(f'{path} is not a list of runs (converted already?)')
    with open(osp.splitext(path)[0] + '.md') as f:
        md = f.read().split('\n')
    title = md[0][len('# '):]
    shown = next(line for line in md if line.startswith('Command: `'))
    commands = shown[len('Command: `'):-1].split('` then `')
    table = _option(shlex.split(commands[0]), '--table')[0]
    history = first_commits(path)
    machine = dict(cores=rec.UNKNOWN, threads=rec.UNKNOWN, cpu_model=rec.UNKNOWN)
    converted = []
    for run in runs:
        commit, date = history.get(_key(run), (rec.UNKNOWN, rec.UNKNOWN))
        command = (commands[0] if 'before' in run else
                   command_of(commands, run['row'], run['seed']))
        rest = {k: v for k, v in run.items() if k not in ('row', 'seed')}
        converted.append(dict(row=run['row'], seed=run['seed'], commit=commit, command=command,
                              machine=machine, date=date, recovered=RECOVERED, **rest))
    if runs and 'before' in runs[0]:
        data = precise_bn_table.results_file(table, converted)
    else:
        data = run_table.results_file(table, converted)
    if data['title'] != title:
        data['title'] = title
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('paths', nargs='+', help='results JSON files (lists of runs)')
    args = parser.parse_args()
    for path in args.paths:
        data = upgrade(path)
        rec.save(path, data)
        with open(osp.splitext(path)[0] + '.md', 'w') as f:
            f.write(rec.render(path))
        print(f'{path}: {len(data["runs"])} runs')


if __name__ == '__main__':
    main()
