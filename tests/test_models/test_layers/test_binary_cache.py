"""BinaryConv2d's eval-mode weight cache: reused while the weights stay, never stale."""
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from mmltbin.models.layers import BinaryConv2d
from mmltbin.models.layers.binary import binarize, weight_scale


@pytest.fixture(scope='module')
def digits() -> torch.Tensor:
    images = torch.from_numpy(load_digits().images[:32]).float().unsqueeze(1)  # (32, 1, 8, 8)
    return ((images - 4.9) / 6.0).repeat(1, 4, 1, 1)  # 4 channels


def fresh_output(conv: BinaryConv2d, x: torch.Tensor) -> torch.Tensor:
    """What the conv must compute from its current weights, built without the module's code."""
    scale = conv.fixed_scale if conv.fixed_scale is not None else weight_scale(conv.weight)
    weight = binarize(conv.weight.detach()) * scale
    return F.conv2d(binarize(x), weight, conv.bias, conv.stride, conv.padding)


def make_conv() -> BinaryConv2d:
    torch.manual_seed(0)
    return BinaryConv2d(4, 6, 3, padding=1).eval()


def test_eval_reuses_the_binary_weights(digits):
    conv = make_conv()
    with torch.no_grad():
        first = conv.binary_weight()
        assert conv.binary_weight() is first  # computed once
        assert torch.equal(conv(digits), fresh_output(conv, digits))
    with torch.inference_mode():
        out = conv(digits)
    assert torch.equal(out, fresh_output(conv, digits))
    with torch.no_grad():  # the cache made under inference_mode is a normal tensor
        assert not conv.binary_weight().is_inference()


def test_optimizer_step_invalidates(digits):
    conv = make_conv()
    optim = torch.optim.SGD(conv.parameters(), lr=1.0)
    with torch.no_grad():
        before = conv(digits)
    conv.weight.grad = torch.randn_like(conv.weight)  # flips many signs at lr 1
    optim.step()
    with torch.no_grad():
        after = conv(digits)
    assert not torch.equal(before, after)
    assert torch.equal(after, fresh_output(conv, digits))


def test_load_state_dict_invalidates(digits):
    conv, other = make_conv(), BinaryConv2d(4, 6, 3, padding=1).eval()
    with torch.no_grad():
        conv(digits)
        conv.load_state_dict(other.state_dict())
        assert torch.equal(conv(digits), fresh_output(other, digits))


def test_in_place_edit_and_fixed_scale_invalidate(digits):
    conv = make_conv()
    with torch.no_grad():
        conv(digits)
        conv.weight.mul_(-1)  # an in-place update bumps the version counter
        assert torch.equal(conv(digits), fresh_output(conv, digits))
        conv.fixed_scale = torch.full((6, 1, 1, 1), 0.5)
        assert torch.equal(conv(digits), fresh_output(conv, digits))
        conv.fixed_scale.mul_(3)
        assert torch.equal(conv(digits), fresh_output(conv, digits))
        conv.weight.data.mul_(-1)  # .data bypasses the version counter: cleared by hand
        conv.clear_binary_cache()
        assert torch.equal(conv(digits), fresh_output(conv, digits))


def test_no_cache_in_train_mode_or_with_weight_gradients(digits):
    conv = make_conv()
    with torch.no_grad():
        conv(digits)
    conv.train()
    assert conv._binary_cache is None
    with torch.no_grad():
        assert conv.binary_weight() is not conv.binary_weight()
    conv.eval()
    out = conv(digits)  # gradients wanted: the STE path, not a cached constant
    out.square().sum().backward()
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0
    assert conv._binary_cache is None
