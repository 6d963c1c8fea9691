"""Binarization layers: exact +-1 forward values and the analytic STE gradients."""
import pytest
import torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight

from mmltbin.models.layers import (BinaryConv2d, BinaryConvUnit, ChannelRepeat, LearnableBias,
                                   RPReLU, RSign, Sign, binarize, sign_ste)


def _points() -> torch.Tensor:
    """Random values across [-2, 2] plus the STEs' kinks and 0."""
    torch.manual_seed(0)
    special = torch.tensor([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 1e-8, -1e-8])
    return torch.cat([special, torch.rand(200) * 4 - 2])


# the analytic STE derivatives, written independently of the implementation
def clipped_grad(x):
    return (x.abs() <= 1).float()


def approx_grad(x):
    # d/dx of Bi-Real's ApproxSign: 2 + 2x on [-1, 0), 2 - 2x on [0, 1), 0 outside
    out = torch.zeros_like(x)
    neg = (x >= -1) & (x < 0)
    pos = (x >= 0) & (x < 1)
    out[neg] = 2 + 2 * x[neg]
    out[pos] = 2 - 2 * x[pos]
    return out


def test_binarize_is_exactly_plus_minus_one_and_zero_maps_to_plus_one():
    x = _points()
    y = binarize(x)
    assert set(y.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(y, torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x)))
    assert binarize(torch.zeros(3, dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize('estimator,analytic', [('clipped', clipped_grad),
                                                ('approx', approx_grad)])
def test_sign_ste_forward_and_analytic_backward(estimator, analytic):
    x = _points().requires_grad_()
    upstream = torch.randn_like(x)
    y = sign_ste(x, estimator)
    assert torch.equal(y.detach(), binarize(x.detach()))
    y.backward(upstream)
    torch.testing.assert_close(x.grad, upstream * analytic(x.detach()), rtol=0, atol=1e-6)


def test_sign_module_and_bad_estimator():
    x = _points().requires_grad_()
    Sign('clipped')(x).sum().backward()
    assert torch.equal(x.grad, clipped_grad(x.detach()))
    with pytest.raises(ValueError, match='estimator'):
        Sign('tanh')
    with pytest.raises(ValueError, match='estimator'):
        sign_ste(x, 'nope')


@pytest.mark.parametrize('estimator,analytic', [('clipped', clipped_grad),
                                                ('approx', approx_grad)])
def test_rsign_learnable_threshold_forward_and_gradients(estimator, analytic):
    torch.manual_seed(1)
    rsign = RSign(3, estimator)
    rsign.threshold.data = torch.tensor([0.3, -0.2, 0.0])
    x = (torch.randn(4, 3, 5, 5) * 1.5).requires_grad_()
    upstream = torch.randn(4, 3, 5, 5)
    y = rsign(x)
    shifted = x.detach() - rsign.threshold.detach().view(1, 3, 1, 1)
    assert torch.equal(y.detach(), binarize(shifted))
    y.backward(upstream)
    local = upstream * analytic(shifted)
    torch.testing.assert_close(x.grad, local)
    torch.testing.assert_close(rsign.threshold.grad, -local.sum(dim=(0, 2, 3)))


def test_learnable_bias_and_rprelu_match_their_formulas():
    torch.manual_seed(2)
    x = torch.randn(2, 4, 3, 3)
    bias = LearnableBias(4)
    bias.bias.data = torch.arange(4.0)
    torch.testing.assert_close(bias(x), x + torch.arange(4.0).view(1, 4, 1, 1))

    act = RPReLU(4)
    gamma, slope, zeta = torch.randn(4), torch.rand(4), torch.randn(4)
    act.gamma.data, act.slope.data, act.zeta.data = gamma, slope, zeta
    g, b, z = (p.view(1, 4, 1, 1) for p in (gamma, slope, zeta))
    expected = torch.where(x > g, x - g + z, b * (x - g) + z)
    torch.testing.assert_close(act(x), expected)
    # every parameter learns
    act(x).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in act.parameters())


def _conv_with_wide_latent_weights() -> BinaryConv2d:
    torch.manual_seed(3)
    conv = BinaryConv2d(4, 6, 3, stride=2, padding=1)
    conv.weight.data = torch.randn_like(conv.weight) * 0.8  # some |W| > 1: clipped gradient
    conv.weight.data[0, 0, 0, 0] = 0.0  # sign(0) = +1
    return conv


def test_binary_conv_weights_are_sign_times_per_channel_mean_abs():
    conv = _conv_with_wide_latent_weights()
    w = conv.weight.detach()
    alpha = w.abs().mean(dim=(1, 2, 3), keepdim=True)
    wb = conv.binary_weight().detach()
    assert torch.equal(wb, binarize(w) * alpha)
    assert set((wb / alpha).unique().tolist()) == {-1.0, 1.0}
    assert wb[0, 0, 0, 0] == alpha[0, 0, 0, 0]
    conv.scale = False
    assert set(conv.binary_weight().detach().unique().tolist()) == {-1.0, 1.0}


@pytest.mark.parametrize('estimator,analytic', [('clipped', clipped_grad),
                                                ('approx', approx_grad)])
def test_binary_conv_forward_and_analytic_backward_with_sign_input(estimator, analytic):
    conv = _conv_with_wide_latent_weights()
    conv.input_estimator = estimator
    assert (conv.weight.abs() > 1).any() and (conv.weight.abs() <= 1).any()
    x = (torch.randn(2, 4, 7, 7) * 1.2).requires_grad_()
    y = conv(x)
    w = conv.weight.detach()
    wb = binarize(w) * w.abs().mean(dim=(1, 2, 3), keepdim=True)
    xb = binarize(x.detach())
    torch.testing.assert_close(y, F.conv2d(xb, wb, stride=2, padding=1))

    upstream = torch.randn_like(y)
    y.backward(upstream)
    grad_wb = conv2d_weight(xb, w.shape, upstream, stride=2, padding=1)
    torch.testing.assert_close(conv.weight.grad, grad_wb * clipped_grad(w))
    grad_xb = conv2d_input(x.shape, wb, upstream, stride=2, padding=1)
    torch.testing.assert_close(x.grad, grad_xb * analytic(x.detach()))


@pytest.mark.parametrize('mode', ['binary', 'real'])
def test_binary_conv_input_modes_pass_the_input_unchanged(mode):
    conv = _conv_with_wide_latent_weights()
    conv.input_mode = mode
    x = torch.randn(2, 4, 7, 7)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.binary_weight(), stride=2, padding=1))
    assert conv.binary_inputs == (mode == 'binary')


def test_binary_conv_rejects_bad_options():
    with pytest.raises(ValueError, match='input_mode'):
        BinaryConv2d(2, 2, 3, input_mode='ternary')
    with pytest.raises(ValueError, match='estimator'):
        BinaryConv2d(2, 2, 3, input_estimator='tanh')


def test_fixed_scale_replaces_mean_abs_and_travels_in_state_dicts():
    conv = _conv_with_wide_latent_weights()
    assert 'fixed_scale' not in conv.state_dict()
    scale = torch.rand(6, 1, 1, 1)
    conv.fixed_scale = scale
    assert torch.equal(conv.binary_weight().detach(), binarize(conv.weight.detach()) * scale)
    fresh = BinaryConv2d(4, 6, 3, stride=2, padding=1)
    fresh.load_state_dict(conv.state_dict(), strict=True)
    assert torch.equal(fresh.fixed_scale, scale)


def test_binary_conv_unit_and_channel_repeat():
    unit = BinaryConvUnit(4, 8, 1, shortcut=ChannelRepeat(2)).eval()
    x = torch.randn(2, 4, 5, 5)
    xb = unit.sign(x)
    expected = unit.act(unit.norm(F.conv2d(xb, unit.conv.binary_weight())) + torch.cat([x, x], 1))
    torch.testing.assert_close(unit(x), expected)
    with pytest.raises(ValueError, match='times'):
        ChannelRepeat(0)
