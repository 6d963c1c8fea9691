"""TeacherCacheCheckHook: a teacher-output cache whose aug_key does not fix the pixels is
refused before training, naming the transform (real digits images)."""
import copy

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks.teacher_cache_check_hook import check_cache_keys
from mmpretrain.registry import DATASETS
from lt_runner import DISTILL_DIGITS, save_digits_teacher

FLIP = dict(type='RandomFlip', prob=0.5, direction='horizontal')
CROP = dict(type='RandomCrop', crop_size=8, padding=2)
PACK = dict(type='PackInputs', meta_keys=('sample_idx', 'img_shape', 'aug_key'))


def _slotted(*transforms):
    return dict(type='SlottedAugment', num_slots=3, transforms=list(transforms))


def _dataset(pipeline):
    return DATASETS.build(dict(type='LongTailDataset', n_max=10, rho=2,
                               dataset=dict(type='SklearnDigits', pipeline=pipeline)))


def test_random_transforms_inside_slotted_augment_pass():
    check_cache_keys(_dataset([_slotted(CROP, FLIP), PACK]))
    # deterministic transforms may sit outside
    check_cache_keys(_dataset([dict(type='RepeatChannels', num_channels=3),
                               _slotted(CROP, FLIP), PACK]))


@pytest.mark.parametrize('pipeline,culprit', [
    ([_slotted(CROP), FLIP, PACK], 'RandomFlip'),  # after SlottedAugment (the case)
    ([CROP, _slotted(FLIP), PACK], 'RandomCrop'),  # before it
])
def test_a_random_transform_outside_is_named_with_where_it_belongs(pipeline, culprit):
    with pytest.raises(ValueError) as info:
        check_cache_keys(_dataset(pipeline))
    message = str(info.value)
    assert f'outside SlottedAugment, {culprit}(' in message
    assert "move it into SlottedAugment's transforms" in message


def test_other_ways_the_key_stops_naming_the_pixels():
    with pytest.raises(ValueError, match='has 0 SlottedAugment'):
        check_cache_keys(_dataset([CROP, PACK]))
    with pytest.raises(ValueError, match='has 2 SlottedAugment'):
        check_cache_keys(_dataset([_slotted(CROP), _slotted(FLIP), PACK]))
    with pytest.raises(ValueError, match="meta_keys=\\(..., 'aug_key'\\)"):
        check_cache_keys(_dataset([_slotted(CROP, FLIP), dict(type='PackInputs')]))


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    return save_digits_teacher(str(tmp_path_factory.mktemp('teacher') / 'teacher.pth'))


def _cached_cfg(tmp_path, teacher_ckpt, pipeline) -> Config:
    cfg = Config.fromfile(DISTILL_DIGITS)
    cfg.model.teacher.checkpoint = teacher_ckpt
    cfg.model.teacher_cache = dict(type='TeacherOutputCache')
    cfg.train_dataloader.dataset.dataset.pipeline = copy.deepcopy(pipeline)
    cfg.default_hooks.teacher_cache_prefill = dict(type='TeacherCachePrefillHook')
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)
    cfg.work_dir = str(tmp_path)
    return cfg


def test_the_runner_refuses_a_stale_cache_before_the_teacher_runs(tmp_path, teacher_ckpt):
    runner = Runner.from_cfg(_cached_cfg(tmp_path, teacher_ckpt, [_slotted(CROP), FLIP, PACK]))
    with pytest.raises(ValueError, match='outside SlottedAugment, RandomFlip'):
        runner.train()
    assert len(runner.model.teacher_cache) == 0  # refused before the prefill
    assert runner.iter == 0


def test_random_teacher_views_per_batch_are_refused_with_a_cache(tmp_path, teacher_ckpt):
    cfg = _cached_cfg(tmp_path, teacher_ckpt, [_slotted(CROP, FLIP), PACK])
    cfg.model.data_preprocessor = dict(type='MultiResDataPreprocessor',
                                       teacher_views_per_batch=1)
    with pytest.raises(ValueError, match='model.data_preprocessor.teacher_views_per_batch'):
        Runner.from_cfg(cfg).train()


def test_the_check_is_a_default_hook_and_a_no_op_without_cache(tmp_path, teacher_ckpt):
    cfg = _cached_cfg(tmp_path, teacher_ckpt, [_slotted(CROP), FLIP, PACK])
    cfg.model.teacher_cache = None
    del cfg.default_hooks['teacher_cache_prefill']
    runner = Runner.from_cfg(cfg)
    assert 'TeacherCacheCheckHook' in {type(h).__name__ for h in runner.hooks}
    runner.train()  # no cache: random transforms anywhere are fine
    assert runner.iter > 0
