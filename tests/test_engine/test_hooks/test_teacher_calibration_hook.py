"""TeacherCalibrationHook: calibration inside a distillation run, on real data (sklearn digits)."""
import copy
import glob
import json
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks import TeacherCalibrationHook
from mmltbin.models.classifiers import LinearProbeClassifier
from mmltbin.models.teachers import FrozenTeacher
from mmltbin.utils import load_checkpoint_safely
from mmpretrain.registry import DATASETS, MODELS
from toolrun import REPO_ROOT, dist_train

CONFIG = osp.join(REPO_ROOT, 'tests', 'test_models', 'test_classifiers', 'data',
                  'distill_digits.py')
EPOCHS = 30
HOOK = dict(type='TeacherCalibrationHook', epochs=EPOCHS, resolutions=(8, 16),
            optimizer=dict(type='Adam', lr=0.1))


def _build(cfg: dict):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(copy.deepcopy(cfg))


def _encoder_cfg() -> dict:
    """The digits teacher's RGB encoder (normalisation 0 / 255) without its head."""
    encoder = copy.deepcopy(Config.fromfile(CONFIG).teacher_classifier)
    encoder.pop('head')
    return encoder.to_dict() if hasattr(encoder, 'to_dict') else dict(encoder)


def _probe_cfg(encoder_ckpt, **kwargs) -> dict:
    return dict(type='LinearProbeClassifier', encoder=_encoder_cfg(),
                encoder_checkpoint=encoder_ckpt, num_classes=10,
                loss=dict(type='BalancedSoftmaxLoss'), cache_features=True, **kwargs)


@pytest.fixture(scope='module')
def encoder_ckpt(tmp_path_factory):
    """'Pretrained' encoder weights (a fixed random initialisation)."""
    torch.manual_seed(1)
    encoder = _build(_encoder_cfg())
    path = str(tmp_path_factory.mktemp('encoder') / 'encoder.pth')
    torch.save({'state_dict': encoder.state_dict(), 'meta': {}}, path)
    return path


def _config(work_dir, encoder_ckpt, max_epochs=1, hook=HOOK, **overrides) -> Config:
    cfg = Config.fromfile(CONFIG)
    cfg.model.teacher = dict(type='FrozenTeacher', model=_probe_cfg(encoder_ckpt),
                             checkpoint=None)
    cfg.custom_hooks = [dict(hook), dict(type='AdversarialBalanceHook')]
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = 100
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'calibrate_in_run_{osp.basename(str(work_dir))}'  # own log file
    cfg.log_level = 'INFO'
    cfg.merge_from_dict(overrides)
    return cfg


def _log(work_dir) -> str:
    return open(sorted(glob.glob(f'{work_dir}/*/*.log'))[-1]).read()


def _train_set(pipeline):
    dataset = DATASETS.build(dict(type='LongTailDataset', n_max=40, rho=10, dataset=dict(
        type='SklearnDigits', split='train', pipeline=pipeline)))
    return pseudo_collate([dataset[i] for i in range(len(dataset))])


@pytest.fixture(scope='module')
def calibrated_run(tmp_path_factory, encoder_ckpt):
    """One run: calibration (30 epochs) then one epoch of distillation, with spies."""
    work_dir = tmp_path_factory.mktemp('run')
    seen = dict(init_heads=[], features={})
    init_weights = LinearProbeClassifier.init_weights
    extract_feat = LinearProbeClassifier.extract_feat

    def spy_init(self):
        init_weights(self)
        seen['init_heads'].append(copy.deepcopy(self.head.state_dict()))

    def spy_extract(self, inputs, data_samples=None):
        feats = extract_feat(self, inputs, data_samples)
        if data_samples and self.training:
            for sample, feat in zip(data_samples, feats):
                seen['features'][sample.sample_idx] = feat.detach().clone()
        return feats

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LinearProbeClassifier, 'init_weights', spy_init)
        patch.setattr(LinearProbeClassifier, 'extract_feat', spy_extract)
        runner = Runner.from_cfg(_config(work_dir, encoder_ckpt))
        runner.train()
    return SimpleNamespace(runner=runner, work_dir=str(work_dir), **seen)


@pytest.mark.slow
def test_calibrates_the_teachers_head_then_distills(calibrated_run):
    runner = calibrated_run.runner
    model, probe = runner.model, runner.model.teacher.model
    assert len(calibrated_run.init_heads) == 1  # the hook initialised the probe once
    init_head = calibrated_run.init_heads[0]
    assert not torch.equal(init_head['fc.weight'], probe.head.fc.weight)
    # frozen again, marked as loaded, calibration-only settings restored
    assert not any(p.requires_grad or p.grad is not None for p in model.teacher.parameters())
    assert not model.teacher.training and not probe.training and not probe.head.training
    assert model._teacher_loaded and probe.resolutions is None
    assert probe.encoder._in_scale is None  # the probe's own normalisation = the encoder's
    assert all(not cache for cache in probe._cache.values())
    # loss per epoch in the log, falling
    log = _log(calibrated_run.work_dir)
    losses = [float(line.split('loss: ')[1].split()[0]) for line in log.splitlines()
              if 'TeacherCalibrationHook: epoch [' in line]
    assert len(losses) == EPOCHS and losses[-1] < 0.9 * losses[0]
    assert 'saved the calibrated teacher' in log
    # then the distillation ran with that teacher
    rows = [json.loads(line) for line in
            open(sorted(glob.glob(f'{calibrated_run.work_dir}/*/vis_data/scalars.json'))[-1])]
    assert any('loss_kd' in r and 'lambda_mean' in r for r in rows)


@pytest.mark.slow
def test_the_calibration_sees_what_a_calibration_config_sees(calibrated_run, encoder_ckpt):
    """Features of the run's training images as LinearProbeClassifier computes them under
    tools/train.py with a calibration config (dataset normalisation, test pipeline, 8/16 px)."""
    cfg = Config.fromfile(CONFIG)
    probe = _build(_probe_cfg(encoder_ckpt, resolutions=(8, 16),
                              data_preprocessor=dict(cfg.data_preprocessor)))
    probe.init_weights()
    data = probe.data_preprocessor(_train_set([dict(type='PackInputs')]), False)
    feats = probe.extract_feat(data['inputs'])
    seen = calibrated_run.features
    assert len(seen) == len(data['data_samples']) == 159
    expected = torch.stack([seen[s.sample_idx] for s in data['data_samples']])
    torch.testing.assert_close(feats, expected)


@pytest.mark.slow
def test_the_saved_teacher_loads_as_a_standalone_teacher_and_is_calibrated(calibrated_run,
                                                                           encoder_ckpt):
    runner = calibrated_run.runner
    path = osp.join(calibrated_run.work_dir, 'calibrated_teacher.pth')
    ckpt = load_checkpoint_safely(path)  # weights_only
    assert ckpt['meta']['dataset_meta']['class_counts'][0] == 40
    assert ckpt['meta']['calibration']['epochs'] == EPOCHS
    for key, value in runner.model.teacher.model.state_dict().items():
        assert torch.equal(ckpt['state_dict'][key], value), key
    # a distillation config's teacher (resolutions None) gives the run's teacher's logits
    teacher = _build(dict(type='FrozenTeacher', model=_probe_cfg(None), checkpoint=path))
    teacher.set_input_norm(runner.model.data_preprocessor.mean.flatten().tolist(),
                           runner.model.data_preprocessor.std.flatten().tolist())
    data = runner.model.data_preprocessor(_train_set([dict(type='PackInputs')]), False)
    feats, logits = teacher(data['inputs'])
    run_feats, run_logits = runner.model.teacher(data['inputs'])
    torch.testing.assert_close(logits, run_logits)
    torch.testing.assert_close(feats, run_feats)
    # as calibrated (8 + 16 px) it classifies its training set far above chance (10%)
    calibrated = _build(dict(type='FrozenTeacher', checkpoint=path,
                             model=_probe_cfg(None, resolutions=(8, 16))))
    calibrated.set_input_norm([85.0], [100.0])
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    accuracy = (calibrated(data['inputs'])[1].argmax(1) == labels).float().mean()
    assert accuracy > 0.5


@pytest.mark.slow
def test_tools_test_with_a_calibration_config_loads_the_file(calibrated_run, encoder_ckpt,
                                                            tmp_path):
    """The file is an ordinary checkpoint of the calibration model (as tools/test.py loads)."""
    cfg = Config.fromfile(CONFIG)
    cfg.model = _probe_cfg(encoder_ckpt, resolutions=(8, 16))
    cfg.load_from = osp.join(calibrated_run.work_dir, 'calibrated_teacher.pth')
    cfg.work_dir = str(tmp_path)
    cfg.custom_hooks = []
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert metrics['accuracy/top1'] > 30  # chance: 10
    torch.testing.assert_close(runner.model.head.fc.weight,
                               calibrated_run.runner.model.teacher.model.head.fc.weight)


@pytest.mark.slow
def test_a_resumed_run_loads_the_file_instead_of_calibrating(calibrated_run, encoder_ckpt,
                                                             tmp_path, monkeypatch):
    """Resume the run (epoch 1 -> 2) in a work dir that holds calibrated_teacher.pth."""
    path = osp.join(calibrated_run.work_dir, 'calibrated_teacher.pth')
    (tmp_path / 'calibrated_teacher.pth').write_bytes(open(path, 'rb').read())
    epochs = []
    monkeypatch.setattr(TeacherCalibrationHook, '_train_epoch',
                        staticmethod(lambda *args: epochs.append(1) or 0.0))
    cfg = _config(tmp_path, encoder_ckpt, max_epochs=2, resume=True,
                  load_from=osp.join(calibrated_run.work_dir, 'epoch_1.pth'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 2 and epochs == []  # resumed and trained; no calibration epoch
    saved = load_checkpoint_safely(path)['state_dict']
    for key, value in runner.model.teacher.model.state_dict().items():
        assert torch.equal(saved[key], value), key
    assert not any(p.requires_grad for p in runner.model.teacher.parameters())
    log = _log(tmp_path)
    assert 'loaded the calibrated teacher from' in log and 'epoch [1/' not in log


def test_clear_errors(encoder_ckpt):
    with pytest.raises(ValueError, match='epochs must be an int >= 1'):
        TeacherCalibrationHook(epochs=0)
    cfg = Config.fromfile(CONFIG)
    hook = TeacherCalibrationHook(epochs=1)

    def before_train(model):
        hook.before_train(SimpleNamespace(model=model))

    plain = _build(dict(type='ImageClassifier', backbone=cfg.model.backbone,
                        neck=cfg.model.neck, head=cfg.model.head))
    with pytest.raises(TypeError, match='ImageClassifier, not a CalibratedDistiller'):
        before_train(plain)
    with pytest.raises(TypeError, match='ImageClassifier, not a LinearProbeClassifier'):
        before_train(_build(cfg.model))  # the digits distiller: a plain classifier teacher
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher = dict(type='FrozenTeacher', model=_probe_cfg(encoder_ckpt),
                             checkpoint='work_dirs/calibrated.pth')
    with pytest.raises(ValueError, match=r'already has a calibrated checkpoint.*drop '
                                         r'model\.teacher\.checkpoint.*or drop the '
                                         r'TeacherCalibrationHook'):
        before_train(_build(model_cfg))


def test_an_encoder_without_weights_is_named(encoder_ckpt, tmp_path):
    cfg = _config(tmp_path, None)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='encoder_checkpoint'):
        runner.train()


def test_calibrate_in_run_config_builds_without_the_teacher_files():
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'ltbin',
                                   'reactnet_fashion-mnist-lt_calibrate-in-run.py'))
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert hooks['TeacherCalibrationHook']['epochs'] == 30
    assert 'resolutions' not in hooks['TeacherCalibrationHook']  # the teacher's own
    assert 'AdversarialBalanceHook' in hooks
    model = _build(cfg.model)  # nothing is loaded before training
    probe = model.teacher.model
    assert model.teacher_checkpoint is None and isinstance(probe, LinearProbeClassifier)
    assert probe.encoder_checkpoint == 'checkpoints/efficientnet-lite0_in1k_timm.pth'
    assert tuple(probe.resolutions) == (32, 64, 96) and model.teacher_input == 'student'
    assert type(probe.head.loss_module).__name__ == 'BalancedSoftmaxLoss'
    assert model.teacher.num_classes == model.head.num_classes == 10
    assert isinstance(model.teacher, FrozenTeacher) and model.balancer.in_channels == 1280
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.slow
def test_two_processes_calibrate_identically(calibrated_run, encoder_ckpt, tmp_path):
    """tools/dist_train.sh, 2 gloo processes: both ranks end with the same teacher, equal to
    the single-process calibration (same seed, full training set on every rank)."""
    config = tmp_path / 'calibrate_in_run_dist.py'
    teacher = dict(type='FrozenTeacher', model=_probe_cfg(encoder_ckpt), checkpoint=None)
    config.write_text(
        f"_base_ = ['{CONFIG}']\n"
        "custom_imports = dict(imports=['mmltbin', 'mmltbin_test_hooks'])\n"
        f"model = dict(save_teacher=True, teacher=dict(_delete_=True, **{teacher!r}))\n"
        f"custom_hooks = [{HOOK!r}, dict(type='DumpRankWeightsHook')]\n"
        "train_cfg = dict(max_epochs=1, val_interval=100)\n")
    work_dir = tmp_path / 'dist'
    proc = dist_train(config, 2, '--work-dir', str(work_dir))
    assert proc.returncode == 0, proc.stderr[-5000:]
    ranks = [load_checkpoint_safely(str(work_dir / f'rank{r}.pth')) for r in (0, 1)]
    saved = load_checkpoint_safely(str(work_dir / 'calibrated_teacher.pth'))['state_dict']
    single = calibrated_run.runner.model.teacher.model.state_dict()
    for key, value in saved.items():
        assert torch.equal(ranks[0][f'teacher.model.{key}'], value), key
        assert torch.equal(ranks[1][f'teacher.model.{key}'], value), key
        torch.testing.assert_close(value, single[key], msg=f'1 and 2 processes differ: {key}')
