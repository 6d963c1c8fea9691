"""ReActNet: a MobileNet-V1-shaped binary network (Liu et al., ECCV 2020).

ReActNet-A, as published (https://arxiv.org/abs/2003.03488, reference code
github.com/liuzechun/ReActNet), is

* a real-valued 3x3 stem convolution (stride 2 at 224 px) to 32 channels, then BatchNorm;
* 13 binary blocks with output channels 64, 128, 128, 256, 256, 512 x 6, 1024, 1024; a block has
  stride 2 where its width grows, except the first block (32 -> 64, stride 1);
* each block is two units, each ``RSign -> binary conv -> BN``, a real shortcut around it, then
  RPReLU: a 3x3 unit (in -> in, stride s, shortcut = 2x2 average pooling when s = 2) and a 1x1
  unit (in -> out). Where the width doubles, the 1x1 unit is two binary in -> in convolutions,
  each with the unit's input added, concatenated.

Here that doubled 1x1 unit is a single in -> 2*in binary convolution whose shortcut repeats the
input twice along channels (:class:`~mmltbin.models.layers.ChannelRepeat`): binary weights are
scaled per output channel and BatchNorm is per channel, so the two forms have the same
parameters and compute the same function (a test checks it), and one convolution is faster.
"""
from typing import List, Sequence, Tuple, Union

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmpretrain.registry import MODELS

from ..layers.binary_unit import BinaryConvUnit, ChannelRepeat, avg_pool_shortcut
from .staged_backbone import StagedBackbone, check_positive_int, default_init_cfg

StageSpec = Sequence[Tuple[int, int]]


class ReActBlock(nn.Module):
    """One ReActNet block: a 3x3 binary unit, then a 1x1 binary unit.

    Args:
        in_channels (int): Input channels.
        out_channels (int): ``in_channels`` or ``2 * in_channels``.
        stride (int): Stride of the 3x3 unit (its shortcut average-pools when > 1).
        norm_cfg (dict): Norm after each binary conv.
        estimator (str): STE of the RSign layers.
        binary (bool): ``False``: the full-precision twin of the block. Defaults to True.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, norm_cfg: dict,
                 estimator: str, binary: bool = True) -> None:
        super().__init__()
        if out_channels % in_channels or out_channels // in_channels not in (1, 2):
            raise ValueError(f'ReActBlock: out_channels must be in_channels or twice it, got '
                             f'{in_channels} -> {out_channels}')
        unit = dict(learnable_sign=True, rprelu=True, estimator=estimator, norm_cfg=norm_cfg,
                    binary=binary)
        self.spatial = BinaryConvUnit(in_channels, in_channels, 3, stride,
                                      shortcut=avg_pool_shortcut(stride), **unit)
        self.pointwise = BinaryConvUnit(in_channels, out_channels, 1, 1,
                                        shortcut=ChannelRepeat(out_channels // in_channels),
                                        **unit)

    def forward(self, x):
        return self.pointwise(self.spatial(x))


@MODELS.register_module()
class ReActNet(StagedBackbone):
    """ReActNet backbone (binary weights and activations in every block).

    The 13 blocks of ReActNet-A are grouped into 5 stages by resolution (block counts
    1, 2, 2, 6, 2; output strides 2, 4, 8, 16, 32 with ``stem_stride=2``), so
    ``out_indices=(4, )`` returns the last feature map.

    Args:
        arch (str | dict): ``'A'``, or a dict ``dict(stem_channels=C, stages=[[(out, stride),
            ...], ...])`` describing the blocks at width 1 (each block keeps or doubles the
            width). Defaults to ``'A'``.
        widen_factor (float): Width multiplier. The stem gets ``round(32 * widen_factor)``
            channels and every block keeps ReActNet-A's ratios (``widen_factor=0.25``:
            8 -> 16 -> 32 -> 64 -> 128 -> 256 channels). Defaults to 1.0.
        in_channels (int): Image channels. Defaults to 3.
        stem_stride (int): Stride of the stem conv: 2 for ImageNet-sized inputs (as published),
            1 for 28-32 px images (the last map is then 2x2 at 32 px). Defaults to 2.
        out_indices (Sequence[int]): Stages to output. Defaults to ``(4, )``.
        frozen_stages (int): ``-1``: none; ``k``: the stem and the first ``k`` stages.
            Defaults to -1.
        norm_cfg (dict): Norm layers config. Defaults to ``dict(type='BN')``.
        norm_eval (bool): Keep BatchNorm layers in eval mode in training. Defaults to False.
        estimator (str): STE of the activation signs, ``'approx'`` (Bi-Real Net's ApproxSign,
            as in ReActNet) or ``'clipped'``. Defaults to ``'approx'``.
        init_cfg (dict | list[dict], optional): Defaults to Kaiming real convs, N(0, 0.01)
            latent binary weights, unit norms.
        binary (bool): ``False`` builds the full-precision twin: the same blocks with real
            weights and activations (the reference of the Binary-FP gap). Defaults to True.

    Example:
        >>> import torch
        >>> net = ReActNet(widen_factor=0.25, stem_stride=1)
        >>> [tuple(o.shape) for o in ReActNet(widen_factor=0.25, stem_stride=1,
        ...                                    out_indices=(0, 4))(torch.randn(2, 3, 32, 32))]
        [(2, 16, 32, 32), (2, 256, 2, 2)]
        >>> net.out_channels
        256
    """

    arch_settings = {
        'A': dict(stem_channels=32,
                  stages=[[(64, 1)], [(128, 2), (128, 1)], [(256, 2), (256, 1)],
                          [(512, 2)] + [(512, 1)] * 5, [(1024, 2), (1024, 1)]]),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'A',
                 widen_factor: float = 1.0,
                 in_channels: int = 3,
                 stem_stride: int = 2,
                 out_indices: Sequence[int] = (4, ),
                 frozen_stages: int = -1,
                 norm_cfg: dict = dict(type='BN'),
                 norm_eval: bool = False,
                 estimator: str = 'approx',
                 init_cfg=None,
                 binary: bool = True) -> None:
        super().__init__(out_indices, frozen_stages, norm_eval,
                         init_cfg if init_cfg is not None else default_init_cfg())
        setting = self._arch_setting(arch)
        if not widen_factor > 0:
            raise ValueError(f'ReActNet: widen_factor must be > 0, got {widen_factor}')
        check_positive_int(in_channels, 'in_channels', 'ReActNet')
        check_positive_int(stem_stride, 'stem_stride', 'ReActNet')
        self.arch = arch
        self.widen_factor = widen_factor
        self.stem_stride = stem_stride

        width = max(1, int(round(setting['stem_channels'] * widen_factor)))
        self.stem = ConvModule(in_channels, width, 3, stride=stem_stride, padding=1, bias=False,
                               norm_cfg=norm_cfg, act_cfg=None)
        reference_width = setting['stem_channels']
        self.stage_channels: List[int] = []
        stages = []
        for stage_spec in setting['stages']:
            blocks = []
            for out_reference, stride in stage_spec:
                ratio = out_reference // reference_width
                if out_reference not in (reference_width, 2 * reference_width):
                    raise ValueError(f'ReActNet arch: a block must keep or double the width, '
                                     f'got {reference_width} -> {out_reference}')
                blocks.append(ReActBlock(width, width * ratio, stride, norm_cfg, estimator,
                                         binary))
                width, reference_width = width * ratio, out_reference
            stages.append(nn.Sequential(*blocks))
            self.stage_channels.append(width)
        self.stages = nn.ModuleList(stages)
        self.out_channels = self.stage_channels[-1]
        self._setup_stages()

    def _arch_setting(self, arch: Union[str, dict]) -> dict:
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise ValueError(f'ReActNet: unknown arch "{arch}", choose from '
                                 f'{sorted(self.arch_settings)} or pass a dict')
            return self.arch_settings[arch]
        if not isinstance(arch, dict) or set(arch) != {'stem_channels', 'stages'}:
            raise ValueError('ReActNet: a custom arch must be dict(stem_channels=C, '
                             f'stages=[[(out_channels, stride), ...], ...]), got {arch!r}')
        stages = arch['stages']
        if not stages or not all(stage for stage in stages):
            raise ValueError(f'ReActNet: arch stages must be non-empty lists, got {stages!r}')
        return dict(stem_channels=arch['stem_channels'],
                    stages=[[(int(c), int(s)) for c, s in stage] for stage in stages])
