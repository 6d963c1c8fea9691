"""The paper's Figure 1 from the schedule table's records: the Binary-FP gap per class.

A full-precision twin of the student (the same ReActNet-A blocks with real weights and
activations) and the binary student, both trained from scratch on Fashion-MNIST-LT with
cross-entropy, then the binary student trained with the method; each row's per-class test
accuracy is the mean over its seeds. Writes ``benchmarks/results/fmnist_lt_binary_fp_gap.png``
(per-class accuracy; FP twin - binary cross-entropy; FP twin - the method) and prints the gap of
each shot group.

Example:
    python benchmarks/binary_fp_gap_figure.py
"""
import os.path as osp
import statistics
import sys
from typing import Dict, List, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))
sys.path.insert(0, ROOT)

import records as rec  # noqa: E402
from tables import FIGURE1_EPOCHS, TABLES  # noqa: E402

RESULTS = osp.join(ROOT, 'benchmarks', 'results')
SCHEDULE = osp.join(RESULTS, 'fmnist_lt_schedule.json')
OUT = osp.join(RESULTS, 'fmnist_lt_binary_fp_gap.png')
FP, CE, METHOD = 'FP twin, CE', 'binary, CE', 'binary, the method'
# label -> schedule-table row
ROWS = {FP: f'fp-ce-{FIGURE1_EPOCHS}e', CE: f'ce-{FIGURE1_EPOCHS}e',
        METHOD: f'method-{FIGURE1_EPOCHS}e'}
GAPS = ((FP, CE), (FP, METHOD))
GROUPS = (('many', 'many'), ('medium', 'medium'), ('few', 'few'), ('all', 'mean_per_class'))


def runs_of(records: dict, row: str) -> List[dict]:
    """The runs of ``row`` that recorded their per-class accuracy."""
    runs = [r for r in records['runs'] if r['row'] == row and r.get('per_class')]
    if not runs:
        raise SystemExit(f'{SCHEDULE} has no run of {row} with per-class accuracies: run '
                         'python benchmarks/run_table.py --table fmnist_lt_schedule --rows '
                         f'{row} --seeds 0 1 2 --out {osp.relpath(SCHEDULE, ROOT)}')
    return runs


def mean_per_class(runs: List[dict]) -> List[float]:
    """Each class's accuracy averaged over the runs (seeds)."""
    return [statistics.mean(values) for values in zip(*(r['per_class'] for r in runs))]


def group_gaps(records: dict) -> Dict[Tuple[str, str], Dict[str, Tuple[float, float]]]:
    """``(fp, binary) -> group -> (gap of the seed means, the two rows' seed stds summed)``:
    a gap within that spread is unresolved."""
    out = {}
    for fp, binary in GAPS:
        out[fp, binary] = {}
        for group, key in GROUPS:
            a, b = ([r[key] for r in runs_of(records, ROWS[label])] for label in (fp, binary))
            spread = sum(statistics.stdev(v) if len(v) > 1 else float('nan') for v in (a, b))
            out[fp, binary][group] = (statistics.mean(a) - statistics.mean(b), spread)
    return out


def gap_text(gaps: Dict[Tuple[str, str], Dict[str, Tuple[float, float]]]) -> List[str]:
    """One line per gap: its value per shot group, marked when within the seed spread."""
    lines = []
    for (fp, binary), groups in gaps.items():
        cells = ', '.join(f'{group} {gap:+.1f}' + (' (within the seed spread)'
                                                   if not abs(gap) > spread else '')
                          for group, (gap, spread) in groups.items())
        lines.append(f'{fp} - {binary}: {cells}')
    return lines


def main() -> None:
    from mmltbin.analysis.loading import class_counts_from_config
    from mmltbin.analysis.plots import plot_per_class_accuracy
    records = rec.load(SCHEDULE)
    rows = {r.name: r for r in TABLES['fmnist_lt_schedule'].rows}
    counts, names = class_counts_from_config(osp.join(ROOT, rows[ROWS[FP]].config))
    accs, seeds = {}, set()
    for label, row in ROWS.items():
        runs = runs_of(records, row)
        accs[label] = mean_per_class(runs)
        seeds.add(len(runs))
    plot_per_class_accuracy(
        accs, counts, OUT, gaps=GAPS, class_names=names,
        title=f'Binary-FP gap on Fashion-MNIST-LT (n_max 1000, rho 100), ReActNet-A w0.25, '
        f'{FIGURE1_EPOCHS} epochs, mean of {"/".join(map(str, sorted(seeds)))} seeds')
    print(OUT)
    print('\n'.join(gap_text(group_gaps(records))))


if __name__ == '__main__':
    main()
