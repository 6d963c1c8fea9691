"""The three ways a 1-bit export goes silently wrong, each caught on real images.

Each test checks the export against torch, then shows that the same check fails when the trap
is put back (weights packed most-significant bit first; quantiser levels -1 / +1 or a bound
without ``nextafter``; padding with -1), so the check can catch it.
"""
import numpy as np
import torch
import torch.nn as nn

from mmltbin.deploy import graph as graph_module
from mmltbin.deploy.graph import GraphBuilder
from mmltbin.export.packed import sign_bits
from mmltbin.models.layers import BinaryConv2d, RSign


def export_error(module: nn.Module, x: torch.Tensor, compile_graph) -> float:
    module.eval()
    with torch.no_grad():
        ref = module(x).numpy()
    compiled = compile_graph(GraphBuilder(binary=True).build(module, x.shape[1]), x.shape)
    return float(np.abs(compiled(x.numpy())[0] - ref).max())


def binary_conv(in_channels: int, out_channels: int, padding: int) -> nn.Module:
    """RSign and a 3x3 binary conv, after an exact 1x1 conv copying the 3 image channels to
    ``in_channels`` (OpenVINO quantises a real op's output, as in a network, not the input)."""
    torch.manual_seed(0)
    copy = nn.Conv2d(3, in_channels, 1, bias=False)
    copy.weight.data = torch.eye(3)[torch.arange(in_channels) % 3].view(in_channels, 3, 1, 1)
    sign = RSign(in_channels)
    sign.threshold.data.uniform_(-0.5, 0.5)
    return nn.Sequential(copy, sign, BinaryConv2d(in_channels, out_channels, 3, padding=padding,
                                                  input_mode='binary'))


def test_weight_bits_are_read_lsb_first(compile_graph, digits_images, monkeypatch):
    x, _ = digits_images(8, count=16)
    module = binary_conv(8, 16, padding=0)
    assert export_error(module, x, compile_graph) < 1e-5
    monkeypatch.setattr(graph_module, 'binary_weight_bits', lambda conv: sign_bits(conv.weight))
    assert export_error(module, x, compile_graph) > 0.1


def test_padding_is_zero_not_minus_one(compile_graph, digits_images, monkeypatch):
    x, _ = digits_images(8, count=16)
    module = binary_conv(16, 16, padding=1)  # on 8x8 images, 28 of 64 outputs touch the border
    assert export_error(module, x, compile_graph) < 1e-5
    monkeypatch.setattr(GraphBuilder, 'PAD_VALUE', -1.0)
    assert export_error(module, x, compile_graph) > 0.1


def test_quantiser_levels_and_threshold(compile_graph, digits_images, monkeypatch):
    x, _ = digits_images(8, count=16)
    module = binary_conv(8, 16, padding=1)
    # thresholds equal to pixel values: x == t must give +1, as torch's x - t >= 0
    module[1].threshold.data = x[0, torch.arange(8) % 3, torch.arange(8) % 5 + 2, 4].clone()
    assert bool((module[0](x) == module[1].threshold.view(1, -1, 1, 1)).any())
    assert export_error(module, x, compile_graph) < 1e-5
    with monkeypatch.context() as patch:
        patch.setattr(GraphBuilder, 'SIGN_LEVELS', (-1.0, 1.0))
        assert not export_error(module, x, compile_graph) < 1e-5
    monkeypatch.setattr(graph_module, 'quantiser_bound', lambda threshold: threshold)
    assert export_error(module, x, compile_graph) > 0.1


def test_graph_holds_one_bit_ops(compile_graph):
    module = binary_conv(8, 8, padding=1)
    graph = GraphBuilder(binary=True).build(module, 3)
    types = [op.get_type_name() for op in graph.get_ops()]
    assert types.count('BinaryConvolution') == 1 and types.count('Convolution') == 1
    fq = next(op for op in graph.get_ops() if op.get_type_name() == 'FakeQuantize')
    assert fq.get_attributes()['levels'] == 2
    conv = next(op for op in graph.get_ops() if op.get_type_name() == 'BinaryConvolution')
    assert conv.get_attributes()['pad_value'] == 0.0
    weights = conv.input_value(1).get_node()
    assert weights.get_element_type().get_type_name() == 'u1'
