"""fold_batch_norms: the same outputs without the BatchNorm passes, or a clear error."""
import pytest
import timm
import torch
from torch import nn

import mmltbin  # noqa: F401
from mmltbin.models.teachers.utils import build_in_mmpretrain_scope
from mmltbin.models.utils import FoldMismatchError, fold_batch_norms


def _with_statistics(model: nn.Module, seed: int = 0) -> nn.Module:
    """Running statistics and affine weights far from the identity map, then eval mode."""
    torch.manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-1.0, 1.0)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    model.eval()  # mmpretrain's ResNet.train() returns None
    return model


def _norms(model: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())


@pytest.mark.parametrize('memory_format', [torch.contiguous_format, torch.channels_last])
def test_timm_efficientnet_lite_folds_every_norm(memory_format):
    net = _with_statistics(timm.create_model('efficientnet_lite0', num_classes=7))
    net = net.to(memory_format=memory_format)
    x = torch.randn(2, 3, 64, 64).contiguous(memory_format=memory_format)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    folded, num = fold_batch_norms(net, lambda m: m(x))
    assert num == _norms(net) > 40 and _norms(folded) == 0
    # the activations stay where timm's BatchNormAct2d applied them
    assert sum(isinstance(m, nn.ReLU6) for m in folded.modules()) == sum(
        isinstance(m, nn.ReLU6) for m in net.modules())
    with torch.no_grad():
        torch.testing.assert_close(folded(x), net(x), rtol=1e-4, atol=1e-4)
    assert all(not p.requires_grad for p in folded.parameters())
    assert folded.conv_stem.weight.is_contiguous(memory_format=memory_format)
    # the network itself is untouched
    assert all(torch.equal(v, state[k]) for k, v in net.state_dict().items())


def test_mmpretrain_resnet_folds_its_conv_norm_pairs():
    net = _with_statistics(build_in_mmpretrain_scope(dict(
        type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8)))
    x = torch.randn(2, 3, 32, 32)
    folded, num = fold_batch_norms(net, lambda m: m(x))
    assert num == _norms(net) and _norms(folded) == 0
    with torch.no_grad():
        torch.testing.assert_close(folded(x), net(x), rtol=1e-4, atol=1e-4)


class _ConvNorm(nn.Module):
    """A conv registered before a norm; subclasses wire them."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)


class _PreActivation(_ConvNorm):
    """Registers the conv before the norm, but the norm reads the block's input."""

    def forward(self, x):
        return self.conv(torch.relu(self.bn(x)))


class _ReadTwice(_ConvNorm):
    """The conv's output goes to the norm and, unnormalised, to the sum."""

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y


class _SharedNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(4, 4, 1)
        self.conv2 = nn.Conv2d(4, 4, 1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        return self.bn(self.conv1(x)) + self.bn(self.conv2(x))


def test_pairs_come_from_the_data_flow_not_the_registration_order():
    net = _with_statistics(_PreActivation())
    x = torch.randn(2, 4, 8, 8)
    folded, num = fold_batch_norms(net, lambda m: m(x))
    assert num == 0 and isinstance(folded.bn, nn.BatchNorm2d)
    # a norm shared by two convolutions is not folded into either
    folded, num = fold_batch_norms(_with_statistics(_SharedNorm()), lambda m: m(x))
    assert num == 0


def test_a_fold_that_does_not_hold_raises():
    net = _with_statistics(_ReadTwice())
    with pytest.raises(FoldMismatchError, match=r'folded _ReadTwice differs from it by'):
        fold_batch_norms(net, lambda m: m(torch.randn(2, 4, 8, 8)))


def test_training_mode_is_refused():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    with pytest.raises(ValueError, match=r'Sequential is in training mode.*\.eval\(\)'):
        fold_batch_norms(net, lambda m: m(torch.randn(1, 3, 8, 8)))
