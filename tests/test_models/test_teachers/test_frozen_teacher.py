"""FrozenTeacher: frozen, safely loaded, (features, logits) from any mmpretrain classifier."""
import logging
import os
from typing import Optional

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModule

import mmltbin  # noqa: F401
from mmltbin.models.teachers import FrozenTeacher
from mmltbin.models.teachers.utils import build_in_mmpretrain_scope
from mmltbin.utils import UnsafeCheckpointError, cpu_bfloat16_native
from mmpretrain.registry import MODELS

TINY_RESNET = dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8,
                   num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(1, ))


def _classifier_cfg(num_classes=5, with_head=True):
    cfg = dict(type='ImageClassifier', backbone=TINY_RESNET, neck=dict(type='GlobalAveragePooling'),
               data_preprocessor=NORM)
    if with_head:
        cfg['head'] = dict(type='LinearClsHead', num_classes=num_classes, in_channels=16)
    return cfg


NORM = dict(type='ClsDataPreprocessor', mean=[120.0, 110.0, 100.0], std=[60.0, 50.0, 40.0])


def _timm_cfg():
    return dict(type='TimmClassifier', model_name='resnet10t', pretrained=False, num_classes=4,
                data_preprocessor=NORM)


def _trained_state(cfg, seed=0):
    """A classifier whose weights and BN statistics are not the defaults."""
    torch.manual_seed(seed)
    model = build_in_mmpretrain_scope(cfg)
    for param in model.parameters():
        param.data.normal_(0, 0.2)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return model


@pytest.fixture
def saved_classifier(tmp_path):
    model = _trained_state(_classifier_cfg())
    path = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {'dataset_meta': {'classes': 'abcde'}}},
               path)
    return model.eval(), path


def test_registered_and_outputs_match_the_classifier(saved_classifier):
    model, path = saved_classifier
    teacher = MODELS.build(dict(type='FrozenTeacher', model=_classifier_cfg(), checkpoint=path))
    x = torch.randn(3, 3, 16, 16)
    feats, logits = teacher(x)
    with torch.no_grad():
        expected_feats = model.extract_feat(x)[-1]
        expected_logits = model.head(model.extract_feat(x))
    torch.testing.assert_close(feats, expected_feats)
    torch.testing.assert_close(logits, expected_logits)
    assert (teacher.feat_dim, teacher.num_classes) == (16, 5)
    assert teacher.dataset_meta == {'classes': 'abcde'}


def test_frozen_no_grad_and_eval_after_train(saved_classifier):
    _, path = saved_classifier
    teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path)
    assert all(not p.requires_grad for p in teacher.parameters())
    parent = nn.Sequential(teacher, nn.Linear(16, 2))
    parent.train()
    assert not any(m.training for m in teacher.modules())
    bn = next(m for m in teacher.modules() if isinstance(m, nn.BatchNorm2d))
    stats = bn.running_mean.clone()
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    feats, logits = teacher(x)
    assert not feats.requires_grad and not logits.requires_grad
    assert torch.equal(bn.running_mean, stats)  # BN statistics never update
    parent[1](feats).sum().backward()
    assert all(p.grad is None for p in teacher.parameters())


def test_fold_bn_same_outputs_same_state_dict_and_folds_again_after_loading(saved_classifier,
                                                                          tmp_path):
    _, path = saved_classifier
    exact = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24),
                          fold_bn=False)
    folded = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24))
    x = torch.randn(4, 3, 16, 16)
    for got, expected in zip(folded(x), exact(x)):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    assert folded._inference[0] is not folded.model  # the folded copy runs
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded._inference[0].modules())
    # the copy is outside the module tree: the state dict and parameters are the encoder's
    assert folded.state_dict().keys() == exact.state_dict().keys()
    assert all(torch.equal(v, exact.state_dict()[k]) for k, v in folded.state_dict().items())
    assert sum(p.numel() for p in folded.parameters()) == sum(
        p.numel() for p in exact.parameters())
    # new weights are folded again, not served from the old copy
    other = _trained_state(_classifier_cfg(), seed=1)
    other_path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': other.state_dict()}, other_path)
    for teacher in (exact, folded):
        teacher.load_checkpoint(other_path)
    for got, expected in zip(folded(x), exact(x)):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    folded.to(torch.float64)  # so is a dtype (or device) change
    assert folded(x.double())[0].dtype == torch.float64


def test_fold_is_checked_in_float32_inside_a_callers_autocast(saved_classifier, monkeypatch):
    from mmltbin.models.teachers import frozen_teacher
    _, path = saved_classifier
    said = []
    monkeypatch.setattr(frozen_teacher, 'print_log',
                        lambda msg, logger=None, level=None: said.append((msg, level)))
    teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path)
    with torch.autocast('cpu', dtype=torch.bfloat16):  # as mmengine's AmpOptimWrapper runs it
        teacher(torch.randn(4, 3, 16, 16))
    assert [level for _, level in said] == [None], said  # folded, no mismatch warned
    assert teacher._inference[0] is not teacher.model


def test_a_fold_that_does_not_hold_warns_and_runs_the_encoder(saved_classifier, monkeypatch):
    from mmltbin.models.teachers import frozen_teacher
    from mmltbin.models.utils import FoldMismatchError
    _, path = saved_classifier

    def mismatch(model, run, rtol=1e-4):
        raise FoldMismatchError('fold_batch_norms: the folded ImageClassifier differs')

    monkeypatch.setattr(frozen_teacher, 'fold_batch_norms', mismatch)
    said = []
    monkeypatch.setattr(frozen_teacher, 'print_log',
                        lambda msg, logger=None, level=None: said.append((msg, level)))
    teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path)
    exact = FrozenTeacher(_classifier_cfg(), checkpoint=path, fold_bn=False)
    x = torch.randn(4, 3, 16, 16)
    torch.testing.assert_close(teacher(x), exact(x), rtol=0, atol=0)
    teacher(x)
    assert len(said) == 1 and said[0][1] == logging.WARNING
    assert 'differs; the teacher runs unfolded (set model.teacher.fold_bn=False' in said[0][0]


def test_openvino_runtime_same_outputs_and_remade_after_loading(saved_classifier, tmp_path):
    pytest.importorskip('openvino', reason='OpenVINO (the deploy extra) is not installed')
    import copy
    _, path = saved_classifier
    exact = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24))
    fast = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24),
                         runtime='openvino')
    x = torch.randn(5, 3, 16, 16)
    for got, expected in zip(fast(x), exact(x)):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    compiled = fast._openvino[True]
    assert compiled is not None and compiled._checked == {(3, 16, 16), (3, 24, 24)}
    assert fast.state_dict().keys() == exact.state_dict().keys()
    # a copy (EMA, a pickled model) remakes its own compiled encoder
    twin = copy.deepcopy(fast)
    assert twin._openvino == {} and twin._inference is None
    torch.testing.assert_close(twin(x), fast(x), rtol=0, atol=0)
    other = _trained_state(_classifier_cfg(), seed=1)
    other_path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': other.state_dict()}, other_path)
    for teacher in (exact, fast):
        teacher.load_checkpoint(other_path)  # new weights: compiled again
    for got, expected in zip(fast(x), exact(x)):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    assert fast._openvino[True] is not compiled
    with pytest.raises(ValueError, match="runtime must be one of .*got 'onnx'"):
        FrozenTeacher(_classifier_cfg(), runtime='onnx')
    with pytest.raises(ValueError, match='trainable=.*backbone.layer2.*runtime="torch"'):
        FrozenTeacher(_classifier_cfg(), runtime='openvino', trainable=('backbone.layer2', ))


def test_auto_runtime_runs_openvino_in_float32_on_the_cpu(saved_classifier, monkeypatch):
    pytest.importorskip('openvino', reason='OpenVINO (the deploy extra) is not installed')
    from mmltbin.deploy import backend
    from mmltbin.models.teachers import frozen_teacher
    _, path = saved_classifier
    x = torch.randn(4, 3, 16, 16)

    def precision(runtime: str = 'auto', **kwargs) -> Optional[str]:
        """OpenVINO's precision for the teacher's encoder; None: torch runs it."""
        teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path, runtime=runtime, **kwargs)
        teacher(x)
        fast = teacher._openvino[True]
        return None if fast is None else fast.net.config['INFERENCE_PRECISION_HINT']

    monkeypatch.setattr(frozen_teacher, 'native_autocast', lambda device, dtype: True)
    assert precision() == 'f32'
    # 'auto' keeps float32 even where torch would autocast; 'openvino' follows autocast
    assert precision(autocast='bfloat16') == 'f32'
    if cpu_bfloat16_native():  # OpenVINO's bf16 needs the instructions
        assert precision('openvino', autocast='bfloat16') == 'bf16'
    monkeypatch.setattr(frozen_teacher, 'native_autocast', lambda device, dtype: False)
    assert precision('openvino', autocast='bfloat16') == 'f32'
    monkeypatch.setattr(backend, 'openvino_available', lambda: False)
    assert precision() is None  # not installed: torch, where runtime='openvino' would raise
    assert not FrozenTeacher(_classifier_cfg(), runtime='auto',
                             trainable=('backbone.layer2', ))._openvino_model(x, True)


def test_an_openvino_mismatch_or_failed_conversion_warns_and_runs_torch(saved_classifier, monkeypatch):
    pytest.importorskip('openvino', reason='OpenVINO (the deploy extra) is not installed')
    from mmltbin.models.teachers import frozen_teacher
    from mmltbin.models.utils import OpenVINOMismatchError
    _, path = saved_classifier

    def mismatch(self, x):
        raise OpenVINOMismatchError("OpenVINOModule: OpenVINO's outputs differ")

    monkeypatch.setattr(frozen_teacher.OpenVINOModule, '__call__', mismatch)
    said = []
    monkeypatch.setattr(frozen_teacher, 'print_log',
                        lambda msg, logger=None, level=None: said.append((msg, level)))
    fast = FrozenTeacher(_classifier_cfg(), checkpoint=path, runtime='openvino')
    exact = FrozenTeacher(_classifier_cfg(), checkpoint=path)
    x = torch.randn(4, 3, 16, 16)
    torch.testing.assert_close(fast(x), exact(x), rtol=0, atol=0)
    fast(x)
    warned = [msg for msg, level in said if level == logging.WARNING]
    assert len(warned) == 1 and "outputs differ; the teacher runs in torch" in warned[0]
    assert fast._openvino == {True: None}

    def unconvertible(*args, **kwargs):
        raise RuntimeError('no conversion rule for aten::foo')

    monkeypatch.setattr(frozen_teacher, 'OpenVINOModule', unconvertible)
    said.clear()
    other = FrozenTeacher(_classifier_cfg(), checkpoint=path, runtime='openvino')
    torch.testing.assert_close(other(x), exact(x), rtol=0, atol=0)
    warned = [msg for msg, level in said if level == logging.WARNING]
    assert len(warned) == 1 and ('could not convert the encoder of ImageClassifier '
                                 '(RuntimeError: no conversion rule for aten::foo)') in warned[0]


def test_trainable_modules_train_and_the_rest_stays_frozen(saved_classifier):
    _, path = saved_classifier
    teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path, trainable=('backbone.layer2', ))
    trainable = {n for n, p in teacher.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith('model.backbone.layer2.') for n in trainable)
    bn = next(m for m in teacher.model.backbone.layer2.modules() if isinstance(m, nn.BatchNorm2d))
    stats = bn.running_mean.clone()
    teacher.train()
    assert not any(m.training for m in teacher.modules())
    feats, logits = teacher(torch.randn(4, 3, 16, 16))
    (feats.sum() + logits.sum()).backward()
    assert torch.equal(bn.running_mean, stats)  # statistics stay the pretrained ones
    for name, param in teacher.named_parameters():
        assert (param.grad is not None) == (name in trainable), name
    with torch.no_grad():
        assert not teacher(torch.randn(2, 3, 16, 16))[0].requires_grad
    teacher.load_checkpoint(path)  # reloading keeps the choice
    assert {n for n, p in teacher.named_parameters() if p.requires_grad} == trainable
    with pytest.raises(ValueError, match='backbone.layer9.*submodules include'):
        FrozenTeacher(_classifier_cfg(), trainable=('backbone.layer9', ))


def test_state_dict_round_trip_inside_a_parent():
    """The teacher's weights survive a parent's state_dict/load_state_dict (timm included)."""
    for cfg in (_classifier_cfg(), _timm_cfg()):
        source = nn.ModuleDict(dict(teacher=FrozenTeacher(cfg)))
        for param in source.parameters():
            param.data.normal_()
        target = nn.ModuleDict(dict(teacher=FrozenTeacher(cfg)))
        target.load_state_dict(source.state_dict(), strict=True)
        x = torch.randn(2, 3, 32, 32)
        torch.testing.assert_close(target.teacher(x)[1], source.teacher(x)[1])


def test_timm_teacher_loads_plain_timm_weights(tmp_path):
    reference = _trained_state(_timm_cfg())
    path = str(tmp_path / 'timm.pth')
    torch.save(reference.model.state_dict(), path)  # plain timm naming, no prefix
    teacher = FrozenTeacher(_timm_cfg(), checkpoint=path)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = reference.eval().model(x)
        expected_feats = reference.model.forward_head(reference.model.forward_features(x),
                                                      pre_logits=True)
    feats, logits = teacher(x)
    torch.testing.assert_close(logits, expected, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(feats, expected_feats, rtol=1e-4, atol=1e-5)
    assert (teacher.feat_dim, teacher.num_classes) == (512, 4)


def test_parent_init_weights_cannot_overwrite_the_teacher(saved_classifier):
    _, path = saved_classifier

    class Parent(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type='Constant', val=0.0, layer=['Conv2d', 'Linear']))
            self.teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path)

    parent = Parent()
    x = torch.randn(2, 3, 16, 16)
    before = parent.teacher(x)[1]
    parent.init_weights()
    torch.testing.assert_close(parent.teacher(x)[1], before)


def test_refuses_checkpoint_with_pickled_callable(tmp_path, saved_classifier):
    model, _ = saved_classifier
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': model.state_dict(), 'hook': os.system}, path)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        FrozenTeacher(_classifier_cfg(), checkpoint=path)


def test_clear_errors_for_bad_checkpoints(tmp_path, saved_classifier):
    model, good = saved_classifier
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        FrozenTeacher(_classifier_cfg(), checkpoint=str(tmp_path / 'missing.pth'))
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'this is not a checkpoint')
    with pytest.raises(ValueError, match='cannot read checkpoint'):
        FrozenTeacher(_classifier_cfg(), checkpoint=str(garbage))
    with pytest.raises(ValueError, match='missing keys'):
        FrozenTeacher(_classifier_cfg(with_head=False) | dict(
            head=dict(type='StackedLinearClsHead', num_classes=5, in_channels=16,
                      mid_channels=[8])), checkpoint=good)
    with pytest.raises(ValueError, match='does not fit'):  # 7 classes vs 5 in the file
        FrozenTeacher(_classifier_cfg(num_classes=7), checkpoint=good)
    # a DDP-style "module." prefix is stripped by the default revise_keys
    prefixed = str(tmp_path / 'ddp.pth')
    torch.save({'state_dict': {f'module.{k}': v for k, v in model.state_dict().items()}},
               prefixed)
    FrozenTeacher(_classifier_cfg(), checkpoint=prefixed)


def test_input_norm_converts_student_inputs(saved_classifier):
    _, path = saved_classifier
    teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path)
    raw = torch.rand(2, 3, 16, 16) * 255
    mean = torch.tensor([120.0, 110.0, 100.0]).view(1, 3, 1, 1)
    std = torch.tensor([60.0, 50.0, 40.0]).view(1, 3, 1, 1)
    expected = teacher((raw - mean) / std)
    converting = FrozenTeacher(_classifier_cfg(), checkpoint=path,
                               input_norm=dict(mean=[72.94], std=[90.02]))
    got = converting((raw - 72.94) / 90.02)
    torch.testing.assert_close(got[1], expected[1], rtol=1e-4, atol=1e-4)
    # a grey, student-normalised batch is repeated to the teacher's three channels
    grey = torch.rand(2, 1, 16, 16) * 255
    torch.testing.assert_close(converting((grey - 72.94) / 90.02)[1],
                               teacher((grey.expand(-1, 3, -1, -1) - mean) / std)[1],
                               rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match='input_norm'):
        converting.set_input_norm([0.0], [0.0])


def test_views_are_averaged_and_headless_teacher_gives_features(saved_classifier):
    _, path = saved_classifier
    teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path)
    small, large = torch.randn(2, 3, 16, 16), torch.randn(2, 3, 24, 24)
    feats, logits = teacher({'16': small, '24': large})
    torch.testing.assert_close(logits, (teacher(small)[1] + teacher(large)[1]) / 2)
    torch.testing.assert_close(feats, (teacher(small)[0] + teacher(large)[0]) / 2)
    with pytest.raises(ValueError, match='empty'):
        teacher([])
    with pytest.raises(ValueError, match='batch size'):
        teacher([small, large[:1]])

    headless = FrozenTeacher(_classifier_cfg(with_head=False))
    assert headless.extract_feat(small).shape == (2, 16)
    assert headless.feat_dim == 16
    with pytest.raises(ValueError, match='no classification head'):
        headless(small)
    with pytest.raises(ValueError, match='no classification head'):
        headless.num_classes


def test_bad_config_errors():
    with pytest.raises(ValueError, match='feature_mode'):
        FrozenTeacher(_classifier_cfg(), feature_mode='spatial')
    with pytest.raises(KeyError, match='type'):
        FrozenTeacher(dict(neck=dict(type='GlobalAveragePooling')))
    with pytest.raises(TypeError, match='config dict'):
        FrozenTeacher('resnet18')


def test_autocast_runs_the_encoder_in_bf16_and_returns_float32(saved_classifier, monkeypatch):
    from mmltbin.models.teachers import frozen_teacher
    _, path = saved_classifier
    # torch computes bf16 on any CPU (emulated without AVX-512 BF16): the cast path is tested
    # on every machine, not only where the teacher would choose it
    monkeypatch.setattr(frozen_teacher, 'native_autocast', lambda device, dtype: True)
    exact = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24))
    fast = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24),
                         autocast='bfloat16')
    x = torch.randn(4, 3, 16, 16)
    (feats, logits), (feats16, logits16) = exact(x), fast(x)
    assert feats16.dtype == logits16.dtype == torch.float32
    # bf16 keeps 8 bits of mantissa: close to float32, but not equal
    torch.testing.assert_close(feats16, feats, rtol=0.05, atol=0.05)
    assert not torch.equal(feats16, feats)
    assert fast.extract_feat(x).dtype == torch.float32
    with pytest.raises(ValueError, match="autocast must be one of.*'fp8'"):
        FrozenTeacher(_classifier_cfg(), autocast='fp8')


def test_autocast_without_native_support_runs_float32_and_says_so(saved_classifier,
                                                                   monkeypatch):
    from mmltbin.models.teachers import frozen_teacher
    _, path = saved_classifier
    exact = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24))
    fast = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24),
                         autocast='bfloat16')
    monkeypatch.setattr(frozen_teacher, 'native_autocast', lambda device, dtype: False)
    said = []
    monkeypatch.setattr(frozen_teacher, 'print_log',
                        lambda msg, logger=None, level=None: said.append((msg, level)))
    x = torch.randn(4, 3, 16, 16)
    torch.testing.assert_close(fast(x), exact(x), rtol=0, atol=0)
    fast(x)
    warned = [(msg, level) for msg, level in said if 'autocast' in msg]
    assert len(warned) == 1, 'warned once per device type'
    msg, level = warned[0]
    assert level == logging.WARNING
    assert "autocast='bfloat16' has no native support on this cpu" in msg
    assert 'model.teacher.autocast=None' in msg


def test_native_autocast_asks_the_device():
    from mmltbin.models.teachers.frozen_teacher import native_autocast
    cpu = torch.device('cpu')
    assert native_autocast(cpu, torch.bfloat16) == cpu_bfloat16_native()
    assert not native_autocast(cpu, torch.float16)
    assert not native_autocast(cpu, None)


def test_a_teacher_without_input_normalisation_is_refused():
    """mmpretrain configs keep data_preprocessor at the top level: not silently raw pixels."""
    cfg = _classifier_cfg()
    del cfg['data_preprocessor']
    with pytest.raises(ValueError, match=r'model\.teacher\.model\.data_preprocessor'):
        FrozenTeacher(cfg)
    with pytest.raises(ValueError, match='no input normalisation'):
        FrozenTeacher(dict(_timm_cfg(), data_preprocessor=dict(type='ClsDataPreprocessor')))


def test_resolutions_and_partial_views(saved_classifier):
    _, path = saved_classifier
    teacher = FrozenTeacher(_classifier_cfg(), checkpoint=path, resolutions=(16, 24))
    plain = FrozenTeacher(_classifier_cfg(), checkpoint=path)
    x = torch.randn(3, 3, 16, 16)
    x24 = torch.nn.functional.interpolate(x, size=(24, 24), mode='bilinear', align_corners=False)
    feats, logits = teacher(x)
    torch.testing.assert_close(feats, (plain(x)[0] + plain(x24)[0]) / 2)
    torch.testing.assert_close(logits, (plain(x)[1] + plain(x24)[1]) / 2)
    # views holding some rows each (MultiResDataPreprocessor's teacher_rows): each sample is
    # averaged over the views it has
    a, b = torch.randn(2, 3, 16, 16), torch.randn(2, 3, 24, 24)
    rows = [torch.tensor([0, 2]), torch.tensor([1, 2])]
    feats, logits = plain([a, b], rows)
    torch.testing.assert_close(logits[0], plain(a)[1][0])
    torch.testing.assert_close(logits[1], plain(b)[1][0])
    torch.testing.assert_close(logits[2], (plain(a)[1][1] + plain(b)[1][1]) / 2)
    # rows that are all None are ordinary full views
    torch.testing.assert_close(plain([x, x], [None, None])[1], plain(x)[1])


def _probe_cfg():
    encoder = _classifier_cfg(with_head=False)
    return dict(type='LinearProbeClassifier', encoder=encoder, num_classes=5,
                resolutions=(16, 24), data_preprocessor=dict(
                    type='ClsDataPreprocessor', mean=[72.94] * 3, std=[90.02] * 3))


def test_calibrated_checkpoint_loads_into_encoder_and_head(tmp_path):
    """A calibration run's checkpoint (LinearProbeClassifier: encoder.* and head.*)."""
    torch.manual_seed(0)
    probe = build_in_mmpretrain_scope(_probe_cfg())
    for param in probe.parameters():
        param.data.normal_(0, 0.2)
    path = str(tmp_path / 'epoch_3.pth')
    torch.save({'state_dict': probe.state_dict(), 'meta': {'dataset_meta': {'classes': 'x'}}},
               path)
    teacher = FrozenTeacher(_classifier_cfg(with_head=False), checkpoint=path,
                            head=dict(type='LinearClsHead', num_classes=5),
                            resolutions=(16, 24), input_norm=dict(mean=[72.94], std=[90.02]))
    x = torch.randn(4, 3, 16, 16)
    probe.eval()
    with torch.no_grad():
        expected_feats = probe.extract_feat(x)
        expected_logits = probe(x)
    feats, logits = teacher(x)
    torch.testing.assert_close(feats, expected_feats)
    torch.testing.assert_close(logits, expected_logits)
    assert (teacher.feat_dim, teacher.num_classes) == (16, 5)
    assert not any(p.requires_grad for p in teacher.parameters())
    # without a head the file is refused with what to set
    with pytest.raises(ValueError, match='calibrated teacher'):
        FrozenTeacher(_classifier_cfg(with_head=False), checkpoint=path)
    # the probe is a calibration model, not a teacher: no teacher nested in a teacher
    with pytest.raises(TypeError, match='head=dict'):
        FrozenTeacher(_probe_cfg())


def test_old_nested_teacher_keys_are_converted_on_load(tmp_path):
    """Distiller checkpoints saved with the teacher nested as FrozenTeacher(LinearProbe(...))."""
    torch.manual_seed(0)
    for encoder in (_classifier_cfg(with_head=False), _timm_cfg()):
        source = FrozenTeacher(encoder, head=dict(type='LinearClsHead', num_classes=5))
        for param in source.parameters():
            param.data.normal_()
        old = {}
        for key, value in source.state_dict(prefix='teacher.').items():
            rest = key[len('teacher.'):]
            old['teacher.model.' + ('encoder.' + rest if rest.startswith('model.') else rest)] = \
                value
        assert any(k.startswith('teacher.model.encoder.model.') for k in old)
        target = nn.ModuleDict(dict(teacher=FrozenTeacher(
            encoder, head=dict(type='LinearClsHead', num_classes=5))))
        target.load_state_dict(old, strict=True)
        x = torch.randn(2, 3, 32, 32)
        torch.testing.assert_close(target.teacher(x)[1], source(x)[1])
