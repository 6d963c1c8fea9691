"""benchmarks/precise_bn_table.py: the before / after table of re-estimated checkpoints."""
import os.path as osp
import sys

from toolrun import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'benchmarks'))
import precise_bn_table  # noqa: E402


PROVENANCE = dict(commit='c' * 40, command='CMD', date='2026-12-01T10:00:00',
                  machine=dict(cores=2, threads=1, cpu_model='CPU'))


def _md(results):
    return precise_bn_table.markdown(precise_bn_table.results_file('t', results))


def _result(row, seed, before, after):
    return dict(PROVENANCE, row=row, seed=seed,
                before=dict(mean_per_class=before, few=before, val_mean_per_class=before),
                after=dict(mean_per_class=after, few=after, val_mean_per_class=after))


def test_rows_are_grouped_with_their_seeds_in_order_of_appearance():
    results = [_result('method', 0, 70.0, 72.0), _result('one-res', 2, 54.4, 76.9),
               _result('method', 1, 74.0, 76.0)]
    md = _md(results)
    lines = [line for line in md.splitlines() if line.startswith('| ')][1:]
    assert lines[0] == ('| method | 0, 1 | 72.0 ± 2.8 | 74.0 ± 2.8 | 72.0 ± 2.8 | 74.0 ± 2.8 '
                        '| 72.0 ± 2.8 | 74.0 ± 2.8 |')
    assert lines[1] == '| one-res | 2 | 54.4 | 76.9 | 54.4 | 76.9 | 54.4 | 76.9 |'
    assert 'Command: `CMD`' in md


def test_training_image_columns_appear_when_measured():
    plain = _md([_result('method', 0, 70.0, 72.0)])
    assert 'training images |' not in plain
    result = _result('method', 0, 70.0, 72.0)
    result['before']['train_mean_per_class'] = 85.2
    result['after']['train_mean_per_class'] = 86.0
    md = _md([result])
    header, rule, line = [x for x in md.splitlines() if x.startswith('|')]
    assert "the run's own training images" in md
    assert header.endswith('| training images | training images, re-estimated |')
    assert rule.count('---') == 10
    assert line.endswith('| 85.2 | 86.0 |')
