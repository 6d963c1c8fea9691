"""Shared plumbing of mmltbin's backbones: a stem, a list of stages, out_indices, freezing."""
from typing import Sequence, Tuple

import torch
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from torch.nn.modules.batchnorm import _BatchNorm

from ..layers import BinaryConv2d


class StagedBackbone(BaseBackbone):
    """A backbone made of ``self.stem`` followed by ``self.stages`` (an ``nn.ModuleList``).

    Subclasses build ``stem`` and ``stages`` and then call :meth:`_setup_stages`. The forward
    pass returns the outputs of the stages listed in ``out_indices`` as a tuple.

    Args:
        out_indices (Sequence[int]): Stages whose outputs are returned (negative counts from
            the end).
        frozen_stages (int): ``-1`` freezes nothing; ``k >= 0`` freezes the stem and the first
            ``k`` stages (eval mode, no gradient).
        norm_eval (bool): Keep every BatchNorm in eval mode while training (frozen running
            statistics).
        init_cfg (dict | list[dict], optional): mmengine initialisation config.
    """

    def __init__(self, out_indices: Sequence[int], frozen_stages: int, norm_eval: bool,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self._out_indices_arg = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

    def _setup_stages(self) -> None:
        """Validate ``out_indices`` and ``frozen_stages`` against the built stages, freeze."""
        name = type(self).__name__
        num_stages = len(self.stages)
        out_indices = self._out_indices_arg
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        if not isinstance(out_indices, Sequence) or not out_indices:
            raise TypeError(f'{name}: out_indices must be a non-empty sequence of ints, got '
                            f'{out_indices!r}')
        resolved = []
        for index in out_indices:
            if not -num_stages <= index < num_stages:
                raise ValueError(f'{name}: out_indices entry {index} is out of range for '
                                 f'{num_stages} stages')
            resolved.append(index % num_stages)
        self.out_indices = tuple(resolved)
        if not -1 <= self.frozen_stages <= num_stages:
            raise ValueError(f'{name}: frozen_stages must be in [-1, {num_stages}], got '
                             f'{self.frozen_stages}')
        self._freeze_stages()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _frozen_modules(self):
        if self.frozen_stages >= 0:
            yield self.stem
        for i in range(self.frozen_stages):
            yield self.stages[i]

    def _freeze_stages(self) -> None:
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'StagedBackbone':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self


def default_init_cfg() -> list:
    """Kaiming for real convolutions, small normal latent weights for binary ones
    (see :meth:`BinaryConv2d.reset_latent_weights`), ones/zeros for norms."""
    return [
        dict(type='Kaiming', layer=['Conv2d']),  # also matches BinaryConv2d (a Conv2d) ...
        dict(type='Normal', std=BinaryConv2d.LATENT_INIT_STD, layer=['BinaryConv2d']),  # ... redone
        dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm']),
    ]


def check_positive_int(value, name: str, owner: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f'{owner}: {name} must be a positive int, got {value!r}')
    return value


__all__ = ['StagedBackbone', 'default_init_cfg', 'check_positive_int']
