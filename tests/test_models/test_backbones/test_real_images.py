"""Binary backbones built from their configs, on real 32x32 images.

* every binary convolution receives only +-1 inputs and +-1 (times its scale) weights;
* forward/backward through the whole classifier gives every parameter a finite gradient;
* a short CPU training run on real digits lowers the loss;
* the Fashion-MNIST baseline config trains from tools/train.py.
"""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

from mmltbin.export import first_test_images, model_config
from mmltbin.models.layers import BinaryConv2d
from toolrun import REPO_ROOT, python_tool

CONFIGS = {
    'reactnet-a': 'configs/_base_/models/reactnet-a.py',
    'binary-resnet18': 'configs/_base_/models/binary-resnet18.py',
    'binary-resnet34': 'configs/_base_/models/binary-resnet34.py',
}
BASELINE = 'configs/baselines/reactnet-a_ce_fashion-mnist.py'

# sklearn digits (real, ships with scikit-learn) resized to 32x32, 3 channels
DIGITS_32 = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'digits_32px.py')


def _config(model_file: str, data, **model_overrides) -> Config:
    """A dataset config (file or dict) with the model of ``model_file`` merged in."""
    cfg = Config.fromfile(data) if isinstance(data, str) else Config(data)
    cfg.model = Config.fromfile(osp.join(REPO_ROOT, model_file)).model
    cfg.merge_from_dict({f'model.{k}': v for k, v in model_overrides.items()})
    return cfg


def _fashion_mnist(root: str) -> dict:
    data = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/datasets/fashion_mnist.py'))
    data.test_dataloader.dataset.data_root = root
    return dict(data_preprocessor=data.data_preprocessor, test_dataloader=data.test_dataloader)


def _build(cfg: Config):
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    return MODELS.build(model_config(cfg))


def _plus_minus_one(t: torch.Tensor) -> bool:
    return bool(((t == 1) | (t == -1)).all())


def _assert_binary_convs_see_only_plus_minus_one(model, inputs) -> int:
    """Hooks on every BinaryConv2d: inputs in {-1, +1}, weights in {-1, +1} x scale, and the
    output is exactly the convolution of those two."""
    seen = []

    def check(module, args, output):
        x, = args
        assert _plus_minus_one(x), f'{names[module]} got a non-binary input'
        weight = module.binary_weight().detach()
        assert _plus_minus_one(weight / module.weight_scale()), f'{names[module]}: weight'
        expected = F.conv2d(x, weight, None, module.stride, module.padding)
        torch.testing.assert_close(output, expected, msg=f'{names[module]} output')
        seen.append(module)

    names = {m: n for n, m in model.named_modules()}
    convs = [m for m in model.modules() if isinstance(m, BinaryConv2d)]
    handles = [m.register_forward_hook(check) for m in convs]
    try:
        model(inputs, mode='tensor')
    finally:
        for handle in handles:
            handle.remove()
    assert convs and set(seen) == set(convs), 'some binary convolutions were not run'
    return len(convs)


def _forward_backward(model, inputs, labels) -> None:
    model.train()
    logits = model(inputs, mode='tensor')
    assert logits.shape == (len(inputs), 10)
    F.cross_entropy(logits, labels).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), name
    for module in model.modules():
        if isinstance(module, BinaryConv2d):  # latent weights learn through the STE
            assert module.weight.grad.abs().sum() > 0


# the configs as shipped, plus the variants users switch to with --cfg-options
VARIANTS = {
    'reactnet-a': ('reactnet-a', {}, 26),
    'reactnet-a-w0.25': ('reactnet-a', dict(backbone=dict(widen_factor=0.25),
                                            head=dict(in_channels=256)), 26),
    'reactnet-a-stride2-stem': ('reactnet-a', dict(backbone=dict(stem_stride=2)), 26),
    'binary-resnet18': ('binary-resnet18', {}, 16),
    'binary-resnet18-react': ('binary-resnet18', dict(backbone=dict(variant='react')), 16),
    'binary-resnet34': ('binary-resnet34', {}, 32),
    'binary-resnet34-react-imagenet-stem': (
        'binary-resnet34', dict(backbone=dict(variant='react', stem_type='imagenet')), 32),
}


@pytest.mark.slow
@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_config_on_real_digits_32px(variant):
    name, overrides, num_binary_convs = VARIANTS[variant]
    cfg = _config(CONFIGS[name], DIGITS_32, **overrides)
    model = _build(cfg)
    inputs, labels = first_test_images(cfg, model, 8)
    assert inputs.shape == (8, 3, 32, 32)
    # training mode (batch statistics) and eval mode (running statistics)
    assert _assert_binary_convs_see_only_plus_minus_one(model.train(), inputs) \
        == num_binary_convs
    assert _assert_binary_convs_see_only_plus_minus_one(model.eval(), inputs) \
        == num_binary_convs
    _forward_backward(model, inputs, labels)


@pytest.mark.slow
@pytest.mark.parametrize('name', ['reactnet-a', 'binary-resnet18'])
def test_config_on_real_fashion_mnist_32px(name, fashion_mnist_root):
    # the ReAct variant of the binary ResNet here (Bi-Real is covered on digits)
    overrides = dict(backbone=dict(variant='react')) if 'resnet' in name else {}
    cfg = _config(CONFIGS[name], _fashion_mnist(fashion_mnist_root), **overrides)
    model = _build(cfg)
    inputs, labels = first_test_images(cfg, model, 8)
    assert inputs.shape == (8, 3, 32, 32)  # 28x28 padded to 32x32
    _assert_binary_convs_see_only_plus_minus_one(model.train(), inputs)
    _forward_backward(model, inputs, labels)


@pytest.mark.slow
def test_short_cpu_training_on_real_digits_lowers_the_loss():
    """ReActNet-A (width 0.25, stride-1 stem) from its config, 40 Adam steps on digits."""
    cfg = _config(CONFIGS['reactnet-a'], DIGITS_32,
                  backbone=dict(widen_factor=0.25), head=dict(in_channels=256))
    model = _build(cfg)
    model.init_weights()
    init_default_scope('mmpretrain')
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    losses = []
    model.train()
    while len(losses) < 40:
        for batch in loader:
            losses.append(model.train_step(batch, optim)['loss'].item())
            if len(losses) == 40:
                break
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.6 * first, f'loss did not fall enough: {first:.3f} -> {last:.3f}'


@pytest.mark.slow
def test_baseline_config_trains_from_tools_train(tmp_path, fashion_mnist_root):
    """configs/baselines/reactnet-a_ce_fashion-mnist.py through tools/train.py (subsets)."""
    proc = python_tool(
        'train.py', osp.join(REPO_ROOT, BASELINE), '--work-dir', str(tmp_path),
        '--cfg-options', 'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=256',
        'val_dataloader.dataset.indices=256', 'test_dataloader.dataset.indices=256',
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'val_dataloader.persistent_workers=False',
        f'train_dataloader.dataset.data_root={fashion_mnist_root}',
        f'val_dataloader.dataset.data_root={fashion_mnist_root}',
        'default_hooks.logger.interval=1')
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    assert 'accuracy/top1' in proc.stdout + proc.stderr
