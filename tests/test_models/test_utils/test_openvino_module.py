"""OpenVINOModule: a frozen network's outputs from OpenVINO, checked against torch."""
import pytest
import timm
import torch
from torch import nn

import mmltbin  # noqa: F401
from mmltbin.models.utils import (OpenVINOMismatchError, OpenVINOModule, fold_batch_norms,
                                  max_relative_error)

pytest.importorskip('openvino', reason='OpenVINO (the deploy extra) is not installed')


def _features_logits(net: nn.Module, x: torch.Tensor):
    fmap = net.forward_features(x)
    return net.forward_head(fmap, pre_logits=True), net.forward_head(fmap)


def _lite0() -> nn.Module:
    torch.manual_seed(0)
    net = timm.create_model('efficientnet_lite0', num_classes=7)
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-1.0, 1.0)
            module.running_var.uniform_(0.5, 2.0)
    return net.eval()


@pytest.mark.parametrize('memory_format', [torch.contiguous_format, torch.channels_last])
def test_folded_efficientnet_lite_same_outputs_at_every_size(memory_format):
    net = _lite0().to(memory_format=memory_format)
    x = torch.randn(2, 3, 32, 32).contiguous(memory_format=memory_format)
    folded, _ = fold_batch_norms(net, lambda m: m(x))
    fast = OpenVINOModule(folded, _features_logits, x, num_threads=1)
    # traced on 2 images of 32 px; other batch sizes and image sizes run the same graph
    for batch, size in ((2, 32), (5, 64), (3, 48)):
        y = torch.randn(batch, 3, size, size).contiguous(memory_format=memory_format)
        with torch.no_grad():
            expected = _features_logits(net, y)
        got = fast(y)
        assert [t.shape for t in got] == [(batch, 1280), (batch, 7)]
        assert all(t.dtype == torch.float32 and not t.requires_grad for t in got)
        assert max_relative_error(expected, got) < 1e-4
        assert all(torch.equal(a, b) for a, b in zip(got, fast(y)))  # deterministic
    assert fast._checked == {(3, 32, 32), (3, 64, 64), (3, 48, 48)}


class _SizeDependent(nn.Module):
    """A forward whose branch depends on the image size: a trace keeps the branch it took."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = x.mean((2, 3))
        return pooled * 2 if x.shape[-1] > 8 else pooled


def test_outputs_that_differ_from_torch_raise():
    fast = OpenVINOModule(_SizeDependent(), lambda m, x: (m(x), ), torch.rand(2, 3, 8, 8))
    fast(torch.rand(2, 3, 8, 8))
    with pytest.raises(OpenVINOMismatchError, match=r'_SizeDependent at input size \[3, 9, 9\] '
                                                    r'differ from torch\'s by'):
        fast(torch.rand(2, 3, 9, 9))


def test_bad_dtype_is_refused():
    with pytest.raises(ValueError, match='dtype must be one of'):
        OpenVINOModule(nn.Identity(), lambda m, x: (m(x), ), torch.rand(1, 3, 4, 4),
                       dtype=torch.float16)


def test_graph_owns_its_weights():
    """Weights the module changes or frees after the conversion do not reach the graph."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.LazyLinear(5)).eval()
    x = torch.randn(2, 3, 6, 6)
    with torch.no_grad():
        expected = net(x)
    fast = OpenVINOModule(net, lambda m, inputs: (m(inputs), ), x, num_threads=1)
    with torch.no_grad():
        for param in net.parameters():
            param.mul_(-3.0)  # in place: the memory a shared graph would read
    assert max_relative_error((expected, ), fast._run(x)) < 1e-4
