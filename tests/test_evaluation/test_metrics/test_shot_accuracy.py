"""ShotAccuracy against hand-computed values, thresholds, nan groups, and 2 gloo processes."""
import json
import math
import os.path as osp
import sys

import numpy as np
import pytest
import torch

import mmltbin  # noqa: F401
from mmltbin.evaluation import ShotAccuracy, shot_groups
from mmpretrain.registry import METRICS
from toolrun import free_port, run_tool

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)
from shot_accuracy_data import COUNTS, NUM_TEST, as_data_samples, predictions  # noqa: E402

# Hand example: training counts per class, and (pred, gt) test pairs.
HAND_COUNTS = [150, 101, 100, 20, 19, 3]  # many {0, 1}, medium {2, 3}, few {4, 5}
HAND_PAIRS = (
    [(0, 0)] * 3 + [(5, 0)]             # class 0: 3 / 4 = 75
    + [(1, 1), (0, 1)]                  # class 1: 1 / 2 = 50
    + [(2, 2)] * 5                      # class 2: 5 / 5 = 100
    + [(2, 3), (4, 3)]                  # class 3: 0 / 2 = 0
    + [(4, 4), (5, 4), (3, 4)]          # class 4: 1 / 3 = 33.33; class 5: no test image
)


def assert_same(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, err_msg=key)  # nan == nan here


def evaluate(metric, pairs):
    samples = [dict(pred_label=torch.tensor([p]), gt_label=torch.tensor([g])) for p, g in pairs]
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def test_hand_computed_values():
    metric = METRICS.build(dict(type='ShotAccuracy', class_counts=HAND_COUNTS))
    result = evaluate(metric, HAND_PAIRS)
    assert result['accuracy/top1'] == pytest.approx(100 * 10 / 16)  # 62.5
    assert result['accuracy/mean_per_class'] == pytest.approx((75 + 50 + 100 + 0 + 100 / 3) / 5)
    assert result['accuracy/many'] == pytest.approx(62.5)  # (75 + 50) / 2
    assert result['accuracy/medium'] == pytest.approx(50.0)  # (100 + 0) / 2
    assert result['accuracy/few'] == pytest.approx(100 / 3)  # class 5 has no test image
    per_class = result['accuracy/per_class']
    assert per_class[:5] == pytest.approx([75, 50, 100, 0, 100 / 3]) and math.isnan(per_class[5])


def test_thresholds_are_configurable_and_an_empty_group_is_nan():
    metric = ShotAccuracy(many_thr=19, few_thr=5, per_class=False, prefix='lt')
    metric.set_class_counts(HAND_COUNTS)
    result = evaluate(metric, HAND_PAIRS)
    assert result['lt/many'] == pytest.approx((75 + 50 + 100 + 0) / 4)  # n > 19
    assert result['lt/medium'] == pytest.approx(100 / 3)  # 5 <= n <= 19: class 4
    assert math.isnan(result['lt/few'])  # class 5 (n = 3) has no test image
    assert 'lt/per_class' not in result
    # no few-shot class at all (CIFAR-10-LT-like counts): nan, the key is still there
    metric = ShotAccuracy(class_counts=[5000, 2997, 50, 50, 50, 50])
    result = evaluate(metric, [(c, c) for c in range(6)])
    assert math.isnan(result['accuracy/few']) and result['accuracy/many'] == 100.0


def test_shot_groups_boundaries():
    groups = shot_groups([101, 100, 20, 19])
    assert [groups[k].tolist() for k in ('many', 'medium', 'few')] == [[0], [1, 2], [3]]
    with pytest.raises(ValueError, match='few_thr'):
        ShotAccuracy(many_thr=10, few_thr=20)


def test_scores_and_labels_give_the_same_result():
    pred, gt = predictions()
    by_mixed = ShotAccuracy(class_counts=COUNTS)
    by_mixed.process(None, as_data_samples(pred, gt, range(NUM_TEST)))
    by_label = ShotAccuracy(class_counts=COUNTS)
    evaluate_pairs = list(zip(pred.tolist(), gt.tolist()))
    assert_same(by_mixed.evaluate(NUM_TEST), evaluate(by_label, evaluate_pairs))


def test_without_counts_the_error_says_how_to_provide_them():
    with pytest.raises(RuntimeError, match='ShotAccuracy has no training class counts.*'
                       'ClassCountsHook'):
        evaluate(ShotAccuracy(), HAND_PAIRS)
    with pytest.raises(ValueError, match='outside the 2 classes'):
        evaluate(ShotAccuracy(class_counts=[5, 5]), [(0, 3)])


@pytest.mark.slow
def test_two_gloo_processes_match_one_process(tmp_path):
    pred, gt = predictions()
    single = ShotAccuracy(class_counts=COUNTS)
    single.process(None, as_data_samples(pred, gt, range(NUM_TEST)))
    expected = single.evaluate(NUM_TEST)

    out = str(tmp_path / 'rank')
    proc = run_tool([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
                     f'--master_port={free_port()}',
                     osp.join(HERE, 'dist_shot_accuracy_worker.py'), out], timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    for rank in (0, 1):
        with open(f'{out}{rank}.json') as f:
            got = json.load(f)
        assert got['shard'] == (NUM_TEST + 1) // 2  # each rank saw half, one sample padded
        assert_same(got['metrics'], expected)
    # a sanity check that the groups are populated in this example
    assert not any(math.isnan(expected[f'accuracy/{g}']) for g in ('many', 'medium', 'few'))
