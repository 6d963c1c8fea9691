"""Binary ResNet-18/34 (Bi-Real Net and the ReAct variant): layer list, stems, shapes."""
import pytest
import torch
import torch.nn as nn

from mmltbin.models.backbones import BinaryResNet
from mmltbin.models.layers import BinaryConv2d, RPReLU, RSign, Sign


def _units(net):
    return [unit for stage in net.stages for unit in stage]


@pytest.mark.parametrize('depth,blocks', [(18, (2, 2, 2, 2)), (34, (3, 4, 6, 3))])
def test_every_3x3_conv_is_binary_with_its_own_shortcut(depth, blocks):
    net = BinaryResNet(depth)
    assert [len(stage) for stage in net.stages] == [2 * b for b in blocks]
    binary = [m for m in net.modules() if isinstance(m, BinaryConv2d)]
    assert len(binary) == 2 * sum(blocks)
    assert all(m.kernel_size == (3, 3) and m.input_mode == 'binary' for m in binary)
    width = 64
    for i, stage in enumerate(net.stages):
        for j, unit in enumerate(stage):
            out = 64 * 2**i
            stride = (1, 2, 2, 2)[i] if j == 0 else 1
            assert (unit.conv.in_channels, unit.conv.out_channels) == (width, out)
            assert unit.conv.stride == (stride, stride)
            if width != out or stride != 1:  # real-valued downsampling: avg pool, 1x1 conv, BN
                pool, conv, norm = unit.shortcut
                assert isinstance(pool, nn.AvgPool2d) and type(conv) is nn.Conv2d
                assert conv.kernel_size == (1, 1) and isinstance(norm, nn.BatchNorm2d)
            else:
                assert isinstance(unit.shortcut, nn.Identity)
            width = out


def test_parameter_count_equals_the_real_resnet():
    """Same convolutions and norms as torchvision's ResNet (only binarized): same count."""
    torchvision = pytest.importorskip('torchvision')
    for depth, real in ((18, torchvision.models.resnet18()), (34, torchvision.models.resnet34())):
        real_backbone = sum(p.numel() for n, p in real.named_parameters() if not n.startswith('fc'))
        assert sum(p.numel() for p in BinaryResNet(depth).parameters()) == real_backbone


def test_variants_and_stems():
    bireal = BinaryResNet(18, base_channels=16, stem_channels=16)
    assert all(isinstance(u.sign, Sign) and isinstance(u.act, nn.Identity) for u in _units(bireal))
    react = BinaryResNet(18, variant='react', base_channels=16, stem_channels=16)
    assert all(isinstance(u.sign, RSign) and isinstance(u.act, RPReLU) for u in _units(react))

    conv, pool = bireal.stem[0].conv, bireal.stem[1]
    assert (conv.kernel_size, conv.stride, type(pool)) == ((7, 7), (2, 2), nn.MaxPool2d)
    small = BinaryResNet(18, stem_type='small', base_channels=16, stem_channels=8)
    assert (small.stem.conv.kernel_size, small.stem.conv.stride) == ((3, 3), (1, 1))
    # stem width differs from the first stage: the first unit gets a 1x1 real projection
    assert type(small.stages[0][0].shortcut[0]) is nn.Conv2d


@pytest.mark.parametrize('stem_type,size,expected', [
    ('imagenet', 64, [(16, 16), (32, 8), (64, 4), (128, 2)]),
    ('small', 32, [(16, 32), (32, 16), (64, 8), (128, 4)]),
    ('small', 28, [(16, 28), (32, 14), (64, 7), (128, 4)]),
])
def test_stage_outputs(stem_type, size, expected):
    net = BinaryResNet(18, variant='react', stem_type=stem_type, base_channels=16,
                       stem_channels=16, out_indices=(0, 1, 2, 3))
    outs = net(torch.randn(2, 3, size, size))
    assert [(o.shape[1], o.shape[2]) for o in outs] == expected


def test_frozen_stages():
    net = BinaryResNet(18, base_channels=8, stem_channels=8, stem_type='small', frozen_stages=1)
    net.train()
    assert not any(p.requires_grad for p in net.stem.parameters())
    assert not any(p.requires_grad for p in net.stages[0].parameters())
    assert not net.stages[0].training and net.stages[1].training
    assert all(p.requires_grad for p in net.stages[1].parameters())


def test_frozen_stem_only_norm_eval_and_negative_out_indices():
    net = BinaryResNet(18, variant='react', base_channels=8, stem_channels=8, stem_type='small',
                       frozen_stages=0, norm_eval=True, out_indices=(-3, -1))
    assert net.out_indices == (1, 3)
    net.train()
    assert not any(p.requires_grad for p in net.stem.parameters()) and not net.stem.training
    assert all(p.requires_grad for p in net.stages.parameters())
    assert all(stage.training for stage in net.stages)
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and not any(bn.training for bn in bns)
    # norm_eval: a training forward pass leaves the running statistics untouched
    before = [bn.running_mean.clone() for bn in bns]
    outs = net(torch.randn(2, 3, 16, 16))
    assert [o.shape[1:] for o in outs] == [(16, 8, 8), (64, 2, 2)]
    assert all(torch.equal(a, bn.running_mean) for a, bn in zip(before, bns))
    outs[-1].sum().backward()
    assert all(p.grad is None for p in net.stem.parameters())
    assert all(p.grad is not None for p in net.stages[0].parameters())
    # without norm_eval the statistics move
    net = BinaryResNet(18, base_channels=8, stem_channels=8, stem_type='small').train()
    bn = net.stages[0][0].norm
    before = bn.running_mean.clone()
    net(torch.randn(2, 3, 16, 16))
    assert not torch.equal(before, bn.running_mean)


@pytest.mark.parametrize('kwargs,match', [
    (dict(depth=50), 'depth'),
    (dict(variant='xnor'), 'variant'),
    (dict(stem_type='deep'), 'stem_type'),
    (dict(strides=(1, 2)), 'strides'),
    (dict(base_channels=0), 'base_channels'),
    (dict(out_indices=(4, )), 'out_indices'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BinaryResNet(**kwargs)
