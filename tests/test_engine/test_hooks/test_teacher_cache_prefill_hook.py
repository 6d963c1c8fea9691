"""TeacherCachePrefillHook: the teacher-output cache filled before training, on real digits."""
import glob
import json
import logging
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.datasets.transforms.slotted_augment import fixed_slot
from mmltbin.engine.hooks import TeacherCachePrefillHook
from mmltbin.engine.hooks.teacher_cache_prefill_hook import find_slotted_augments
from mmltbin.utils import load_checkpoint_safely
from lt_runner import DISTILL_DIGITS, save_digits_teacher
from toolrun import dist_train

SLOTS = 3
NUM_IMAGES = 159  # the long-tailed digits of DISTILL_DIGITS (n_max 40, rho 10)
CACHED_PIPELINE = [
    dict(type='SlottedAugment', num_slots=SLOTS, transforms=[
        dict(type='RandomCrop', crop_size=8, padding=2),
        dict(type='RandomFlip', prob=0.5, direction='horizontal')]),
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_shape', 'aug_key')),
]
PREFILL = dict(type='TeacherCachePrefillHook', batch_size=50)


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    return save_digits_teacher(str(tmp_path_factory.mktemp('teacher') / 'teacher.pth'), std=0.3)


def _cfg(work_dir, teacher_ckpt, prefill=True, max_epochs=2) -> Config:
    cfg = Config.fromfile(DISTILL_DIGITS)
    cfg.model.teacher.checkpoint = teacher_ckpt
    cfg.model.teacher_cache = dict(type='TeacherOutputCache')
    cfg.train_dataloader.dataset.dataset.pipeline = CACHED_PIPELINE
    cfg.train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=100)
    if prefill:
        cfg.default_hooks.teacher_cache_prefill = PREFILL
    cfg.work_dir = str(work_dir)
    return cfg


def _scalars(work_dir) -> list:
    path = sorted(glob.glob(f'{work_dir}/*/vis_data/scalars.json'))[-1]
    return [json.loads(line) for line in open(path)]


@pytest.fixture(scope='module')
def runs(tmp_path_factory, teacher_ckpt):
    """The same 2-epoch run (same seed) with the cache filled before training and lazily."""
    out = {}
    for name, prefill in (('prefilled', True), ('lazy', False)):
        work_dir = tmp_path_factory.mktemp(name)
        runner = Runner.from_cfg(_cfg(work_dir, teacher_ckpt, prefill))
        runner.train()
        out[name] = SimpleNamespace(runner=runner, scalars=_scalars(work_dir))
    return out


@pytest.mark.slow
def test_every_image_and_slot_is_stored_and_training_never_misses(runs):
    run = runs['prefilled']
    cache = run.runner.model.teacher_cache
    assert len(cache) == NUM_IMAGES * SLOTS
    train = [r for r in run.scalars if 'teacher_cache_hit_rate' in r]
    assert train and all(r['teacher_cache_hit_rate'] == 1.0 for r in train)
    prefill = [r for r in run.scalars if 'teacher_cache_prefill_s' in r]
    assert len(prefill) == 1 and prefill[0]['teacher_cache_entries'] == NUM_IMAGES * SLOTS
    # filled lazily, the first batches miss
    lazy = [r for r in runs['lazy'].scalars if 'teacher_cache_hit_rate' in r]
    assert lazy[0]['teacher_cache_hit_rate'] < 1.0


@pytest.mark.slow
def test_stored_outputs_are_the_teachers_on_that_augmented_image(runs):
    model = runs['prefilled'].runner.model
    dataset = runs['prefilled'].runner.train_dataloader.dataset
    samples = []
    for idx, slot in ((0, 0), (5, 1), (NUM_IMAGES - 1, 2), (80, 2)):
        with fixed_slot(slot):
            samples.append(dataset[idx])
    data = model.data_preprocessor(pseudo_collate(samples), True)
    keys = [s.aug_key for s in data['data_samples']]
    assert [k % SLOTS for k in keys] == [0, 1, 2, 2]
    with torch.no_grad():
        expected = model._run_teacher(data['inputs'])
    torch.testing.assert_close(model.teacher_cache.get(keys), expected)


@pytest.mark.slow
def test_the_run_is_the_same_as_with_a_lazily_filled_cache(runs):
    """No random number is drawn by the prefill: same slots, crops and batches, so the same
    losses step for step (up to the teacher's batch-size rounding)."""
    def losses(run):
        return torch.tensor([r['loss'] for r in run.scalars if 'loss_kd' in r])

    prefilled, lazy = losses(runs['prefilled']), losses(runs['lazy'])
    assert len(prefilled) == 10  # 2 epochs of 5 iterations
    torch.testing.assert_close(prefilled, lazy, rtol=1e-4, atol=1e-5)
    for (name, a), b in zip(runs['prefilled'].runner.model.state_dict().items(),
                            runs['lazy'].runner.model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4, msg=name)


def _fake_runner(model, dataset, logger=None):
    return SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=dataset),
                           logger=logger or logging.getLogger('prefill-test'),
                           visualizer=SimpleNamespace(add_scalars=lambda *a, **k: None), iter=0)


def test_max_entries_is_respected_and_said(runs, teacher_ckpt, tmp_path, caplog):
    runner = Runner.from_cfg(_cfg(tmp_path, teacher_ckpt, prefill=False))
    model = runner.model
    model.init_weights()  # what Runner.train does before the hooks' before_train
    model.teacher_cache.max_entries = 100
    hook = TeacherCachePrefillHook(batch_size=64)
    with caplog.at_level(logging.WARNING, logger='prefill-test'):
        hook.before_train(_fake_runner(model, runner.train_dataloader.dataset))
    assert len(model.teacher_cache) == 100
    assert 'max_entries' in caplog.text and f'{NUM_IMAGES * SLOTS - 100}' in caplog.text


def test_bad_settings_are_named(runs, teacher_ckpt, tmp_path):
    run = runs['prefilled'].runner
    dataset = run.train_dataloader.dataset
    hook = TeacherCachePrefillHook()
    with pytest.raises(TypeError, match='CalibratedDistiller'):
        hook.before_train(_fake_runner(torch.nn.Linear(2, 2), dataset))
    no_cache = _cfg(tmp_path / 'a', teacher_ckpt, prefill=False)
    no_cache.model.teacher_cache = None
    with pytest.raises(ValueError, match='model.teacher_cache'):
        hook.before_train(_fake_runner(Runner.from_cfg(no_cache).model, dataset))
    plain = Config.fromfile(DISTILL_DIGITS)
    plain.model.teacher.checkpoint = teacher_ckpt
    plain.work_dir = str(tmp_path / 'b')
    plain_runner = Runner.from_cfg(plain)
    assert find_slotted_augments(plain_runner.train_dataloader.dataset) == []
    with pytest.raises(ValueError, match='no SlottedAugment'):
        hook.before_train(_fake_runner(run.model, plain_runner.train_dataloader.dataset))
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match='batch_size'):
            TeacherCachePrefillHook(batch_size=bad)


@pytest.mark.slow
def test_two_processes_each_end_with_the_whole_cache(runs, teacher_ckpt, tmp_path):
    """tools/dist_train.sh, 2 gloo processes: each fills half, both end with every entry,
    equal to the single-process prefill."""
    cfg = _cfg(tmp_path / 'dist', teacher_ckpt, max_epochs=1)
    cfg.custom_imports = dict(imports=['mmltbin', 'mmltbin_test_hooks'])
    cfg.custom_hooks = [*cfg.custom_hooks, dict(type='DumpTeacherCacheHook')]
    config = str(tmp_path / 'prefill_dist.py')
    cfg.dump(config)
    proc = dist_train(config, 2, '--work-dir', str(tmp_path / 'dist'))
    assert proc.returncode == 0, proc.stderr[-5000:]
    single = runs['prefilled'].runner.model.teacher_cache
    for rank in (0, 1):
        saved = load_checkpoint_safely(str(tmp_path / 'dist' / f'cache_rank{rank}.pth'))
        assert sorted(saved['keys']) == sorted(single.keys())
        feats, logits = single.get(saved['keys'])
        torch.testing.assert_close(saved['feats'], feats, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(saved['logits'], logits, rtol=1e-4, atol=1e-5)
