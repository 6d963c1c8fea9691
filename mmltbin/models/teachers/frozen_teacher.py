"""A frozen teacher built from any mmpretrain classifier config and a safely loaded checkpoint."""
import copy
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.models import ImageClassifier, TimmClassifier
from mmpretrain.registry import MODELS
from torch import Tensor

from .utils import (ReviseKeys, Views, as_views, build_in_mmpretrain_scope,
                    load_state_dict_file)

FEATURE_MODES = ('pooled', 'pre_logits')
_PROBE_SIZE = 224  # input side used once to measure feat_dim / num_classes when not declared


def _pool(feat: Tensor) -> Tensor:
    """Global-average-pool ``N x C x ...`` features to ``N x C``."""
    if isinstance(feat, (tuple, list)):
        feat = feat[-1]
    return feat.flatten(2).mean(-1) if feat.dim() > 2 else feat


@MODELS.register_module()
class FrozenTeacher(BaseModule):
    """A frozen full-precision network: pooled features and logits, never trained.

    ``model`` is any mmpretrain classifier config: an ``ImageClassifier`` (backbone / neck /
    head; a config with ``backbone`` and no ``type`` is taken as one), a ``TimmClassifier``
    (any timm model), or a classifier that declares its own teacher outputs through a method
    ``features_and_logits(inputs) -> (features, logits)`` (such as mmltbin's
    :class:`~mmltbin.models.classifiers.LinearProbeClassifier`, the calibrated teacher).

    Frozen means: every parameter has ``requires_grad=False``; the module is always in eval
    mode (``train()`` is overridden, so BatchNorm statistics and dropout never change);
    :meth:`forward` runs under ``torch.no_grad``. The parameters stay ordinary parameters, so a
    parent's ``state_dict()`` holds them and ``load_state_dict`` restores them (drop the
    ``teacher.`` keys yourself if you do not want them in a checkpoint). ``init_weights()``
    never re-initialises the teacher: with a ``checkpoint`` it reloads that file (so a parent's
    ``init_cfg`` cannot overwrite the weights), without one it does nothing.

    Inputs and normalisation: the teacher's own normalisation is its model config's
    ``data_preprocessor`` (mean/std in 0-255 space). By default the tensors given to
    :meth:`forward` must already be normalised that way. When they were normalised for another
    network (the student), give that normalisation as ``input_norm=dict(mean=..., std=...)``
    or call :meth:`set_input_norm`; the teacher then converts them to its own (an affine map;
    a one-channel input is repeated to three channels when the teacher expects three).
    Channel order is not changed.

    Args:
        model (dict): The classifier config.
        checkpoint (str, optional): Path or http(s) URL of the weights, loaded with
            ``weights_only=True``: an mmengine checkpoint (``'state_dict'``), a dict with a
            ``'model'`` entry, or a plain state dict. ``None`` keeps the built weights (only
            useful when a parent loads them).
        revise_keys (list[tuple[str, str]]): ``(pattern, replacement)`` regex rewrites of the
            checkpoint keys. Defaults to stripping a DDP ``module.`` prefix.
        feature_mode (str): Which feature :meth:`forward` returns. ``'pooled'``: the globally
            average-pooled encoder output (neck output of an ImageClassifier, timm's
            ``forward_head(pre_logits=True)``). ``'pre_logits'``: the input of the final linear
            layer (differs from ``'pooled'`` only for heads with hidden layers).
        strict (bool): Require the checkpoint keys to match the model exactly. Defaults to True.
        input_norm (dict, optional): ``dict(mean=[...], std=[...])`` (0-255 space) of the
            tensors :meth:`forward` receives. ``None``: they are already in the teacher's space.
        channels_last (bool): Keep the teacher's weights and inputs in channels-last memory
            format: the same results, 2-3 times faster for EfficientNet-Lite0 on a CPU
            (oneDNN). Defaults to True.

    Example:
        >>> import torch
        >>> from mmltbin.models.teachers import FrozenTeacher
        >>> teacher = FrozenTeacher(dict(
        ...     type='ImageClassifier',
        ...     backbone=dict(type='ResNet_CIFAR', depth=18),
        ...     neck=dict(type='GlobalAveragePooling'),
        ...     head=dict(type='LinearClsHead', num_classes=10, in_channels=512)))
        >>> feats, logits = teacher(torch.rand(2, 3, 32, 32))
        >>> feats.shape, logits.shape, teacher.feat_dim, teacher.num_classes
        (torch.Size([2, 512]), torch.Size([2, 10]), 512, 10)
        >>> teacher.train().training, feats.requires_grad
        (False, False)
    """

    def __init__(self,
                 model: dict,
                 checkpoint: Optional[str] = None,
                 revise_keys: ReviseKeys = ((r'^module\.', ''), ),
                 feature_mode: str = 'pooled',
                 strict: bool = True,
                 input_norm: Optional[dict] = None,
                 channels_last: bool = True) -> None:
        super().__init__(init_cfg=None)
        if not isinstance(model, dict):
            raise TypeError(f'FrozenTeacher: model must be a classifier config dict, '
                            f'got {type(model).__name__}')
        if feature_mode not in FEATURE_MODES:
            raise ValueError(f'FrozenTeacher: feature_mode must be one of {FEATURE_MODES}, '
                             f'got "{feature_mode}"')
        cfg = copy.deepcopy(dict(model))
        if 'type' not in cfg:
            if 'backbone' not in cfg:
                raise KeyError('FrozenTeacher: model config needs a "type" (a classifier such as '
                               'ImageClassifier or TimmClassifier) or a "backbone"')
            cfg['type'] = 'ImageClassifier'
        self.model = build_in_mmpretrain_scope(cfg)
        self.model.requires_grad_(False)
        self.checkpoint = checkpoint
        self.revise_keys = [tuple(pair) for pair in revise_keys]
        self.feature_mode = feature_mode
        self.strict = strict
        self.channels_last = channels_last
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        self.dataset_meta: Optional[dict] = None
        self._dims: Optional[Tuple[int, Optional[int]]] = None

        mean, std = self._teacher_norm()
        self.register_buffer('_teacher_mean', mean, persistent=False)
        self.register_buffer('_teacher_std', std, persistent=False)
        self.register_buffer('_in_scale', None, persistent=False)
        self.register_buffer('_in_shift', None, persistent=False)
        if input_norm is not None:
            if not isinstance(input_norm, dict) or not {'mean', 'std'} <= set(input_norm):
                raise ValueError('FrozenTeacher: input_norm must be dict(mean=[...], std=[...]), '
                                 f'got {input_norm!r}')
            self.set_input_norm(input_norm['mean'], input_norm['std'])
        # mmpretrain's TimmClassifier strips/adds its "model." key prefix with state-dict hooks
        # that only work at the top level; nested inside this module its keys keep the prefix.
        self._register_load_state_dict_pre_hook(self._match_nested_timm_keys)
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)
        super().train(False)

    # ----------------------------------------------------------------------------------------
    # loading and freezing

    def load_checkpoint(self, filename: str) -> None:
        """Load ``filename`` (path or URL) safely into the teacher model.

        Raises:
            FileNotFoundError, UnsafeCheckpointError: missing file / file carrying code.
            ValueError: unreadable file, shape mismatch, or (``strict``) missing or unexpected
                keys; the message names the file and the keys.
        """
        state_dict, meta = load_state_dict_file(filename, self.revise_keys,
                                                owner=f'FrozenTeacher({type(self.model).__name__})')
        try:
            missing, unexpected = self.model.load_state_dict(dict(state_dict), strict=False)
        except RuntimeError as err:
            raise ValueError(f'FrozenTeacher: checkpoint "{filename}" does not fit the teacher '
                             f'{type(self.model).__name__}: {err}') from err
        if self.strict and (missing or unexpected):
            raise ValueError(
                f'FrozenTeacher: checkpoint "{filename}" does not match the teacher '
                f'{type(self.model).__name__}: {len(missing)} missing keys {missing[:5]}, '
                f'{len(unexpected)} unexpected keys {unexpected[:5]}. Check the teacher config, '
                'or rename keys with revise_keys=[(pattern, replacement)]')
        self.model.requires_grad_(False)
        self.dataset_meta = meta.get('dataset_meta')

    def init_weights(self) -> None:
        """Reload the checkpoint (if any) instead of initialising: the teacher is pretrained."""
        if self.checkpoint is not None:
            self.load_checkpoint(self.checkpoint)

    def train(self, mode: bool = True) -> 'FrozenTeacher':
        """Keep the teacher in eval mode whatever ``mode`` is."""
        return super().train(False)

    def _match_nested_timm_keys(self, state_dict, prefix, *args) -> None:
        if not isinstance(self.model, TimmClassifier):
            return
        nested = prefix + 'model.model.'
        for key in [k for k in state_dict if k.startswith(nested)]:
            state_dict[prefix + 'model.' + key[len(nested):]] = state_dict.pop(key)

    # ----------------------------------------------------------------------------------------
    # normalisation

    def _teacher_norm(self) -> Tuple[Tensor, Tensor]:
        pre = getattr(self.model, 'data_preprocessor', None)
        if pre is not None and getattr(pre, '_enable_normalize', False):
            return pre.mean.detach().clone().view(-1), pre.std.detach().clone().view(-1)
        return torch.zeros(1), torch.ones(1)

    def set_input_norm(self, mean: Optional[Sequence[float]],
                       std: Optional[Sequence[float]]) -> None:
        """Declare how the tensors given to :meth:`forward` are normalised (0-255 space).

        ``mean=None`` and ``std=None`` turn the conversion off (inputs already in the teacher's
        space). Typically called by a distiller with its data preprocessor's mean and std.

        Example:
            >>> import torch
            >>> from mmltbin.models.teachers import FrozenTeacher
            >>> t = FrozenTeacher(dict(backbone=dict(type='ResNet_CIFAR', depth=18),
            ...                        neck=dict(type='GlobalAveragePooling')))
            >>> t.set_input_norm([72.94], [90.02])  # a Fashion-MNIST-normalised student input
        """
        if mean is None and std is None:
            self._in_scale = self._in_shift = None
            return
        mean_t = torch.as_tensor(mean, dtype=torch.float32).flatten()
        std_t = torch.as_tensor(std, dtype=torch.float32).flatten()
        if mean_t.numel() == 0 or std_t.numel() == 0 or bool((std_t <= 0).any()):
            raise ValueError(f'FrozenTeacher: input_norm needs a mean and a positive std, '
                             f'got mean={mean}, std={std}')
        t_mean, t_std = self._teacher_mean.cpu(), self._teacher_std.cpu()
        try:
            scale = std_t / t_std
            shift = (mean_t - t_mean) / t_std
        except RuntimeError as err:
            raise ValueError(f'FrozenTeacher: input_norm has {mean_t.numel()} channels, the '
                             f'teacher {t_mean.numel()}') from err
        if bool((scale == 1).all()) and bool((shift == 0).all()):
            self._in_scale = self._in_shift = None  # already the teacher's normalisation
            return
        device = self._teacher_mean.device
        self._in_scale = scale.view(1, -1, 1, 1).to(device)
        self._in_shift = shift.view(1, -1, 1, 1).to(device)

    def _to_teacher_space(self, x: Tensor) -> Tensor:
        channels = self._teacher_mean.numel()
        if x.shape[1] == 1 and channels > 1:
            x = x.expand(-1, channels, -1, -1)
        if self._in_scale is not None:
            x = x * self._in_scale + self._in_shift
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    # ----------------------------------------------------------------------------------------
    # forward

    def _has_head(self) -> bool:
        model = self.model
        if hasattr(model, 'features_and_logits'):
            return True
        if isinstance(model, TimmClassifier):
            return getattr(model.model, 'num_classes', 0) > 0
        return bool(getattr(model, 'with_head', False))

    def _features_logits(self, x: Tensor, need_logits: bool) -> Tuple[Tensor, Optional[Tensor]]:
        """Features and (optionally) logits of one view already in the teacher's space."""
        model = self.model
        if hasattr(model, 'features_and_logits'):
            feats, logits = model.features_and_logits(x)
            return feats, logits
        if isinstance(model, TimmClassifier):
            net = model.model
            fmap = net.forward_features(x)
            feats = _pool(net.forward_head(fmap, pre_logits=True))
            logits = net.forward_head(fmap) if need_logits else None
            return feats, logits
        if isinstance(model, ImageClassifier) or (hasattr(model, 'extract_feat')
                                                  and hasattr(model, 'head')):
            neck_out = model.extract_feat(x)
            with_head = getattr(model, 'with_head', model.head is not None)
            if self.feature_mode == 'pre_logits' and with_head:
                feats = _pool(model.head.pre_logits(neck_out))
            else:
                feats = _pool(neck_out)
            logits = model.head(neck_out) if need_logits else None
            return feats, logits
        raise TypeError(f'FrozenTeacher: cannot take features and logits from '
                        f'{type(model).__name__}; use an ImageClassifier, a TimmClassifier or a '
                        'classifier with a features_and_logits(inputs) method')

    def _run(self, inputs: Views, need_logits: bool) -> Tuple[Tensor, Optional[Tensor]]:
        if need_logits and not self._has_head():
            raise ValueError(f'FrozenTeacher: the teacher {type(self.model).__name__} has no '
                             'classification head, so it gives no logits; add a head to its '
                             'config or use extract_feat()')
        feats, logits = [], []
        for view in as_views(inputs, 'FrozenTeacher'):
            f, z = self._features_logits(self._to_teacher_space(view), need_logits)
            feats.append(f)
            logits.append(z)
        feat = torch.stack(feats).mean(0) if len(feats) > 1 else feats[0]
        if not need_logits:
            return feat, None
        logit = torch.stack(logits).mean(0) if len(logits) > 1 else logits[0]
        return feat, logit

    @torch.no_grad()
    def forward(self, inputs: Views) -> Tuple[Tensor, Tensor]:
        """Pooled features ``[N, D]`` and logits ``[N, C]`` of a batch.

        Args:
            inputs: An ``N x C x H x W`` batch, or several views of it (a list or a dict of
                such tensors, e.g. one per resolution): features and logits are then averaged
                over the views.

        Returns:
            tuple[Tensor, Tensor]: ``(features, logits)``, both without gradient.
        """
        return self._run(inputs, need_logits=True)

    @torch.no_grad()
    def extract_feat(self, inputs: Views) -> Tensor:
        """Pooled features ``[N, D]`` only (works for teachers without a head)."""
        return self._run(inputs, need_logits=False)[0]

    # ----------------------------------------------------------------------------------------
    # sizes

    def _measure(self) -> Tuple[int, Optional[int]]:
        if self._dims is None:
            model = self.model
            feat_dim = getattr(model, 'feat_dim', None)
            num_classes = getattr(model, 'num_classes', None)
            if isinstance(feat_dim, int) and isinstance(num_classes, int):
                self._dims = (feat_dim, num_classes)
            else:
                size = _PROBE_SIZE
                if isinstance(model, TimmClassifier):
                    size = getattr(model.model, 'pretrained_cfg', {}).get(
                        'input_size', (3, size, size))[-1]
                probe = torch.zeros(1, self._teacher_mean.numel() if self._teacher_mean.numel() > 1
                                    else 3, size, size, device=self._teacher_mean.device)
                with torch.no_grad():
                    feats, logits = self._features_logits(probe, need_logits=self._has_head())
                self._dims = (int(feats.shape[-1]),
                              int(logits.shape[-1]) if logits is not None else None)
        return self._dims

    @property
    def feat_dim(self) -> int:
        """Width ``D`` of the features :meth:`forward` returns."""
        return self._measure()[0]

    @property
    def num_classes(self) -> int:
        """Number of classes ``C`` of the logits (error when the teacher has no head)."""
        num_classes = self._measure()[1]
        if num_classes is None:
            raise ValueError(f'FrozenTeacher: the teacher {type(self.model).__name__} has no '
                             'classification head, so it has no num_classes')
        return num_classes
