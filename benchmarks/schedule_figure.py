"""Accuracy against the length of the schedule, from the records (issue: patient distillation).

Gathers the method and balanced softmax at every schedule measured on Fashion-MNIST-LT (n_max
1000, rho 100; ReActNet-A width 0.25, batch 32): 20 epochs from the main table, 40 from the
variants table (``*-bs32-40e``), 20 to 160 from the schedule table (which wins where both have
a length), and the method with the teacher online and consistent Mixup from the views table
(80 epochs in float32, 160 and 320 with the teacher in bfloat16, which gives the same teacher
outputs within the seed spread: ``benchmarks/results/teacher_precision.md``), on the test set and
on the held-out split, with the schedule table's calibrated teacher as a line. Writes
``benchmarks/results/fmnist_lt_schedule.png`` (and ``_heldout.png``).

Example:
    python benchmarks/schedule_figure.py
"""
import os.path as osp
import re
import sys
from typing import Dict, List

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))
sys.path.insert(0, ROOT)

import records as rec  # noqa: E402

RESULTS = osp.join(ROOT, 'benchmarks', 'results')
ONLINE_MIXUP = 'the method, teacher online, consistent Mixup'
# (results file, row) -> (series, epochs); rows of the schedule table are read by name
SOURCES = {('fmnist_lt_main', 'method'): ('the method', 20),
           ('fmnist_lt_main', 'balanced-softmax'): ('binary, balanced softmax', 20),
           ('fmnist_lt_variants', 'method-bs32-40e'): ('the method', 40),
           ('fmnist_lt_variants', 'balanced-softmax-bs32-40e'): ('binary, balanced softmax', 40),
           ('fmnist_lt_views', 'online-mixup-80e'): (ONLINE_MIXUP, 80),
           ('fmnist_lt_views', 'online-mixup-bf16-160e'): (ONLINE_MIXUP, 160),
           ('fmnist_lt_views', 'online-mixup-bf16-320e'): (ONLINE_MIXUP, 320)}
SCHEDULE_ROW = re.compile(r'(method|balanced-softmax)-(\d+)e')
SERIES = {'method': 'the method', 'balanced-softmax': 'binary, balanced softmax'}


def gather(metric: str) -> Dict[str, Dict[int, List[float]]]:
    """label -> epochs -> the values of ``metric`` of every run measured at that length.

    The schedule table's runs first; the main and variants tables' only at lengths the
    schedule table has not measured for that series (their configs differ in the schedule).
    """
    out: Dict[str, Dict[int, List[float]]] = {}

    def add(label: str, epochs: int, runs: List[dict]) -> None:
        values = rec.measured([r.get(metric) for r in runs])
        if values:
            out.setdefault(label, {}).setdefault(epochs, []).extend(values)

    schedule = osp.join(RESULTS, 'fmnist_lt_schedule.json')
    if osp.isfile(schedule):
        for run in rec.load(schedule)['runs']:
            match = SCHEDULE_ROW.fullmatch(run['row'])
            if match:
                add(SERIES[match.group(1)], int(match.group(2)), [run])
    for (table, row), (label, epochs) in SOURCES.items():
        if epochs not in out.get(label, {}):
            path = osp.join(RESULTS, f'{table}.json')
            if osp.isfile(path):
                add(label, epochs, [r for r in rec.load(path)['runs'] if r['row'] == row])
    return out


def main() -> None:
    from mmltbin.analysis.plots import plot_accuracy_vs_epochs
    teacher = [r for r in rec.load(osp.join(RESULTS, 'fmnist_lt_schedule.json'))['runs']
               if r['row'] == 'teacher']
    for metric, suffix, split in (('mean_per_class', '', 'test set'),
                                  ('val_mean_per_class', '_heldout', 'held-out split')):
        level = sum(r[metric] for r in teacher) / len(teacher)
        out = osp.join(RESULTS, f'fmnist_lt_schedule{suffix}.png')
        plot_accuracy_vs_epochs(gather(metric), {'calibrated FP teacher': level}, out,
                                ylabel=f'mean per-class accuracy (%), {split}')
        print(out)


if __name__ == '__main__':
    main()
