"""benchmarks/teacher_precision.py: the calibrated teacher's accuracy in bf16 against float32."""
import os.path as osp
import sys

import torch
from toolrun import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'benchmarks'))
import teacher_precision  # noqa: E402

PROVENANCE = dict(commit='c' * 40, command='CMD', date='2026-12-05T10:00:00',
                  machine=dict(cores=2, threads=1, cpu_model='CPU'))


def _run(dtype, seed, acc, agreement, seconds, speedup):
    return dict(PROVENANCE, row=dtype, seed=seed, mean_per_class=acc, val_mean_per_class=acc,
                agreement=agreement, forward_s=seconds, speedup=speedup)


def test_one_row_per_dtype_over_the_teachers():
    runs = [_run('float32', 0, 80.0, 100.0, 10.0, 1.0), _run('bfloat16', 0, 81.0, 98.0, 5.0, 2.0),
            _run('float32', 1, 82.0, 100.0, 12.0, 1.0), _run('bfloat16', 1, 82.0, 99.0, 4.0, 3.0)]
    md = teacher_precision.markdown(teacher_precision.results_file(runs))
    lines = [line for line in md.splitlines() if line.startswith('| ')]
    assert lines[0].startswith('| encoder dtype | teachers | test all |')
    assert lines[1] == ('| float32 | 2 | 81.00 ± 1.41 | 81.00 ± 1.41 | 100.00 ± 0.00 | 11.0 ± 1.4 '
                        '| 1.00 ± 0.00 |')
    assert lines[2] == ('| bfloat16 | 2 | 81.50 ± 0.71 | 81.50 ± 0.71 | 98.50 ± 0.71 | 4.5 ± 0.7 '
                        '| 2.50 ± 0.71 |')
    assert 'Command: `CMD`' in md


def test_mean_per_class_weighs_every_class_equally():
    label = torch.tensor([0, 0, 0, 1])
    pred = torch.tensor([0, 0, 0, 0])
    assert teacher_precision.mean_per_class(pred, label, num_classes=2) == 50.0
