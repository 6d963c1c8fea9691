"""MultiResDataPreprocessor: batches MultiResPipeline views, mixes them consistently."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.dataset import pseudo_collate

import mmltbin  # noqa: F401
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import DATASETS, MODELS

NORM = dict(mean=[85.0], std=[100.0], num_classes=10)


def _batch(pipeline_tail, n=8):
    pipeline = pipeline_tail + [dict(type='PackInputs')]
    dataset = DATASETS.build(dict(type='SklearnDigits', split='train', pipeline=pipeline))
    return pseudo_collate([dataset[i] for i in range(n)])


def _multi_res(**kwargs):
    return MODELS.build(dict(type='MultiResDataPreprocessor', **NORM, **kwargs))


def test_ordinary_batches_are_processed_like_cls_data_preprocessor():
    batch = _batch([])
    ours = _multi_res()(batch, training=True)
    ref = ClsDataPreprocessor(**NORM)(_batch([]), training=True)
    torch.testing.assert_close(ours['inputs'], ref['inputs'])
    assert [s.gt_label.item() for s in ours['data_samples']] == \
        [s.gt_label.item() for s in ref['data_samples']]


def test_views_are_normalised_and_batched_per_resolution():
    batch = _batch([dict(type='MultiResPipeline', teacher_sizes=(8, 16, 24))])
    out = _multi_res()(batch, training=True)['inputs']
    assert out['student'].shape == (8, 1, 8, 8)
    assert [tuple(t.shape) for t in out['teacher']] == [(8, 1, 8, 8), (8, 1, 16, 16),
                                                         (8, 1, 24, 24)]
    assert out['teacher_rows'] == [None, None, None]
    plain = ClsDataPreprocessor(**NORM)(_batch([]), training=False)['inputs']
    torch.testing.assert_close(out['student'], plain)
    torch.testing.assert_close(out['teacher'][0], plain)


def test_per_sample_sizes_are_grouped_with_their_rows():
    np.random.seed(1)
    batch = _batch([dict(type='MultiResPipeline', teacher_sizes=(8, 16, 24),
                         num_teacher_views=1, interpolation='nearest')], n=12)
    sizes = [img.shape[-1] for img in batch['inputs'][1]]
    out = _multi_res()(batch)['inputs']
    plain = _multi_res()(_batch([], n=12))['inputs']
    seen = []
    for view, rows in zip(out['teacher'], out['teacher_rows']):
        size = view.shape[-1]
        expected_rows = [i for i, s in enumerate(sizes) if s == size]
        assert rows is not None and rows.tolist() == expected_rows
        # each row is the right sample's image (nearest-upscaled by an integer factor)
        down = F.avg_pool2d(view, size // 8) if size > 8 else view
        torch.testing.assert_close(down, plain[rows])
        seen += rows.tolist()
    assert sorted(seen) == list(range(12)) and len(out['teacher']) == len(set(sizes)) > 1


def test_teacher_views_per_batch_keeps_k_random_views():
    torch.manual_seed(0)
    kept = set()
    pre = _multi_res(teacher_views_per_batch=1)
    batch = _batch([dict(type='MultiResPipeline', teacher_sizes=(8, 16, 24))], n=4)
    for _ in range(12):
        out = pre(batch)['inputs']
        assert len(out['teacher']) == 1 and out['teacher_rows'] == [None]
        kept.add(out['teacher'][0].shape[-1])
    assert kept == {8, 16, 24}


@pytest.mark.slow
@pytest.mark.parametrize('augment', [dict(type='Mixup', alpha=1.0),
                                     dict(type='CutMix', alpha=1.0)])
def test_batch_augments_mix_every_view_like_the_student(augment):
    tail = [dict(type='MultiResPipeline', teacher_sizes=(16, 32), interpolation='nearest')]
    pre = _multi_res(batch_augments=dict(augments=[augment]))
    np.random.seed(3)
    torch.manual_seed(3)
    out = pre(_batch(tail), training=True)
    # mmpretrain's own augment on the plain student batch, with the same random draws
    ref_pre = ClsDataPreprocessor(**NORM, batch_augments=dict(augments=[augment]))
    np.random.seed(3)
    torch.manual_seed(3)
    ref = ref_pre(_batch([]), training=True)
    torch.testing.assert_close(out['inputs']['student'], ref['inputs'])
    scores = torch.stack([s.gt_score for s in out['data_samples']])
    torch.testing.assert_close(scores, torch.stack([s.gt_score for s in ref['data_samples']]))
    assert (scores.max(1).values < 1).any()  # really mixed
    # the teacher views saw the same mix: shrunk back they equal the mixed student batch
    for view in out['inputs']['teacher']:
        torch.testing.assert_close(F.avg_pool2d(view, view.shape[-1] // 8), ref['inputs'])


@pytest.mark.slow
def test_errors_name_the_problem():
    tail = [dict(type='MultiResPipeline', teacher_sizes=(8, 16, 24), num_teacher_views=1)]
    np.random.seed(0)
    ragged = _batch(tail, n=12)
    with pytest.raises(ValueError, match='cannot be combined with Mixup/CutMix'):
        _multi_res(batch_augments=dict(augments=[dict(type='Mixup', alpha=1.0)]))(
            ragged, training=True)
    with pytest.raises(ValueError, match='without a student view'):
        _multi_res(student_view=False)(_batch(tail, n=12))
    with pytest.raises(NotImplementedError, match='ResizeMix'):
        pre = _multi_res(batch_augments=dict(augments=[dict(type='ResizeMix', alpha=1.0)]))
        pre(_batch([dict(type='MultiResPipeline', teacher_sizes=(16, ))]), training=True)
    with pytest.raises(ValueError, match='teacher_views_per_batch'):
        _multi_res(teacher_views_per_batch=0)
    with pytest.raises(ValueError, match='at least one teacher view'):
        _multi_res()(_batch([dict(type='MultiResPipeline', teacher_sizes=(16, ),
                                  with_student=False)]))


def test_calibration_gets_a_list_of_views():
    batch = _batch([dict(type='MultiResPipeline', teacher_sizes=(8, 16), with_student=False)])
    out = _multi_res(student_view=False)(batch)['inputs']
    assert isinstance(out, list) and [tuple(v.shape) for v in out] == [(8, 1, 8, 8),
                                                                      (8, 1, 16, 16)]
