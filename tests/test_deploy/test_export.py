"""Exported graphs against torch on real images, for every supported kind of network."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmltbin.deploy import OpenVINOModel, build_openvino_model, export_openvino, openvino_core

BACKBONES = {
    # odd maps (28 -> 14 -> 7 -> 4 -> 2): the average-pooling shortcuts' ceil_mode windows
    'reactnet-a_stem1': (dict(type='ReActNet', widen_factor=0.25, stem_stride=1), 256, 28),
    'reactnet-a_stem2': (dict(type='ReActNet', widen_factor=0.25, stem_stride=2), 256, 36),
    # ImageNet stem (7x7 conv, max pool) and real downsampling shortcuts (avg pool, 1x1 conv, BN)
    'bireal-resnet18': (dict(type='BinaryResNet', variant='bireal', stem_channels=16,
                             base_channels=16), 128, 40),
    'react-resnet18': (dict(type='BinaryResNet', variant='react', stem_channels=16,
                            base_channels=16, stem_type='small'), 128, 24),
}


def torch_logits(model, x):
    with torch.no_grad():
        return model(x, mode='tensor').numpy()


def assert_same_logits(out: np.ndarray, ref: np.ndarray, atol: float = 1e-4) -> None:
    """Every image's logits within ``atol`` of torch's, but one: a binary activation whose
    input lies within float rounding of zero can take the other sign under another summation
    order, which moves that image's logits far (one image in 48 on an Intel Xeon, none on an
    AMD EPYC). A wrong export moves every image."""
    off = np.abs(out - ref).max(axis=1) > atol
    assert off.sum() <= 1, f'{off.sum()} of {len(off)} images differ from torch by > {atol}'


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_logits_match_torch_on_real_digits(name, trained_classifier, digits_images):
    backbone, width, size = BACKBONES[name]
    model = trained_classifier(backbone, width, size)
    bn = next(m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert bn.running_mean.abs().max() > 1e-3  # statistics from real images, not the defaults
    x, _ = digits_images(size, count=48)
    ref = torch_logits(model, x)
    net = OpenVINOModel(build_openvino_model(model), num_threads=1)
    batched = net(x.numpy())
    single = np.concatenate([net(image[None]) for image in x.numpy()])
    assert np.abs(ref).max() > 0.1
    assert_same_logits(single, ref)
    assert_same_logits(batched, ref)
    assert net.binary_layers() == sum(1 for m in model.modules()
                                      if type(m).__name__ == 'BinaryConv2d')


def test_fp32_form_is_the_same_network(trained_classifier, digits_images):
    backbone, width, size = BACKBONES['reactnet-a_stem1']
    model = trained_classifier(backbone, width, size)
    x, _ = digits_images(size, count=16)
    graph = build_openvino_model(model, binary=False)
    assert not any(op.get_type_name() == 'BinaryConvolution' for op in graph.get_ops())
    assert_same_logits(OpenVINOModel(graph, num_threads=1)(x.numpy()), torch_logits(model, x))


def test_every_graph_is_compiled_by_the_process_one_core():
    """One ``openvino.Core`` per process: a new one per model compiled crashed a test worker
    that compiled many graphs (a segmentation fault minutes later, at a random point)."""
    import openvino as ov
    graph = ov.convert_model(torch.nn.Conv2d(3, 4, 3).eval(),
                             example_input=torch.zeros(1, 3, 8, 8))
    first, second = OpenVINOModel(graph, num_threads=1), OpenVINOModel(graph, num_threads=1)
    assert first.core is second.core is openvino_core()
    assert first(np.ones((1, 3, 8, 8), np.float32)).shape == (1, 4, 6, 6)


def test_export_folder_and_kernel(tmp_path, trained_classifier, digits_images):
    backbone, width, size = BACKBONES['reactnet-a_stem1']
    model = trained_classifier(backbone, width, size)
    info = export_openvino(model, str(tmp_path / 'out'))
    with open(tmp_path / 'out' / 'deploy.json') as f:
        assert json.load(f) == info
    assert info['binary_layers'] == 26 and info['num_classes'] == 10
    # 1 bit per binary weight: far below the FP32 weights
    assert info['bytes'] < info['binary_weights'] / 8 + info['fp32_bytes'] / 4
    x, _ = digits_images(size, count=8)
    net = OpenVINOModel(str(tmp_path / 'out'), num_threads=1)
    assert_same_logits(net(x.numpy()), torch_logits(model, x))
    from mmltbin.deploy import check_binary_kernel, execution_kernels
    compiled = net.compiled(x.shape)
    ok, message = check_binary_kernel(compiled, 26, warn=False)
    kernels = execution_kernels(compiled)['BinaryConvolution']
    # the JIT 1-bit kernel on x86 CPUs with AVX2 or AVX-512; the check says which
    assert ok == all(k.startswith('jit') and k.endswith('_u1') for k in kernels)
    assert str(sorted(kernels)) in message


def test_fp16_export_is_smaller_and_close(tmp_path, trained_classifier, digits_images):
    backbone, width, size = BACKBONES['reactnet-a_stem1']
    model = trained_classifier(backbone, width, size)
    full = export_openvino(model, str(tmp_path / 'fp32'))
    half = export_openvino(model, str(tmp_path / 'fp16'), fp16=True)
    assert half['bytes'] < full['bytes']
    x, _ = digits_images(size, count=32)
    out = OpenVINOModel(str(tmp_path / 'fp16'), num_threads=1)(x.numpy())
    ref = torch_logits(model, x)
    assert np.abs(out - ref).max() <= 1e-2 * np.abs(ref).max()


def test_distilled_student(digits_images):
    """A CalibratedDistiller exports its student alone, with the student's logits."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    from toolrun import REPO_ROOT
    cfg = Config.fromfile(osp.join(
        REPO_ROOT, 'tests/test_models/test_classifiers/data/distill_digits.py'))
    cfg.model.backbone = dict(type='ReActNet', widen_factor=0.25, stem_stride=1, in_channels=1)
    cfg.model.head.in_channels = 256
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    x, _ = digits_images(16, count=32)
    x = x[:, :1]
    with torch.no_grad():  # BatchNorm statistics from real images
        model(x, mode='tensor')
    model.eval()
    graph = build_openvino_model(model)
    assert graph.outputs[0].get_partial_shape()[1].get_length() == 10
    assert_same_logits(OpenVINOModel(graph, num_threads=1)(x.numpy()), torch_logits(model, x))
