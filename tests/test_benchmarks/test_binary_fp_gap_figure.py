"""benchmarks/binary_fp_gap_figure.py: the paper's Figure 1 from the schedule table's records."""
import os.path as osp
import sys

import pytest
from toolrun import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'benchmarks'))
import binary_fp_gap_figure as fig1  # noqa: E402


def _run(row: str, seed: int, acc: float, few: float) -> dict:
    return dict(row=row, seed=seed, many=acc, medium=acc, few=few, mean_per_class=acc,
                per_class=[acc + seed] * 10)


def _records(fp_few: float, ce_few: float) -> dict:
    runs = []
    for seed in (0, 1, 2):
        runs += [_run(fig1.ROWS[fig1.FP], seed, 80.0 + seed, fp_few + seed),
                 _run(fig1.ROWS[fig1.CE], seed, 70.0 + seed, ce_few + seed),
                 _run(fig1.ROWS[fig1.METHOD], seed, 79.0 + seed, 80.0 + seed)]
    return dict(runs=runs)


def test_group_gaps_are_fp_minus_binary_with_the_seed_spread():
    gaps = fig1.group_gaps(_records(fp_few=60.0, ce_few=40.0))
    gap, spread = gaps[fig1.FP, fig1.CE]['few']
    assert gap == pytest.approx(20.0)
    assert spread == pytest.approx(2.0)  # each row's seeds: std 1
    assert gaps[fig1.FP, fig1.METHOD]['all'][0] == pytest.approx(1.0)
    text = fig1.gap_text(gaps)
    assert text[0].startswith(f'{fig1.FP} - {fig1.CE}: many +10.0, ')
    assert 'all +1.0 (within the seed spread)' in text[1]


def test_mean_per_class_averages_the_seeds():
    runs = [dict(per_class=[10.0, 20.0]), dict(per_class=[30.0, 40.0])]
    assert fig1.mean_per_class(runs) == [20.0, 30.0]


def test_a_row_without_per_class_accuracies_names_the_command():
    records = _records(60.0, 40.0)
    for run in records['runs']:
        run.pop('per_class')
    with pytest.raises(SystemExit, match='--table fmnist_lt_schedule --rows fp-ce-40e'):
        fig1.runs_of(records, fig1.ROWS[fig1.FP])
