"""CalibratedDistiller on real data (sklearn digits) with a real frozen mmpretrain teacher."""
import copy
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.datasets import long_tail_counts
from mmltbin.models.classifiers import CalibratedDistiller
from mmltbin.models.teachers import FrozenTeacher
from mmltbin.utils import load_checkpoint_safely
from mmpretrain.registry import DATASETS, MODELS, TRANSFORMS
from lt_runner import save_digits_teacher
from toolrun import REPO_ROOT, python_tool

CONFIG = osp.join(osp.dirname(__file__), 'data', 'distill_digits.py')


def _build(cfg: dict):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


@pytest.fixture(scope='module')
def cfg():
    cfg = Config.fromfile(CONFIG)
    cfg.model.data_preprocessor = cfg.data_preprocessor  # what the runner does
    return cfg


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    """A teacher checkpoint whose weights are not the default initialisation."""
    return save_digits_teacher(str(tmp_path_factory.mktemp('teacher') / 'teacher.pth'), std=0.3)


def _model(cfg, teacher_ckpt, **overrides):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher.checkpoint = teacher_ckpt
    for key, value in overrides.items():
        model_cfg[key] = value
    model = _build(model_cfg)
    model.init_weights()
    for module in model.modules():  # what ClassCountsHook does in a run
        if callable(getattr(module, 'set_class_counts', None)):
            module.set_class_counts(long_tail_counts(10, 40, 10))
    return model


def _batch(pipeline=None, n=12):
    pipeline = pipeline or [dict(type='MultiResPipeline', teacher_sizes=(8, 16)),
                            dict(type='PackInputs')]
    dataset = DATASETS.build(dict(type='SklearnDigits', split='train', pipeline=pipeline))
    return pseudo_collate([dataset[i] for i in range(n)])


class _Spy:
    """Record what goes into a module's forward."""

    def __init__(self, module):
        self.inputs = []
        module.register_forward_pre_hook(lambda mod, args: self.inputs.append(args[0]))


def test_registered_student_layout_and_teacher_loaded_in_init_weights(cfg, teacher_ckpt):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher.checkpoint = teacher_ckpt
    model = _build(model_cfg)
    assert isinstance(model, CalibratedDistiller) and isinstance(model.teacher, FrozenTeacher)
    assert {'backbone', 'neck', 'head'} <= {n for n, _ in model.named_children()}
    data = model.data_preprocessor(_batch(), True)
    with pytest.raises(RuntimeError, match='has not been loaded: call init_weights'):
        model(**data, mode='loss')
    model.init_weights()
    saved = load_checkpoint_safely(teacher_ckpt)['state_dict']
    for key, value in model.teacher.model.state_dict().items():
        assert torch.equal(value, saved[key]), key
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert isinstance(model.projector, torch.nn.Linear)  # 16 -> 32
    assert model.balancer.in_channels == 32  # filled from the teacher


def test_teacher_and_student_disagreeing_on_classes_is_named(cfg):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher.model.head.num_classes = 5
    with pytest.raises(ValueError, match=r'teacher FrozenTeacher\(ImageClassifier\) predicts 5 '
                                         r'classes.*head\.num_classes=10'):
        _build(model_cfg)


def test_a_balancer_input_that_does_not_exist_is_named(cfg):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.balancer = dict(type='AdversarialBalancer', input='student_logits')
    with pytest.raises(ValueError, match='input "student_logits" does not exist'):
        _build(model_cfg)


def test_other_bad_settings_are_named(cfg):
    for key, value, match in [('teacher_input', 'both', 'teacher_input'),
                              ('projector', 'identity', 'needs equal feature widths'),
                              ('head', None, 'needs a head')]:
        model_cfg = copy.deepcopy(cfg.model)
        model_cfg[key] = value
        with pytest.raises(ValueError, match=match):
            _build(model_cfg)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher['trainable'] = ('backbone.layer2', )
    with pytest.raises(ValueError, match='teacher must be frozen.*adapt_encoder'):
        _build(model_cfg)


def test_loss_terms_and_who_gets_gradients(cfg, teacher_ckpt):
    model = _model(cfg, teacher_ckpt)
    model.train()
    data = model.data_preprocessor(_batch(), True)
    losses = model(**data, mode='loss')
    assert {'loss_kd', 'loss_feat', 'loss_task', 'loss_balancer_reg', 'kd_term',
            'feat_term'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    assert model.projector.weight.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.balancer.parameters())
    assert all(p.grad is None for p in model.teacher.parameters())
    stats = model.balancer_stats()
    assert set(stats) == {'lambda_mean', 'lambda_std'} and 0.1 < stats['lambda_mean'] < 0.9


def test_teacher_averages_its_views_and_sees_the_same_images(cfg, teacher_ckpt):
    model = _model(cfg, teacher_ckpt)
    data = model.data_preprocessor(_batch(), False)
    views = data['inputs']['teacher']
    feats, logits = model.teacher_outputs(data['inputs'])
    per_view = [model.teacher(v) for v in views]
    torch.testing.assert_close(feats, (per_view[0][0] + per_view[1][0]) / 2)
    torch.testing.assert_close(logits, (per_view[0][1] + per_view[1][1]) / 2)
    # per-sample views: every sample is averaged over the views it has
    rows = [torch.tensor([0, 2, 4]), torch.tensor([0, 1, 3, 5])]
    ragged = dict(student=data['inputs']['student'][:6],
                  teacher=[views[0][rows[0]], views[1][rows[1]]], teacher_rows=rows)
    feats, logits = model.teacher_outputs(ragged)
    torch.testing.assert_close(logits[0], (per_view[0][1][0] + per_view[1][1][0]) / 2)
    torch.testing.assert_close(logits[2], per_view[0][1][2])
    torch.testing.assert_close(logits[5], per_view[1][1][5])
    # the student's own batch when asked (online teacher on the student view)
    model.teacher_input = 'student'
    spy = _Spy(model.teacher)
    model.teacher_outputs(data['inputs'])
    assert spy.inputs[-1] is data['inputs']['student']
    model.teacher_input = 'views'
    with pytest.raises(ValueError, match='no teacher views'):
        model.teacher_outputs(data['inputs']['student'])


@pytest.mark.parametrize('augment', ['Mixup', 'CutMix'])
def test_online_teacher_sees_the_students_mixed_batch(cfg, teacher_ckpt, augment):
    model = _model(cfg, teacher_ckpt,
                   train_cfg=dict(augments=[dict(type=augment, alpha=1.0)]))
    data = model.data_preprocessor(_batch([dict(type='PackInputs')]), True)
    assert (torch.stack([s.gt_score for s in data['data_samples']]).max(1).values < 1).any()
    spy = _Spy(model.teacher)
    model(**data, mode='loss')
    assert len(spy.inputs) == 1 and spy.inputs[0] is data['inputs']


def test_predict_and_tensor_use_the_student_alone(cfg, teacher_ckpt):
    model = _model(cfg, teacher_ckpt).eval()
    spy = _Spy(model.teacher)
    data = model.data_preprocessor(_batch([dict(type='PackInputs')]), False)
    preds = model(**data, mode='predict')
    logits = model(data['inputs'])
    assert spy.inputs == []
    plain = _build(dict(type='ImageClassifier', backbone=cfg.model.backbone,
                        neck=cfg.model.neck, head=cfg.model.head))
    missing, unexpected = plain.load_state_dict(model.state_dict(), strict=False)
    assert missing == [] and all(k.split('.')[0] in ('projector', 'balancer')
                                 for k in unexpected)
    plain.eval()
    torch.testing.assert_close(plain(data['inputs']), logits)
    assert [p.pred_label.item() for p in preds] == logits.argmax(1).tolist()


def test_checkpoints_leave_the_teacher_out_and_load_back(cfg, teacher_ckpt):
    model = _model(cfg, teacher_ckpt)
    state = model.state_dict()
    assert not any(k.startswith('teacher.') for k in state)
    fresh = _build(copy.deepcopy(cfg.model))  # teacher not loaded: random weights
    teacher_before = copy.deepcopy(fresh.teacher.state_dict())
    fresh.load_state_dict(state, strict=True)  # no missing-key complaint
    for key, value in fresh.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key])
    for key, value in state.items():
        assert torch.equal(fresh.state_dict()[key], value)
    keep = _model(cfg, teacher_ckpt, save_teacher=True)
    assert any(k.startswith('teacher.') for k in keep.state_dict())
    fresh.load_state_dict(keep.state_dict(), strict=True)
    torch.testing.assert_close(fresh.teacher.state_dict(), model.teacher.state_dict())


@pytest.mark.slow
def test_training_run_validates_and_converts_to_a_plain_classifier(cfg, teacher_ckpt, tmp_path):
    run_cfg = copy.deepcopy(cfg)
    run_cfg.model.teacher.checkpoint = teacher_ckpt
    run_cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(run_cfg)
    runner.train()
    rows = [json.loads(line) for line in
            open(sorted(glob.glob(f'{tmp_path}/*/vis_data/scalars.json'))[-1])]
    train_rows = [r for r in rows if 'loss_kd' in r]
    assert len(train_rows) == 15  # 3 epochs of 5 iterations (161 images, batch 32)
    first, last = train_rows[0], train_rows[-1]
    assert last['kd_term'] < first['kd_term'] and last['loss'] < first['loss']
    assert all('lambda_mean' in r and 0.1 < r['lambda_mean'] < 0.9 for r in train_rows)
    assert any(r['lambda_std'] > 0 for r in train_rows)
    assert 'accuracy/top1' in rows[-1]
    ckpt = load_checkpoint_safely(f'{tmp_path}/epoch_3.pth')
    assert not any(k.startswith('teacher.') for k in ckpt['state_dict'])
    assert ckpt['meta']['dataset_meta']['class_counts'][0] == 40

    out = str(tmp_path / 'student.pth')
    config_path = str(tmp_path / 'config.py')
    run_cfg.dump(config_path)
    proc = python_tool('model_converters/distiller_to_classifier.py', config_path,
                       f'{tmp_path}/epoch_3.pth', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'loads it strictly' in proc.stdout
    student_cfg = Config.fromfile(str(tmp_path / 'student.py'))
    assert student_cfg.model.type == 'ImageClassifier'
    assert not any(h['type'] == 'AdversarialBalanceHook' for h in student_cfg.custom_hooks)
    plain = _build(student_cfg.model)
    plain.load_state_dict(load_checkpoint_safely(out)['state_dict'], strict=True)
    plain.eval()
    distilled = runner.model.eval()
    x = distilled.data_preprocessor(_batch([dict(type='PackInputs')]), False)['inputs']
    torch.testing.assert_close(plain(x), distilled(x))


@pytest.mark.slow
def test_converter_rejects_a_plain_classifier_config(tmp_path):
    proc = python_tool('model_converters/distiller_to_classifier.py',
                       osp.join(REPO_ROOT, 'tests', 'data', 'digits_tiny.py'),
                       str(tmp_path / 'missing.pth'), str(tmp_path / 'out.pth'))
    assert proc.returncode != 0 and 'not a CalibratedDistiller' in proc.stderr


@pytest.mark.parametrize('name', ['fashion-mnist-lt', 'cifar10-lt', 'cifar100-lt'])
def test_ltbin_configs_build_without_the_teacher_file(name):
    """The distillation configs build (the calibrated teacher loads only when training)."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'ltbin', f'reactnet_{name}.py'))
    model = _build(cfg.model)
    assert model.teacher.num_classes == model.head.num_classes
    assert model.teacher_checkpoint.endswith('epoch_30.pth')
    assert model.balancer.in_channels == 1280
    assert any(h['type'] == 'AdversarialBalanceHook' for h in cfg.custom_hooks)
    # multi-resolution inside the teacher, online in bfloat16, on the student's Mixup batch
    assert model.teacher_input == 'student' and model.teacher_cache is None
    assert tuple(model.teacher.resolutions) == (32, 64, 96)
    assert model.teacher.autocast == 'bfloat16'
    augments = model.data_preprocessor.batch_augments.augments
    assert [type(a).__name__ for a in augments] == ['Mixup']
    x = torch.rand(2, 3, 32, 32)
    assert model(x).shape == (2, model.head.num_classes)


def test_the_cached_form_builds_a_cache_and_mixes_nothing():
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'ltbin',
                                   'reactnet_fashion-mnist-lt_cached.py'))
    model = _build(cfg.model)
    assert model.teacher_cache is not None and model.teacher.autocast is None
    assert getattr(model.data_preprocessor, 'batch_augments', None) is None
    assert cfg.default_hooks.teacher_cache_prefill.type == 'TeacherCachePrefillHook'


LTBIN_CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'ltbin', '*.py')))


@pytest.mark.slow
@pytest.mark.parametrize('path', LTBIN_CONFIGS, ids=[osp.basename(p) for p in LTBIN_CONFIGS])
def test_every_ltbin_config_parses_and_builds_its_model(path):
    cfg = Config.fromfile(path)
    model = _build(cfg.model)
    assert type(model).__name__ in ('CalibratedDistiller', 'LinearProbeClassifier')
    # a cache prefill hook only where there is a cache to fill
    prefill = cfg.get('default_hooks', {}).get('teacher_cache_prefill')
    assert prefill is None or getattr(model, 'teacher_cache', None) is not None, path
    for transform in cfg.train_dataloader.dataset.get('dataset', {}).get('pipeline', []):
        assert transform['type'] in TRANSFORMS, transform['type']


@pytest.mark.slow
@pytest.mark.parametrize('path', LTBIN_CONFIGS, ids=[osp.basename(p) for p in LTBIN_CONFIGS])
def test_every_ltbin_config_builds_a_runner_with_its_hooks(path, tmp_path):
    """What tools/train.py builds before any data is read: the runner registers every hook of
    the config (mmengine refuses e.g. None for a hook it does not define itself)."""
    cfg = Config.fromfile(path)
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    names = {type(hook).__name__ for hook in runner.hooks}
    assert {'AtomicCheckpointHook', 'ClassCountsHook', 'EpochSeedHook'} <= names
    has_cache = getattr(runner.model, 'teacher_cache', None) is not None
    assert ('TeacherCachePrefillHook' in names) == has_cache, path


CACHED_PIPELINE = [
    dict(type='SlottedAugment', num_slots=2, seed=0, transforms=[
        dict(type='RandomCrop', crop_size=8, padding=2),
        dict(type='MultiResPipeline', teacher_sizes=(8, 16), num_teacher_views=1)]),
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_shape', 'aug_key')),
]


def test_teacher_cache_returns_the_teachers_outputs_and_skips_known_keys(cfg, teacher_ckpt):
    model = _model(cfg, teacher_ckpt, teacher_cache=dict(type='TeacherOutputCache'))
    data = model.data_preprocessor(_batch(CACHED_PIPELINE), True)
    spy = _Spy(model.teacher)
    first = model.teacher_outputs(data['inputs'], data['data_samples'])
    assert len(spy.inputs) > 0
    fresh = model._run_teacher(data['inputs'])
    torch.testing.assert_close(first, fresh)
    calls = len(spy.inputs)
    again = model.teacher_outputs(data['inputs'], data['data_samples'])
    assert len(spy.inputs) == calls  # all keys known: the teacher does not run
    torch.testing.assert_close(again, fresh)
    # half the batch new: the teacher runs on those rows only
    for sample in data['data_samples'][:6]:
        sample.set_metainfo(dict(aug_key=10_000 + sample.aug_key))
    before = len(spy.inputs)
    mixed = model.teacher_outputs(data['inputs'], data['data_samples'])
    # one teacher view per sample (num_teacher_views=1): the views hold 6 images in all
    assert sum(len(view) for views in spy.inputs[before:] for view in views) == 6
    torch.testing.assert_close(mixed, fresh)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert 0 < float(losses['teacher_cache_hit_rate']) < 1


def test_fill_teacher_cache_stores_only_what_is_missing_and_counts_no_lookup(cfg, teacher_ckpt):
    model = _model(cfg, teacher_ckpt, teacher_cache=dict(type='TeacherOutputCache'))
    data = model.data_preprocessor(_batch(CACHED_PIPELINE), True)
    keys = [s.aug_key for s in data['data_samples']]
    spy = _Spy(model.teacher)
    assert model.fill_teacher_cache(data['inputs'], data['data_samples']) == len(set(keys))
    assert model.teacher_cache.lookups == 0 and len(model.teacher_cache) == len(set(keys))
    torch.testing.assert_close(model.teacher_cache.get(keys), model._run_teacher(data['inputs']))
    calls = len(spy.inputs)
    assert model.fill_teacher_cache(data['inputs'], data['data_samples']) == 0
    assert len(spy.inputs) == calls
    with pytest.raises(ValueError, match='model.teacher_cache is None'):
        _model(cfg, teacher_ckpt).fill_teacher_cache(data['inputs'], data['data_samples'])


def test_teacher_cache_without_keys_or_with_mixup_is_named(cfg, teacher_ckpt):
    model = _model(cfg, teacher_ckpt, teacher_cache=dict())
    data = model.data_preprocessor(_batch(), True)
    with pytest.raises(ValueError, match='SlottedAugment'):
        model.loss(data['inputs'], data['data_samples'])
    with pytest.raises(ValueError, match='Mixup'):
        _model(cfg, teacher_ckpt, teacher_cache=dict(),
               train_cfg=dict(augments=[dict(type='Mixup', alpha=1.0)]))


def test_a_teacher_without_weights_is_refused(cfg):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher.checkpoint = None
    model = _build(model_cfg)
    model.init_weights()
    data = model.data_preprocessor(_batch(), True)
    with pytest.raises(RuntimeError, match='set model.teacher.checkpoint'):
        model.loss(data['inputs'], data['data_samples'])
