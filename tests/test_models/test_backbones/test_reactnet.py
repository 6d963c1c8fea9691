"""ReActNet-A: the published layer list, shapes, the doubled 1x1 convs, freezing, errors."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmltbin.models.backbones import ReActNet
from mmltbin.models.layers import BinaryConv2d, ChannelRepeat, RPReLU, RSign

# ReActNet-A as published: 13 blocks, stride 2 where the width grows except 32 -> 64
PUBLISHED_CHANNELS = [64, 128, 128, 256, 256] + [512] * 6 + [1024, 1024]
PUBLISHED_STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]


def _blocks(net: ReActNet) -> list:
    return [block for stage in net.stages for block in stage]


def test_reactnet_a_matches_the_published_layer_list():
    net = ReActNet()
    stem_conv = net.stem.conv
    assert type(stem_conv) is nn.Conv2d  # real-valued stem
    assert (stem_conv.in_channels, stem_conv.out_channels, stem_conv.kernel_size,
            stem_conv.stride) == (3, 32, (3, 3), (2, 2))
    blocks = _blocks(net)
    assert [b.pointwise.conv.out_channels for b in blocks] == PUBLISHED_CHANNELS
    assert [b.spatial.conv.stride[0] for b in blocks] == PUBLISHED_STRIDES
    width = 32
    for block, out, stride in zip(blocks, PUBLISHED_CHANNELS, PUBLISHED_STRIDES):
        spatial, pointwise = block.spatial, block.pointwise
        # 3x3 binary conv keeps the width; its shortcut average-pools when strided
        assert (spatial.conv.in_channels, spatial.conv.out_channels) == (width, width)
        assert spatial.conv.kernel_size == (3, 3) and spatial.conv.input_mode == 'binary'
        assert isinstance(spatial.shortcut, nn.AvgPool2d if stride == 2 else nn.Identity)
        # 1x1 binary conv: same width, or doubled with the shortcut repeated (duplicated convs)
        assert pointwise.conv.kernel_size == (1, 1)
        if out == 2 * width:
            assert isinstance(pointwise.shortcut, ChannelRepeat) and pointwise.shortcut.times == 2
        else:
            assert out == width and pointwise.shortcut.times == 1
        for unit in (spatial, pointwise):
            assert isinstance(unit.sign, RSign) and isinstance(unit.act, RPReLU)
        width = out
    assert net.out_channels == 1024
    assert sum(isinstance(m, BinaryConv2d) for m in net.modules()) == 26


@pytest.mark.parametrize('size,stem_stride,widen,expected', [
    (224, 2, 1.0, [(64, 112), (128, 56), (256, 28), (512, 14), (1024, 7)]),
    (32, 1, 0.25, [(16, 32), (32, 16), (64, 8), (128, 4), (256, 2)]),
    (28, 1, 0.5, [(32, 28), (64, 14), (128, 7), (256, 4), (512, 2)]),  # odd 7x7 map
])
def test_stage_outputs(size, stem_stride, widen, expected):
    net = ReActNet(widen_factor=widen, stem_stride=stem_stride, out_indices=(0, 1, 2, 3, 4))
    if size == 224:  # keep the test light: only shapes, one image
        net = net.eval()
    with torch.no_grad():
        outs = net(torch.randn(1 if size == 224 else 2, 3, size, size))
    assert [(o.shape[1], o.shape[2]) for o in outs] == expected
    assert net.stage_channels == [c for c, _ in expected]


def test_negative_out_indices_and_custom_arch():
    net = ReActNet(widen_factor=0.25, stem_stride=1, out_indices=(-1, ))
    assert net.out_indices == (4, )
    custom = ReActNet(arch=dict(stem_channels=16, stages=[[(32, 2)], [(32, 1), (64, 2)]]),
                      stem_stride=1, out_indices=(1, ))
    out, = custom(torch.randn(2, 3, 16, 16))
    assert out.shape == (2, 64, 4, 4)
    assert custom.stage_channels == [32, 64]


def test_doubled_pointwise_equals_two_duplicated_convs_concatenated():
    """ReActNet's two in->in 1x1 binary convs (each + input, concatenated) == one in->2in conv."""
    torch.manual_seed(0)
    net = ReActNet(widen_factor=0.25, stem_stride=1)
    block = net.stages[1][0]  # 16 -> 32, stride 2
    for module in block.modules():  # non-trivial norms, thresholds and activations
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
        elif isinstance(module, (RSign, RPReLU)):
            for p in module.parameters():
                p.data.uniform_(-0.3, 0.3)
    block.eval()
    x = torch.randn(2, 16, 16, 16)
    unit = block.pointwise
    half = unit.conv.in_channels
    out1 = block.spatial(x)
    xb = unit.sign(out1)
    bn = unit.norm
    branches = []
    for k in range(2):  # the reference layout: separate conv and BN per half
        rows = slice(k * half, (k + 1) * half)
        conv_k = BinaryConv2d(half, half, 1, input_mode='binary')
        conv_k.weight.data = unit.conv.weight.data[rows].clone()
        y = F.batch_norm(conv_k(xb), bn.running_mean[rows], bn.running_var[rows],
                         bn.weight[rows], bn.bias[rows], False, 0.0, bn.eps)
        branches.append(y + out1)
    reference = unit.act(torch.cat(branches, dim=1))
    torch.testing.assert_close(block(x), reference)


def test_frozen_stages_and_norm_eval():
    net = ReActNet(widen_factor=0.25, stem_stride=1, frozen_stages=2)
    net.train()
    frozen = [net.stem, net.stages[0], net.stages[1]]
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules())
    assert all(p.requires_grad for p in net.stages[2].parameters())
    assert net.stages[2].training
    before = [p.clone() for p in net.stages[0].parameters()]
    net(torch.randn(2, 3, 32, 32))[0].sum().backward()
    assert all(p.grad is None for p in net.stages[0].parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, net.stages[0].parameters()))

    net = ReActNet(widen_factor=0.25, stem_stride=1, norm_eval=True).train()
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(not bn.training for bn in bns)
    assert net.stages[0].training


def test_default_init_small_latent_binary_weights_kaiming_real_convs():
    torch.manual_seed(0)
    net = ReActNet(widen_factor=0.5, stem_stride=1)
    for m in net.modules():  # make every init visible
        if isinstance(m, (nn.Conv2d, nn.BatchNorm2d)):
            m.weight.data.fill_(5.0)
    net.init_weights()
    binary = torch.cat([m.weight.flatten() for m in net.modules() if isinstance(m, BinaryConv2d)])
    assert abs(binary.std().item() - BinaryConv2d.LATENT_INIT_STD) < 1e-3
    stem = net.stem.conv.weight  # Kaiming normal, fan_out: std sqrt(2 / (16 * 9))
    assert abs(stem.std().item() - (2 / (16 * 9))**0.5) < 0.03
    bn = net.stages[0][0].spatial.norm
    assert torch.equal(bn.weight.data, torch.ones_like(bn.weight))


@pytest.mark.parametrize('kwargs,match', [
    (dict(arch='B'), 'unknown arch'),
    (dict(arch=dict(stem_channels=16)), 'custom arch'),
    (dict(arch=dict(stem_channels=16, stages=[[(48, 1)]])), 'keep or double'),
    (dict(widen_factor=0), 'widen_factor'),
    (dict(stem_stride=0), 'stem_stride'),
    (dict(out_indices=(5, )), 'out_indices'),
    (dict(frozen_stages=6), 'frozen_stages'),
    (dict(estimator='tanh'), 'estimator'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReActNet(**kwargs)


@pytest.mark.parametrize('backbone', [
    dict(type='ReActNet', widen_factor=0.25, stem_stride=1),
    dict(type='BinaryResNet', depth=18, base_channels=16, stem_channels=16, stem_type='small'),
])
def test_fp_twin_has_the_same_blocks_with_real_layers(backbone):
    """binary=False: the same parameter shapes in the same order, no binary convolution, the
    same output shape."""
    from mmpretrain.registry import MODELS
    from mmltbin.models.layers import BinaryConv2d
    torch.manual_seed(0)
    binary = MODELS.build(backbone)
    twin = MODELS.build(dict(backbone, binary=False))
    assert [p.shape for p in twin.parameters()] == [p.shape for p in binary.parameters()]
    assert any(isinstance(m, BinaryConv2d) for m in binary.modules())
    assert not any(isinstance(m, BinaryConv2d) for m in twin.modules())
    x = torch.randn(2, 3, 32, 32)
    assert twin(x)[-1].shape == binary(x)[-1].shape
