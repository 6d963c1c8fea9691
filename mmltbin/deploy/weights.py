"""Weights of a deployed graph: folded BatchNorm, binary-conv output affines, 1-bit constants.

A binary convolution ``BN(conv(x_b, sign(W) * alpha) + bias)`` is, per output channel ``o``,
``count_o * alpha_o * g_o + (bias_o * g_o + h_o)`` where ``count`` is the integer +-1 product
sum that OpenVINO's ``BinaryConvolution`` returns and ``y = x * g + h`` is the BatchNorm in
eval mode. :func:`binary_conv_affine` returns that ``(scale, shift)`` pair; real convolutions
fold their BatchNorm into weights and bias (:func:`fold_conv_bn`).
"""
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmltbin.export.packed import sign_bits
from mmltbin.models.layers import BinaryConv2d

Affine = Tuple[np.ndarray, np.ndarray]


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().to(torch.float64).numpy()


def batchnorm_affine(norm: _BatchNorm, name: str) -> Affine:
    """``(g, h)`` with ``norm(x) == x * g + h`` per channel, in eval mode (float64).

    Args:
        norm (_BatchNorm): A BatchNorm layer with running statistics.
        name (str): Its name in the model, for the error message.

    Returns:
        tuple: ``g`` and ``h``, each of shape ``(C, )``.

    Example:
        >>> bn = nn.BatchNorm2d(2).eval()
        >>> g, h = batchnorm_affine(bn, 'bn')
        >>> g.round(4).tolist(), h.tolist()
        ([1.0, 1.0], [0.0, 0.0])
    """
    if norm.running_mean is None or norm.running_var is None:
        raise ValueError(f'export: BatchNorm "{name}" keeps no running statistics '
                         '(track_running_stats=False); its eval output depends on the batch')
    g = 1.0 / np.sqrt(_numpy(norm.running_var) + norm.eps)
    h = -_numpy(norm.running_mean) * g
    if norm.affine:
        weight, bias = _numpy(norm.weight), _numpy(norm.bias)
        g, h = g * weight, h * weight + bias
    return g, h


def fold_conv_bn(conv: nn.Conv2d, norm: Optional[_BatchNorm],
                 name: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Weight and bias of ``norm(conv(x))`` as one real convolution (float32).

    Example:
        >>> conv, bn = nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4).eval()
        >>> w, b = fold_conv_bn(conv, bn, 'stem')
        >>> w.shape, b.shape
        ((4, 3, 3, 3), (4,))
    """
    weight = _numpy(conv.weight)
    bias = None if conv.bias is None else _numpy(conv.bias)
    if norm is not None:
        g, h = batchnorm_affine(norm, name)
        weight = weight * g.reshape(-1, 1, 1, 1)
        bias = h if bias is None else bias * g + h
    return weight.astype(np.float32), None if bias is None else bias.astype(np.float32)


def binary_conv_affine(conv: BinaryConv2d, norm: Optional[_BatchNorm], name: str) -> Affine:
    """Per-output-channel ``(scale, shift)`` applied to the +-1 product sum (float32).

    The weight scale ``alpha`` (``fixed_scale``, ``mean |W|``, or ones), the conv bias and the
    following BatchNorm (if any) folded together.

    Example:
        >>> conv = BinaryConv2d(4, 2, 1, input_mode='binary')
        >>> scale, shift = binary_conv_affine(conv, None, 'conv')
        >>> bool(np.allclose(scale, conv.weight.abs().mean((1, 2, 3)).detach().numpy()))
        True
    """
    scale = _numpy(conv.weight_scale()).reshape(-1)
    shift = np.zeros_like(scale) if conv.bias is None else _numpy(conv.bias)
    if norm is not None:
        g, h = batchnorm_affine(norm, name)
        scale, shift = scale * g, shift * g + h
    return scale.astype(np.float32), shift.astype(np.float32)


def binary_weight_bits(conv: BinaryConv2d) -> np.ndarray:
    """The weight signs (bit 1 <=> ``W >= 0``) packed least-significant bit first.

    OpenVINO reads a ``u1`` constant's bytes LSB first: element ``i`` is bit ``i % 8`` of byte
    ``i // 8`` (numpy's default ``packbits`` order, MSB first, would mirror every byte).

    Example:
        >>> conv = BinaryConv2d(1, 1, (1, 8), input_mode='binary')
        >>> conv.weight.data = torch.tensor([1., -1, -1, -1, -1, -1, -1, -1]).view(1, 1, 1, 8)
        >>> binary_weight_bits(conv).tolist()  # element 0 is the lowest bit
        [1]
    """
    return sign_bits(conv.weight, bitorder='little')


def binary_weight_signs(conv: BinaryConv2d) -> np.ndarray:
    """The weights' signs as a float32 +-1 array (for the FP32 form of a binary graph)."""
    return np.where(_numpy(conv.weight) >= 0, 1.0, -1.0).astype(np.float32)
