"""benchmarks/precise_bn_table.py: the before / after table of re-estimated checkpoints."""
import os.path as osp
import sys

from toolrun import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'benchmarks'))
import precise_bn_table  # noqa: E402


def _result(row, seed, before, after):
    return dict(row=row, seed=seed,
                before=dict(mean_per_class=before, few=before, val_mean_per_class=before),
                after=dict(mean_per_class=after, few=after, val_mean_per_class=after))


def test_rows_are_grouped_with_their_seeds_in_order_of_appearance():
    results = [_result('method', 0, 70.0, 72.0), _result('one-res', 2, 54.4, 76.9),
               _result('method', 1, 74.0, 76.0)]
    md = precise_bn_table.markdown(results, 'CMD')
    lines = [line for line in md.splitlines() if line.startswith('| ')][1:]
    assert lines[0] == ('| method | 0, 1 | 72.0 ± 2.8 | 74.0 ± 2.8 | 72.0 ± 2.8 | 74.0 ± 2.8 '
                        '| 72.0 ± 2.8 | 74.0 ± 2.8 |')
    assert lines[1] == '| one-res | 2 | 54.4 | 76.9 | 54.4 | 76.9 | 54.4 | 76.9 |'
    assert 'Command: `CMD`' in md


def test_training_image_columns_appear_when_measured():
    plain = precise_bn_table.markdown([_result('method', 0, 70.0, 72.0)], 'CMD')
    assert 'training images |' not in plain
    result = _result('method', 0, 70.0, 72.0)
    result['before']['train_mean_per_class'] = 85.2
    result['after']['train_mean_per_class'] = 86.0
    md = precise_bn_table.markdown([result], 'CMD')
    header, rule, line = [x for x in md.splitlines() if x.startswith('|')]
    assert header.endswith('| training images | training images, re-estimated |')
    assert rule.count('---') == 10
    assert line.endswith('| 85.2 | 86.0 |')
