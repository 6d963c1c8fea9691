"""MultiResPipeline on real images: one augmented image -> student view + teacher views."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

import mmltbin  # noqa: F401
from mmltbin.datasets.transforms import MultiResPipeline
from mmltbin.datasets.transforms.multi_res import resize_short_side
from mmpretrain.registry import DATASETS, TRANSFORMS


def _digits(pipeline, n=8):
    dataset = DATASETS.build(dict(type='SklearnDigits', split='train', pipeline=pipeline))
    return [dataset[i] for i in range(n)]


def test_registered_and_views_are_resized_copies_of_the_same_augmented_image():
    pipeline = [
        dict(type='RepeatChannels', num_channels=3),
        dict(type='RandomCrop', crop_size=8, padding=2),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        # nearest: integer up-scaling that 'area' down-scaling undoes exactly
        dict(type='MultiResPipeline', teacher_sizes=(8, 16, 24), interpolation='nearest'),
    ]
    dataset = DATASETS.build(dict(type='SklearnDigits', split='train', pipeline=pipeline))
    for i in range(6):
        views = dataset[i]['img']
        assert [v.shape for v in views] == [(8, 8, 3), (8, 8, 3), (16, 16, 3), (24, 24, 3)]
        assert np.array_equal(views[1], views[0])  # the same crop and flip at the same size
        for view in views[2:]:  # shrunk back, a teacher view is exactly the student's image
            assert np.array_equal(resize_short_side(view, 8, interpolation='area'), views[0]), i
    # different samples differ (the views are not a shared buffer)
    assert not np.array_equal(dataset[0]['img'][2], dataset[1]['img'][2])


def test_student_size_and_calibration_views():
    t = MultiResPipeline(teacher_sizes=[12, 32], student_size=16)
    views = t(dict(img=np.zeros((8, 8), np.uint8)))['img']
    assert [v.shape for v in views] == [(16, 16), (12, 12), (32, 32)]
    calib = MultiResPipeline(teacher_sizes=[16, 24], with_student=False)
    results = calib(dict(img=np.zeros((8, 12, 1), np.uint8)))
    assert [v.shape for v in results['img']] == [(16, 24, 1), (24, 36, 1)]
    assert results['img_shape'] == (16, 24)


def test_random_subset_per_sample():
    np.random.seed(0)
    t = MultiResPipeline(teacher_sizes=(8, 16, 24), num_teacher_views=2)
    seen = set()
    for _ in range(40):
        views = t(dict(img=np.zeros((8, 8, 3), np.uint8)))['img']
        sizes = tuple(v.shape[0] for v in views[1:])
        assert len(sizes) == 2 and sizes == tuple(sorted(set(sizes)))
        seen.add(sizes)
    assert seen == {(8, 16), (8, 24), (16, 24)}


def test_packed_and_collated_views_keep_their_order():
    samples = _digits([dict(type='MultiResPipeline', teacher_sizes=(16, 24)),
                       dict(type='PackInputs')], n=4)
    assert [tuple(v.shape) for v in samples[0]['inputs']] == [(1, 8, 8), (1, 16, 16),
                                                              (1, 24, 24)]
    batch = pseudo_collate(samples)
    assert len(batch['inputs']) == 3 and all(len(view) == 4 for view in batch['inputs'])
    assert all(isinstance(img, torch.Tensor) for img in batch['inputs'][2])


@pytest.mark.parametrize('kwargs,match', [
    (dict(teacher_sizes=[]), 'teacher_sizes is empty'),
    (dict(teacher_sizes=[32, 0]), 'teacher_sizes must be a positive int'),
    (dict(teacher_sizes=[32, -64]), 'teacher_sizes must be a positive int'),
    (dict(teacher_sizes=[32.5]), 'teacher_sizes must be a positive int'),
    (dict(teacher_sizes='96'), 'teacher_sizes must be a list'),
    (dict(teacher_sizes=[32, 32]), 'twice'),
    (dict(teacher_sizes=[32], student_size=0), 'student_size must be a positive int'),
    (dict(teacher_sizes=[32, 64], num_teacher_views=3), 'more than the 2 teacher_sizes'),
    (dict(teacher_sizes=[32], interpolation='cubic'), 'interpolation'),
    (dict(teacher_sizes=[32], student_size=32, with_student=False), 'with_student=False'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TRANSFORMS.build(dict(type='MultiResPipeline', **kwargs))


def test_applied_twice_is_an_error():
    t = MultiResPipeline(teacher_sizes=[16])
    results = t(dict(img=np.zeros((8, 8), np.uint8)))
    with pytest.raises(ValueError, match='once'):
        t(results)
