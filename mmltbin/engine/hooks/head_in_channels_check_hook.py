"""Check, before the first step, that the head takes as many channels as the backbone gives."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...utils.checks import unwrap_model


def neck_out_channels(model: nn.Module, size: int = 32) -> Optional[int]:
    """Channels of what ``model.backbone`` (and ``model.neck``) give the head, or None.

    Measured with one all-zero image of ``size`` pixels (channels: the first convolution's) in
    eval mode without gradient, so no BatchNorm statistic moves. None when the model has no
    backbone, the output is not ``N x C`` (pooled), or the backbone cannot take such an image.

    Example:
        >>> from mmpretrain.registry import MODELS
        >>> import mmltbin  # noqa: F401
        >>> model = MODELS.build(dict(type='ImageClassifier', backbone=dict(
        ...     type='ReActNet', arch='A', widen_factor=0.25), neck=dict(
        ...     type='GlobalAveragePooling')))
        >>> neck_out_channels(model)
        256
    """
    backbone = getattr(model, 'backbone', None)
    if backbone is None:
        return None
    conv = next((m for m in backbone.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is None:
        return None
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            x = torch.zeros(1, conv.in_channels, size, size, device=conv.weight.device)
            feats = backbone(x)
            if getattr(model, 'neck', None) is not None:
                feats = model.neck(feats)
    except Exception:  # a backbone that needs other inputs: nothing to compare here
        return None
    finally:
        model.train(was_training)
    last = feats[-1] if isinstance(feats, (tuple, list)) else feats
    return int(last.shape[1]) if torch.is_tensor(last) and last.dim() == 2 else None


@HOOKS.register_module()
class HeadInChannelsCheckHook(Hook):
    """Refuse a head whose ``in_channels`` is not the width the backbone and neck give.

    A wrong ``model.head.in_channels`` (e.g. ReActNet-A at ``widen_factor=0.25`` gives 256
    channels, not 1024) otherwise shows up as a bare matrix-multiplication shape error in the
    first step. Checked once before the run (train, val or test), with one zero image.

    Args:
        size (int): Side of the zero image. Defaults to 32.

    Example:
        >>> # in a config (configs/_base_/default_runtime.py already adds it)
        >>> default_hooks = dict(head_in_channels=dict(type='HeadInChannelsCheckHook'))
    """

    priority = 'VERY_HIGH'  # before hooks that do expensive work (e.g. a teacher-cache prefill)

    def __init__(self, size: int = 32) -> None:
        self.size = size

    def before_run(self, runner) -> None:
        model = unwrap_model(runner.model)
        head = getattr(model, 'head', None)
        expected = getattr(head, 'in_channels', None)
        if not isinstance(expected, int):
            return
        given = neck_out_channels(model, self.size)
        if given is not None and given != expected:
            neck = f' and {type(model.neck).__name__}' if getattr(model, 'neck', None) else ''
            raise ValueError(
                f'model.head.in_channels is {expected}, but {type(model.backbone).__name__}'
                f'{neck} give {given} channels: set model.head.in_channels={given} (or change '
                'the backbone)')
