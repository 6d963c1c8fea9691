"""Binary ResNets: Bi-Real Net (Liu et al., ECCV 2018) and its ReAct variant.

Bi-Real Net-18/34 binarize every 3x3 convolution of ResNet-18/34 and give each one its own
real-valued shortcut (``x + BN(conv_b(sign(x)))``), so a ResNet basic block becomes two binary
units. The stem (7x7 conv, BN, max pool), the downsampling shortcuts (2x2 average pooling, real
1x1 conv, BN) and the classifier stay real-valued. The ReAct variant (ReActNet's
"ReAct-BiRealNet") replaces sign by RSign and adds RPReLU after every shortcut addition.
"""
from typing import Sequence

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmpretrain.registry import MODELS

from ..layers.binary_unit import BinaryConvUnit, real_downsample
from .staged_backbone import StagedBackbone, check_positive_int, default_init_cfg


@MODELS.register_module()
class BinaryResNet(StagedBackbone):
    """Binary ResNet-18/34 backbone (Bi-Real Net, or its ReAct variant).

    Args:
        depth (int): 18 or 34 (ResNet basic blocks per stage: 2-2-2-2 or 3-4-6-3; each block is
            two binary units). Defaults to 18.
        variant (str): ``'bireal'`` (sign, no activation) or ``'react'`` (RSign and RPReLU).
            Defaults to ``'bireal'``.
        in_channels (int): Image channels. Defaults to 3.
        stem_channels (int): Stem output channels. Defaults to 64.
        base_channels (int): Width of the first stage; stage ``i`` has ``base * 2**i``.
            Defaults to 64.
        stem_type (str): ``'imagenet'`` (7x7 stride-2 conv + 3x3 stride-2 max pool) or
            ``'small'`` (3x3 stride-1 conv, no pool) for 28-32 px images. Defaults to
            ``'imagenet'``.
        strides (Sequence[int]): Stride of the first unit of each stage. Defaults to
            ``(1, 2, 2, 2)``.
        out_indices (Sequence[int]): Stages to output. Defaults to ``(3, )``.
        frozen_stages (int): ``-1``: none; ``k``: the stem and the first ``k`` stages.
            Defaults to -1.
        norm_cfg (dict): Norm layers config. Defaults to ``dict(type='BN')``.
        norm_eval (bool): Keep BatchNorm layers in eval mode in training. Defaults to False.
        estimator (str): STE of the activation signs. Defaults to ``'approx'`` (ApproxSign).
        binary (bool): ``False`` builds the full-precision twin: the same units with real
            weights and activations (the reference of the Binary-FP gap). Defaults to True.
        init_cfg (dict | list[dict], optional): Defaults to Kaiming real convs, N(0, 0.01)
            latent binary weights, unit norms.

    Example:
        >>> import torch
        >>> net = BinaryResNet(18, base_channels=16, stem_channels=16, stem_type='small')
        >>> [tuple(o.shape) for o in net(torch.randn(2, 3, 32, 32))]
        [(2, 128, 4, 4)]
    """

    arch_settings = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}
    variants = ('bireal', 'react')
    stem_types = ('imagenet', 'small')

    def __init__(self,
                 depth: int = 18,
                 variant: str = 'bireal',
                 in_channels: int = 3,
                 stem_channels: int = 64,
                 base_channels: int = 64,
                 stem_type: str = 'imagenet',
                 strides: Sequence[int] = (1, 2, 2, 2),
                 out_indices: Sequence[int] = (3, ),
                 frozen_stages: int = -1,
                 norm_cfg: dict = dict(type='BN'),
                 norm_eval: bool = False,
                 estimator: str = 'approx',
                 init_cfg=None,
                 binary: bool = True) -> None:
        super().__init__(out_indices, frozen_stages, norm_eval,
                         init_cfg if init_cfg is not None else default_init_cfg())
        if depth not in self.arch_settings:
            raise ValueError(f'BinaryResNet: depth must be one of {sorted(self.arch_settings)}, '
                             f'got {depth}')
        if variant not in self.variants:
            raise ValueError(f'BinaryResNet: variant must be one of {self.variants}, got '
                             f'"{variant}"')
        if stem_type not in self.stem_types:
            raise ValueError(f'BinaryResNet: stem_type must be one of {self.stem_types}, got '
                             f'"{stem_type}"')
        blocks = self.arch_settings[depth]
        if len(strides) != len(blocks):
            raise ValueError(f'BinaryResNet: strides needs {len(blocks)} entries, got {strides}')
        for name, value in (('in_channels', in_channels), ('stem_channels', stem_channels),
                            ('base_channels', base_channels)):
            check_positive_int(value, name, 'BinaryResNet')
        self.depth, self.variant, self.stem_type = depth, variant, stem_type

        if stem_type == 'imagenet':
            self.stem = nn.Sequential(
                ConvModule(in_channels, stem_channels, 7, stride=2, padding=3, bias=False,
                           norm_cfg=norm_cfg, act_cfg=None),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        else:
            self.stem = ConvModule(in_channels, stem_channels, 3, stride=1, padding=1, bias=False,
                                   norm_cfg=norm_cfg, act_cfg=None)

        react = variant == 'react'
        width = stem_channels
        stages = []
        self.stage_channels = []
        for i, (num_blocks, stride) in enumerate(zip(blocks, strides)):
            out_width = base_channels * 2**i
            units = []
            for j in range(2 * num_blocks):
                unit_stride = stride if j == 0 else 1
                units.append(BinaryConvUnit(
                    width, out_width, 3, unit_stride,
                    shortcut=real_downsample(width, out_width, unit_stride, norm_cfg),
                    learnable_sign=react, rprelu=react, estimator=estimator, norm_cfg=norm_cfg,
                    binary=binary))
                width = out_width
            stages.append(nn.Sequential(*units))
            self.stage_channels.append(width)
        self.stages = nn.ModuleList(stages)
        self.out_channels = width
        self._setup_stages()
