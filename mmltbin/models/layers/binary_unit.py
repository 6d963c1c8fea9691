"""The building unit shared by mmltbin's binary backbones, and its real-valued shortcuts.

``binary=False`` gives the unit's full-precision twin (real weights and activations, the same
shortcut, norm and activation), from which a backbone's FP twin is built.

One unit is ``sign -> binary conv -> norm``, plus a real-valued shortcut around it (Bi-Real
Net's "one shortcut per binary convolution"), then optionally an RPReLU:

``y = act(norm(conv_b(sign(x))) + shortcut(x))``

Bi-Real Net uses a plain sign and no activation; ReActNet uses RSign and RPReLU.
"""
from typing import Optional

import torch
import torch.nn as nn

from .binary import BinaryConv2d, LearnableBias, RPReLU, build_norm, build_sign


class ChannelRepeat(nn.Module):
    """Repeat the input ``times`` along channels: ``cat([x] * times, dim=1)``.

    The shortcut of ReActNet's channel-doubling blocks (their two 1x1 binary convolutions each
    add the same input before being concatenated).

    Args:
        times (int): How many copies.

    Example:
        >>> ChannelRepeat(2)(torch.arange(2.).view(1, 2, 1, 1)).flatten().tolist()
        [0.0, 1.0, 0.0, 1.0]
    """

    def __init__(self, times: int) -> None:
        super().__init__()
        if times < 1:
            raise ValueError(f'ChannelRepeat: times must be >= 1, got {times}')
        self.times = times

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.repeat(1, self.times, *([1] * (x.dim() - 2))) if self.times > 1 else x

    def extra_repr(self) -> str:
        return f'times={self.times}'


def avg_pool_shortcut(stride: int) -> nn.Module:
    """Parameter-free downsampling shortcut: 2x2 average pooling with ``stride`` (or identity).

    ``ceil_mode=True`` keeps the output size equal to the strided 3x3 convolution's on odd
    inputs (e.g. 7x7 -> 4x4); on even inputs it is the plain 2x2 average pooling.
    """
    if stride == 1:
        return nn.Identity()
    return nn.AvgPool2d(kernel_size=2, stride=stride, ceil_mode=True)


def real_downsample(in_channels: int, out_channels: int, stride: int,
                    norm_cfg: Optional[dict]) -> nn.Module:
    """Bi-Real Net's real-valued downsampling shortcut: avg pool, FP 1x1 conv, norm.

    Returns identity when neither the stride nor the width changes.
    """
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    layers = [] if stride == 1 else [avg_pool_shortcut(stride)]
    layers += [nn.Conv2d(in_channels, out_channels, 1, bias=False),
               build_norm(norm_cfg, out_channels)]
    return nn.Sequential(*layers)


class BinaryConvUnit(nn.Module):
    """``act(norm(binary_conv(sign(x))) + shortcut(x))``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Kernel of the binary convolution (padding keeps the size). Defaults
            to 3.
        stride (int): Stride of the binary convolution. Defaults to 1.
        shortcut (nn.Module, optional): Real-valued shortcut; it must map the input to the
            output's shape. Defaults to identity.
        learnable_sign (bool): RSign (learnable per-channel threshold) instead of sign.
            Defaults to True.
        rprelu (bool): Apply RPReLU after the addition. Defaults to True.
        estimator (str): STE of the activation sign. Defaults to ``'approx'``.
        norm_cfg (dict, optional): Norm after the binary conv. Defaults to BatchNorm.
        binary (bool): ``False`` builds the full-precision twin: a real convolution on real
            activations (RSign keeps its learnable shift, without the sign). Defaults to True.

    Example:
        >>> unit = BinaryConvUnit(8, 8)
        >>> unit(torch.randn(2, 8, 6, 6)).shape
        torch.Size([2, 8, 6, 6])
        >>> type(BinaryConvUnit(8, 8, binary=False).conv).__name__
        'Conv2d'
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 stride: int = 1,
                 shortcut: Optional[nn.Module] = None,
                 learnable_sign: bool = True,
                 rprelu: bool = True,
                 estimator: str = 'approx',
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 binary: bool = True) -> None:
        super().__init__()
        conv = dict(stride=stride, padding=kernel_size // 2)
        if binary:
            self.sign = build_sign(in_channels, learnable_sign, estimator)
            self.conv = BinaryConv2d(in_channels, out_channels, kernel_size, input_mode='binary',
                                     **conv)
        else:
            self.sign = LearnableBias(in_channels) if learnable_sign else nn.Identity()
            self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, bias=False, **conv)
        self.norm = build_norm(norm_cfg, out_channels)
        self.shortcut = shortcut if shortcut is not None else nn.Identity()
        self.act = RPReLU(out_channels) if rprelu else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.norm(self.conv(self.sign(x))) + self.shortcut(x))
