"""The frozen teacher: one owner for the teacher's views, resolutions, normalisation and weights."""
import copy
import functools
import logging
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import BaseDataPreprocessor, BaseModule
from mmpretrain.models import ClsDataPreprocessor, ImageClassifier, TimmClassifier
from mmpretrain.registry import MODELS
from torch import Tensor, nn

from ...utils.hardware import cpu_bfloat16_native
from ..utils.batch_norm_folding import FoldMismatchError, fold_batch_norms
from ..utils.openvino_module import OpenVINOMismatchError, OpenVINOModule
from ..utils.pooling import pool_features
from .utils import (ReviseKeys, Views, as_views, build_in_mmpretrain_scope, check_resolutions,
                    load_state_dict_file, resize_shorter_side)

FEATURE_MODES = ('pooled', 'pre_logits')
_PROBE_SIZE = 224  # input side used once to measure feat_dim / num_classes when not declared
#: Key prefix of the frozen encoder in a calibrated teacher's checkpoint (the state dict of
#: :class:`~mmltbin.models.classifiers.LinearProbeClassifier`: ``encoder.*`` and ``head.*``).
CALIBRATED_ENCODER_PREFIX = 'encoder.'
_CALIBRATED_SIGNATURE = CALIBRATED_ENCODER_PREFIX + 'model.'
#: ``FrozenTeacher(autocast=...)``: the encoder's compute dtype (None: float32).
AUTOCAST_DTYPES = {None: None, 'bfloat16': torch.bfloat16, 'float16': torch.float16}
#: ``FrozenTeacher(runtime=...)``: what runs the frozen encoder's forward.
RUNTIMES = ('torch', 'openvino', 'auto')
#: Rows of a batch that a view holds (None: all rows, in order), one entry per view.
ViewRows = Optional[Sequence[Optional[Tensor]]]


def native_autocast(device: torch.device, dtype: Optional[torch.dtype]) -> bool:
    """Whether ``device`` computes ``dtype`` natively (False for None: nothing to cast).

    Example:
        >>> native_autocast(torch.device('cpu'), None)
        False
    """
    if dtype is None:
        return False
    if device.type == 'cuda':
        return dtype is torch.float16 or torch.cuda.is_bf16_supported()
    if device.type == 'cpu' and dtype is torch.bfloat16:
        return cpu_bfloat16_native()
    return False


class NoHeadError(ValueError, AttributeError):
    """A teacher without a classification head was asked for its classes."""


def _encoder_outputs(model: nn.Module, x: Tensor, need_logits: bool,
                     feature_mode: str) -> Tuple[Tensor, Optional[Tensor]]:
    """Pooled features and (optionally) ``model``'s own logits of one input tensor."""
    if isinstance(model, TimmClassifier):
        net = model.model
        fmap = net.forward_features(x)
        feats = pool_features(net.forward_head(fmap, pre_logits=True))
        logits = net.forward_head(fmap) if need_logits else None
        return feats, logits
    if isinstance(model, ImageClassifier) or (hasattr(model, 'extract_feat')
                                              and hasattr(model, 'head')):
        neck_out = model.extract_feat(x)
        with_head = getattr(model, 'with_head', model.head is not None)
        if feature_mode == 'pre_logits' and with_head:
            feats = pool_features(model.head.pre_logits(neck_out))
        else:
            feats = pool_features(neck_out)
        logits = model.head(neck_out) if need_logits else None
        return feats, logits
    raise TypeError(f'FrozenTeacher: cannot take features and logits from '
                    f'{type(model).__name__}; use an ImageClassifier or a TimmClassifier')


def _present_outputs(model: nn.Module, x: Tensor, need_logits: bool,
                     feature_mode: str) -> Tuple[Tensor, ...]:
    """:func:`_encoder_outputs` without the logits that were not asked for (a graph's
    outputs)."""
    return tuple(t for t in _encoder_outputs(model, x, need_logits, feature_mode)
                 if t is not None)


@MODELS.register_module()
class FrozenTeacher(BaseModule):
    """A frozen full-precision network: pooled features and logits, never trained.

    The teacher is an encoder (``model``: any mmpretrain classifier config) and, for a
    calibrated teacher, a separate linear ``head`` on its pooled features. Every question about
    what the teacher sees is answered here and nowhere else:

    - **normalisation**: the teacher's own is its ``model.data_preprocessor`` (mean/std in
      0-255 space; required, see below). Inputs normalised for another network (the student,
      the calibration run) are converted with an affine map (:meth:`match_input_norm`), a
      one-channel input repeated to three channels; channel order is not changed.
    - **resolutions**: with ``resolutions=(32, 64, 96)`` every view is resized (shorter side,
      ``F.interpolate``) to each size; features are averaged over the sizes, and the logits
      are the ``head`` applied to that average (or, without a ``head``, the model's own logits
      averaged).
    - **views**: the inputs may be several views of the batch (a list or dict of tensors, e.g.
      ``MultiResDataPreprocessor``'s teacher views); features and logits are averaged over the
      views each sample has (``rows`` says which samples a view holds).

    The calibrated teacher is ``FrozenTeacher(model=<encoder>, head=dict(type='LinearClsHead',
    num_classes=C), resolutions=..., checkpoint=<calibration checkpoint>)``: the checkpoint
    written by ``tools/train.py`` with a ``configs/ltbin/calibrate_*.py`` config
    (``LinearProbeClassifier``'s ``encoder.*`` / ``head.*`` keys) is read into the encoder and
    the head. The teacher's logits and features are then exactly the calibrated classifier's.

    Frozen means: every parameter has ``requires_grad=False``; the module is always in eval
    mode (``train()`` is overridden, so BatchNorm statistics and dropout never change);
    :meth:`forward` runs under ``torch.no_grad``. The one exception is calibration that adapts
    the last encoder stage (``trainable``). ``init_weights()`` never re-initialises the
    teacher: with a ``checkpoint`` it reloads that file (so a parent's ``init_cfg`` cannot
    overwrite the weights), without one it does nothing.

    Args:
        model (dict): The encoder's classifier config: an ``ImageClassifier`` (backbone / neck /
            head; a config with ``backbone`` and no ``type`` is taken as one) or a
            ``TimmClassifier``. Its ``data_preprocessor`` must normalise (``mean``, ``std``):
            mmpretrain model configs keep it at the top level, copy it into the model dict.
        checkpoint (str, optional): Path or http(s) URL of the weights, loaded with
            ``weights_only=True``: a calibrated teacher (``encoder.*`` and ``head.*`` keys), an
            mmengine checkpoint of the classifier (``'state_dict'``), a dict with a ``'model'``
            entry, or a plain state dict. ``None`` keeps the built weights.
        head (dict, optional): A head on the pooled features (e.g.
            ``dict(type='LinearClsHead', num_classes=10)``; ``in_channels`` defaults to the
            feature width). None: the model's own head, if any.
        resolutions (Sequence[int], optional): Sizes (pixels, shorter side) at which the
            encoder sees every view. None: the views' own sizes.
        resize_mode (str): ``F.interpolate`` mode for ``resolutions``. Defaults to
            ``'bilinear'``.
        revise_keys (list[tuple[str, str]]): ``(pattern, replacement)`` regex rewrites of the
            checkpoint keys. Defaults to stripping a DDP ``module.`` prefix.
        feature_mode (str): ``'pooled'``: the globally average-pooled encoder output (neck
            output of an ImageClassifier, timm's ``forward_head(pre_logits=True)``).
            ``'pre_logits'``: the input of the model's own final linear layer.
        strict (bool): Require the checkpoint keys to match the model exactly. Defaults to True.
        input_norm (dict, optional): ``dict(mean=[...], std=[...])`` (0-255 space) of the
            tensors :meth:`forward` receives. ``None``: they are already in the teacher's space
            (a parent model sets it with :meth:`match_input_norm`).
        channels_last (bool): Keep the teacher's weights and inputs in channels-last memory
            format (the same results, faster with oneDNN on a CPU). Defaults to True.
        keep_encoder_head (bool, optional): Keep the encoder's own classifier. ``None``
            (default): keep it only without a ``head``. Removed, it leaves no module that
            reports the pretraining classes (mmpretrain's ``ClassNumCheckHook`` compares every
            ``num_classes`` with the dataset's), and a checkpoint's weights of it are ignored.
        trainable (Sequence[str]): Submodules of ``model`` (dotted names, e.g.
            ``('model.blocks.6', 'model.conv_head', 'model.bn2')``: the last stage of a timm
            EfficientNet) whose weights train; only for a calibration that adapts the encoder
            (``LinearProbeClassifier(adapt_encoder=...)``), never in a distiller. The rest stays
            frozen, BatchNorm statistics included (eval mode: a long-tailed batch would pull
            them toward the head classes), and gradients flow only when this is not empty.
            Defaults to ``()``: frozen.
        autocast (str, optional): Run the encoder under ``torch.autocast`` in this dtype
            (``'bfloat16'`` or ``'float16'``) and return float32 features and logits: about
            twice the speed of an online teacher on a CPU with AVX-512 BF16, at the cost of
            slightly different outputs (docs/teachers.md). The head and the resizing stay in
            float32. On a device without native support for the dtype (a CPU without
            AVX-512 BF16, a GPU before Ampere for bf16, float16 on a CPU) the teacher runs in
            float32 instead, with a warning: emulated low precision is slower than float32.
            ``None`` (default): float32 throughout, exact.
        fold_bn (bool): Run an inference copy of the encoder whose BatchNorms are folded into
            the convolutions that feed them (:func:`~mmltbin.models.utils.fold_batch_norms`):
            the same outputs up to float rounding, one pass less over each feature map. Made
            on the first forward and checked on its first two samples against the encoder
            (a fold that does not hold warns and runs the encoder as it is); remade after
            ``load_state_dict`` or a device / dtype change; never with ``trainable`` modules.
            The module's own weights and state dict are unchanged. Defaults to True.
        runtime (str): What runs the frozen encoder: ``'torch'``; ``'openvino'``, the
            (folded) encoder converted once to an OpenVINO graph with dynamic input sizes and
            run by OpenVINO's CPU runtime (:class:`~mmltbin.models.utils.OpenVINOModule`; the
            ``deploy`` extra): the same outputs up to float rounding, faster kernels for an
            EfficientNet's depthwise convolutions (docs/teachers.md), checked against torch on
            the first input of every size (a mismatch warns and runs torch); inputs on another
            device run in torch, with a warning; ``autocast='bfloat16'``, where native, becomes
            OpenVINO's bf16 precision; never with ``trainable`` modules. ``'auto'``: OpenVINO
            in float32 on a CPU where OpenVINO is installed (``autocast`` then applies only
            where torch runs; the measured cost: docs/teachers.md), torch elsewhere (a GPU,
            ``trainable`` modules), without a warning. Defaults to ``'torch'``.

    Example:
        >>> import torch
        >>> from mmltbin.models.teachers import FrozenTeacher
        >>> encoder = dict(
        ...     type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18),
        ...     neck=dict(type='GlobalAveragePooling'),
        ...     data_preprocessor=dict(mean=[125.3, 123.0, 113.9], std=[63.0, 62.1, 66.7]))
        >>> teacher = FrozenTeacher(encoder, head=dict(type='LinearClsHead', num_classes=10),
        ...                         resolutions=(32, 64))
        >>> feats, logits = teacher(torch.rand(2, 3, 32, 32))
        >>> feats.shape, logits.shape, teacher.feat_dim, teacher.num_classes
        (torch.Size([2, 512]), torch.Size([2, 10]), 512, 10)
        >>> teacher.train().training, feats.requires_grad
        (False, False)
    """

    def __init__(self,
                 model: dict,
                 checkpoint: Optional[str] = None,
                 head: Optional[dict] = None,
                 resolutions: Optional[Sequence[int]] = None,
                 resize_mode: str = 'bilinear',
                 revise_keys: ReviseKeys = ((r'^module\.', ''), ),
                 feature_mode: str = 'pooled',
                 strict: bool = True,
                 input_norm: Optional[dict] = None,
                 channels_last: bool = True,
                 keep_encoder_head: Optional[bool] = None,
                 trainable: Sequence[str] = (),
                 autocast: Optional[str] = None,
                 fold_bn: bool = True,
                 runtime: str = 'torch') -> None:
        super().__init__(init_cfg=None)
        if autocast not in AUTOCAST_DTYPES:
            raise ValueError(f'FrozenTeacher: autocast must be one of '
                             f'{sorted(AUTOCAST_DTYPES, key=str)}, got {autocast!r}')
        if runtime not in RUNTIMES:
            raise ValueError(f'FrozenTeacher: runtime must be one of {RUNTIMES}, got {runtime!r}')
        if runtime == 'openvino':
            if trainable:
                raise ValueError('FrozenTeacher: runtime="openvino" runs a frozen encoder, but '
                                 f'trainable={tuple(trainable)} trains part of it: use '
                                 'runtime="torch"')
            from ...deploy import import_openvino
            import_openvino()  # not installed: say how to install it, before training starts
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
        if isinstance(getattr(self.model, 'encoder', None), FrozenTeacher):
            raise TypeError(
                f'FrozenTeacher: model is a {type(self.model).__name__} (a calibration model '
                'around a frozen encoder), not an encoder. The calibrated teacher is '
                "FrozenTeacher(model=<its encoder config>, head=dict(type='LinearClsHead', "
                'num_classes=...), resolutions=..., checkpoint=<calibration checkpoint>)')
        self.trainable = self._check_trainable(trainable)
        self.checkpoint = checkpoint
        self.revise_keys = [tuple(pair) for pair in revise_keys]
        self.feature_mode = feature_mode
        self.strict = strict
        self.resolutions = check_resolutions(resolutions, 'FrozenTeacher')
        self.resize_mode = resize_mode
        self.channels_last = channels_last
        self.autocast = autocast
        self._native: dict = {}  # device type -> whether autocast runs natively there
        self.fold_bn = fold_bn
        # (the encoder to run,) once decided; a tuple keeps the folded copy out of the module
        # tree, so it is neither in the state dict nor trained
        self._inference: Optional[Tuple[nn.Module]] = None
        self.runtime = runtime
        # need_logits -> the encoder compiled by OpenVINO (None: torch runs it), once decided
        self._openvino: Dict[bool, Optional[OpenVINOModule]] = {}
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        self.dataset_meta: Optional[dict] = None
        self._dims: Optional[Tuple[int, Optional[int]]] = None

        mean, std = self._teacher_norm(cfg['type'])
        self.register_buffer('_teacher_mean', mean, persistent=False)
        self.register_buffer('_teacher_std', std, persistent=False)
        self.register_buffer('_in_scale', None, persistent=False)
        self.register_buffer('_in_shift', None, persistent=False)
        if input_norm is not None:
            if not isinstance(input_norm, dict) or not {'mean', 'std'} <= set(input_norm):
                raise ValueError('FrozenTeacher: input_norm must be dict(mean=[...], std=[...]), '
                                 f'got {input_norm!r}')
            self.set_input_norm(input_norm['mean'], input_norm['std'])

        self.head: Optional[nn.Module] = None
        if head is not None:
            head_cfg = copy.deepcopy(dict(head))
            head_cfg.setdefault('in_channels', self._measure()[0])
            self.head = build_in_mmpretrain_scope(head_cfg)
            self._dims = (self._dims[0], int(self.head.num_classes))
        self._dropped_keys: Set[str] = set()
        if not (head is None if keep_encoder_head is None else keep_encoder_head):
            self._drop_encoder_head()

        # checkpoints saved before the calibrated teacher lost its nesting hold
        # "model.encoder.*" / "model.head.*"; mmpretrain's TimmClassifier strips/adds its
        # "model." key prefix with hooks that only work at the top level
        self._register_load_state_dict_pre_hook(self._upgrade_nested_probe_keys)
        self._register_load_state_dict_pre_hook(self._match_nested_timm_keys)
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)
        self._freeze()
        super().train(False)

    # ----------------------------------------------------------------------------------------
    # loading and freezing

    def load_checkpoint(self, filename: str) -> None:
        """Load ``filename`` (path or URL) safely into the encoder (and the head).

        A calibrated teacher's file (``encoder.*`` and ``head.*`` keys) fills both; any other
        file is the encoder classifier's own state dict.

        Raises:
            FileNotFoundError, UnsafeCheckpointError: missing file / file carrying code.
            ValueError: unreadable file, shape mismatch, or (``strict``) missing or unexpected
                keys; the message names the file and the keys.
        """
        name = self._name()
        state_dict, meta = load_state_dict_file(filename, self.revise_keys,
                                                owner=f'FrozenTeacher({name})')
        calibrated = any(k.startswith(_CALIBRATED_SIGNATURE) for k in state_dict)
        if calibrated:
            cut = len(CALIBRATED_ENCODER_PREFIX)
            state_dict = {k[cut:] if k.startswith(CALIBRATED_ENCODER_PREFIX) else k: v
                          for k, v in state_dict.items()}
        else:
            state_dict = {f'model.{k}': v for k, v in state_dict.items()}
        try:
            missing, unexpected = self.load_state_dict(state_dict, strict=False)
        except RuntimeError as err:
            raise ValueError(f'FrozenTeacher: checkpoint "{filename}" does not fit the teacher '
                             f'{name}: {err}') from err
        unexpected = [k for k in unexpected if k not in self._dropped_keys]
        if self.strict and (missing or unexpected):
            hint = ('Check the teacher config, or rename keys with '
                    'revise_keys=[(pattern, replacement)]')
            if calibrated and self.head is None:
                hint = ('The file is a calibrated teacher (encoder and head): give the teacher '
                        "head=dict(type='LinearClsHead', num_classes=...)")
            elif self.head is not None and not calibrated:
                hint = ('The teacher has a head, but the file is not a calibrated teacher '
                        '(no "encoder.*" keys): give the checkpoint of the calibration run '
                        '(configs/ltbin/calibrate_*.py), or drop the head')
            raise ValueError(
                f'FrozenTeacher: checkpoint "{filename}" does not match the teacher {name}: '
                f'{len(missing)} missing keys {missing[:5]}, {len(unexpected)} unexpected keys '
                f'{unexpected[:5]}. {hint}')
        self._freeze()
        self.dataset_meta = meta.get('dataset_meta')

    def _check_trainable(self, names: Sequence[str]) -> Tuple[str, ...]:
        if isinstance(names, str):
            names = (names, )
        names = tuple(names)
        for name in names:
            try:
                self.model.get_submodule(name)
            except AttributeError:
                children = [n for n, _ in self.model.named_children()]
                inner = getattr(self.model, 'model', None)
                if isinstance(inner, nn.Module):
                    children += [f'model.{n}' for n, _ in inner.named_children()]
                raise ValueError(f'FrozenTeacher: trainable names "{name}", which the teacher '
                                 f'{type(self.model).__name__} does not have; its submodules '
                                 f'include {children}') from None
        return names

    def _freeze(self) -> None:
        self.requires_grad_(False)
        for name in self.trainable:
            self.model.get_submodule(name).requires_grad_(True)

    def _drop_encoder_head(self) -> None:
        """Remove what only the encoder's own classification uses: its classifier (timm's, or
        an ImageClassifier's head when the features do not come from it) and its
        preprocessor's ``num_classes`` (the norms were read at construction)."""
        before = set(self.state_dict())
        model = self.model
        self._measure()  # the feature width, while the whole encoder is there
        if isinstance(model, TimmClassifier):
            model.model.reset_classifier(0)
            del model.model.num_classes  # 0 after the reset: no class count applies
        elif getattr(model, 'head', None) is not None and self.feature_mode == 'pooled':
            model.head = None
        if isinstance(getattr(model, 'data_preprocessor', None), ClsDataPreprocessor):
            model.data_preprocessor = BaseDataPreprocessor()
        self._dropped_keys = before - set(self.state_dict())
        if self.head is None:
            self._dims = (self._dims[0], None)  # no logits left

    def init_weights(self) -> None:
        """Reload the checkpoint (if any) instead of initialising: the teacher is pretrained."""
        if self.checkpoint is not None:
            self.load_checkpoint(self.checkpoint)

    def train(self, mode: bool = True) -> 'FrozenTeacher':
        """Keep the teacher in eval mode whatever ``mode`` is."""
        return super().train(False)

    def _name(self) -> str:
        return type(self.model).__name__ + ('' if self.head is None else
                                            f'+{type(self.head).__name__}')

    def _upgrade_nested_probe_keys(self, state_dict, prefix, *args) -> None:
        """``model.encoder.* / model.head.*`` (a probe nested in the teacher) -> ``* / head.*``."""
        old_encoder, old_head = prefix + 'model.encoder.', prefix + 'model.head.'
        if not any(k.startswith(old_encoder + 'model.') for k in state_dict):
            return
        for key in list(state_dict):
            if key.startswith(old_encoder):
                state_dict[prefix + key[len(old_encoder):]] = state_dict.pop(key)
            elif key.startswith(old_head):
                state_dict[prefix + 'head.' + key[len(old_head):]] = state_dict.pop(key)

    def _match_nested_timm_keys(self, state_dict, prefix, *args) -> None:
        if not isinstance(self.model, TimmClassifier):
            return
        nested = prefix + 'model.model.'
        for key in [k for k in state_dict if k.startswith(nested)]:
            state_dict[prefix + 'model.' + key[len(nested):]] = state_dict.pop(key)

    # ----------------------------------------------------------------------------------------
    # normalisation

    def _teacher_norm(self, model_type: str) -> Tuple[Tensor, Tensor]:
        pre = getattr(self.model, 'data_preprocessor', None)
        if pre is None or not getattr(pre, '_enable_normalize', False):
            raise ValueError(
                f'FrozenTeacher: the teacher model ({model_type}) gives no input normalisation, '
                'so it would see whatever scale its inputs have. Set the mean and std it was '
                "trained with (0-255 space) as its data_preprocessor=dict(type="
                "'ClsDataPreprocessor', mean=[...], std=[...]): model.teacher.model."
                'data_preprocessor in a distiller config, model.encoder.data_preprocessor in a '
                'calibration config (an mmpretrain model config keeps it at the top level as '
                'data_preprocessor; copy it into the model dict)')
        return pre.mean.detach().clone().view(-1), pre.std.detach().clone().view(-1)

    def set_input_norm(self, mean: Optional[Sequence[float]],
                       std: Optional[Sequence[float]]) -> None:
        """Declare how the tensors given to :meth:`forward` are normalised (0-255 space).

        ``mean=None`` and ``std=None`` turn the conversion off (inputs already in the teacher's
        space).

        Example:
            >>> from mmltbin.models.teachers import FrozenTeacher
            >>> t = FrozenTeacher(dict(backbone=dict(type='ResNet_CIFAR', depth=18),
            ...                        neck=dict(type='GlobalAveragePooling'),
            ...                        data_preprocessor=dict(mean=[127.5] * 3, std=[128.0] * 3)))
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

    def match_input_norm(self, data_preprocessor: nn.Module) -> None:
        """The inputs are what ``data_preprocessor`` outputs: convert from its normalisation.

        A preprocessor that does not normalise hands over raw 0-255 values. What a distiller
        and the calibration classifier call with their own data preprocessor.
        """
        if getattr(data_preprocessor, '_enable_normalize', False):
            self.set_input_norm(data_preprocessor.mean.flatten().tolist(),
                                data_preprocessor.std.flatten().tolist())
        else:
            self.set_input_norm([0.0], [1.0])  # raw 0-255 values

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
        if self.head is not None:
            return True
        if isinstance(model, TimmClassifier):
            return getattr(model.model, 'num_classes', 0) > 0
        return bool(getattr(model, 'with_head', False))

    def _encode(self, x: Tensor, need_logits: bool) -> Tuple[Tensor, Optional[Tensor]]:
        """:meth:`_features_logits` under the ``autocast`` dtype (or by OpenVINO), as float32."""
        fast = self._openvino_model(x, need_logits)
        if fast is not None:
            try:
                outputs = fast(x)
            except OpenVINOMismatchError as err:
                print_log(f'FrozenTeacher: {err}; the teacher runs in torch (set '
                          'model.teacher.runtime="torch" to silence this)', logger='current',
                          level=logging.WARNING)
                self._openvino[need_logits] = None
            else:
                return outputs[0], (outputs[1] if need_logits else None)
        model = self._inference_model(x, need_logits)
        if self.autocast is None or not self._autocast_native(x.device):
            return self._features_logits(x, need_logits, model)
        with torch.autocast(x.device.type, dtype=AUTOCAST_DTYPES[self.autocast]):
            feats, logits = self._features_logits(x, need_logits, model)
        return feats.float(), (logits.float() if logits is not None else None)

    def _inference_model(self, x: Tensor, need_logits: bool) -> nn.Module:
        """The encoder to run: with ``fold_bn``, its folded copy, made (in float32) once."""
        if not self.fold_bn or self.trainable:
            return self.model
        if self._inference is None:
            probe = x[:2]
            try:
                # compared in float32 even inside a caller's autocast (mmengine's AMP), whose
                # rounding would hide or fake a mismatch
                with torch.autocast(x.device.type, enabled=False):
                    folded, num = fold_batch_norms(
                        self.model, lambda model: self._features_logits(probe, need_logits, model))
            except FoldMismatchError as err:
                print_log(f'FrozenTeacher: {err}; the teacher runs unfolded (set '
                          'model.teacher.fold_bn=False to silence this)', logger='current',
                          level=logging.WARNING)
                folded, num = self.model, 0
            if num:
                print_log(f'FrozenTeacher: {num} BatchNorms of {self._name()} folded into their '
                          'convolutions for the frozen forward', logger='current')
            self._inference = (folded if num else self.model, )
        return self._inference[0]

    def _openvino_model(self, x: Tensor, need_logits: bool) -> Optional[OpenVINOModule]:
        """The encoder compiled by OpenVINO, made once, where ``runtime`` says so; None: torch
        runs it."""
        if self.runtime == 'torch':
            return None
        from ...deploy.backend import openvino_available  # deploy imports the models
        if need_logits not in self._openvino:
            fast = None
            if self.runtime == 'auto' and (x.device.type != 'cpu' or self.trainable
                                           or not openvino_available()):
                pass  # torch: not a CPU, a trained part, or no OpenVINO
            elif x.device.type != 'cpu':
                print_log(f'FrozenTeacher: runtime="openvino" runs on the CPU, the teacher\'s '
                          f'inputs are on {x.device}: the teacher runs in torch (set '
                          'model.teacher.runtime="torch" to silence this)', logger='current',
                          level=logging.WARNING)
            else:
                bf16 = (self.runtime == 'openvino' and self.autocast == 'bfloat16'
                        and self._autocast_native(x.device))
                try:
                    fast = OpenVINOModule(
                        self._inference_model(x, need_logits),
                        functools.partial(_present_outputs, need_logits=need_logits,
                                          feature_mode=self.feature_mode),
                        x[:2], dtype=torch.bfloat16 if bf16 else None)
                except Exception as err:  # the converter raises its own types per failed op
                    print_log(f'FrozenTeacher: OpenVINO could not convert the encoder of '
                              f'{self._name()} ({type(err).__name__}: {err}); the teacher runs '
                              'in torch (set model.teacher.runtime="torch" to silence this)',
                              logger='current', level=logging.WARNING)
                else:
                    print_log(f'FrozenTeacher: the encoder of {self._name()} runs in OpenVINO '
                              f'({fast.net.config["INFERENCE_PRECISION_HINT"]})',
                              logger='current')
            self._openvino[need_logits] = fast
        return self._openvino[need_logits]

    def _forget_inference(self) -> None:
        self._inference = None
        self._openvino = {}

    def _apply(self, fn, *args, **kwargs):
        self._forget_inference()  # a device or dtype change: fold again from the moved weights
        return super()._apply(fn, *args, **kwargs)

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        self._forget_inference()  # new weights: fold again
        super()._load_from_state_dict(*args, **kwargs)

    def __getstate__(self) -> dict:
        # copies and pickles remake the inference copies (a compiled OpenVINO model is neither
        # copyable nor picklable)
        state = super().__getstate__()
        return dict(state, _inference=None, _openvino={})

    def _autocast_native(self, device: torch.device) -> bool:
        """Whether ``autocast`` runs natively on ``device`` (asked once per device type)."""
        if device.type not in self._native:
            native = native_autocast(device, AUTOCAST_DTYPES[self.autocast])
            self._native[device.type] = native
            if not native:
                print_log(f'FrozenTeacher: autocast={self.autocast!r} has no native support on '
                          f'this {device.type}; the teacher runs in float32 (set '
                          f'model.teacher.autocast=None to silence this)', logger='current',
                          level=logging.WARNING)
        return self._native[device.type]

    def _features_logits(self, x: Tensor, need_logits: bool,
                         model: Optional[nn.Module] = None) -> Tuple[Tensor, Optional[Tensor]]:
        """Pooled features and (optionally) the model's own logits of one input tensor."""
        return _encoder_outputs(self.model if model is None else model, x, need_logits,
                                self.feature_mode)

    @staticmethod
    def _mean(tensors: List[Tensor]) -> Tensor:
        return torch.stack(tensors).mean(0) if len(tensors) > 1 else tensors[0]

    def _view_outputs(self, view: Tensor, need_logits: bool) -> Tuple[Tensor, Optional[Tensor]]:
        """Features and logits of one view, averaged over the resolutions."""
        x = self._to_teacher_space(view)
        own_logits = need_logits and self.head is None
        feats, logits = [], []
        for size in (self.resolutions or (None, )):
            x_size = x
            if size is not None:
                x_size = resize_shorter_side(x, size, self.resize_mode)
                if self.channels_last:
                    x_size = x_size.contiguous(memory_format=torch.channels_last)
            f, z = self._encode(x_size, own_logits)
            feats.append(f)
            logits.append(z)
        feat = self._mean(feats)
        if not need_logits:
            return feat, None
        if self.head is not None:
            return feat, self.head((feat, ))
        return feat, self._mean(logits)

    def _run(self, inputs: Views, rows: ViewRows,
             need_logits: bool) -> Tuple[Tensor, Optional[Tensor]]:
        if need_logits and not self._has_head():
            raise ValueError(f'FrozenTeacher: the teacher {self._name()} has no '
                             'classification head, so it gives no logits; add a head to its '
                             'config or use extract_feat()')
        if rows is None or all(r is None for r in rows):
            outputs = [self._view_outputs(v, need_logits)
                       for v in as_views(inputs, 'FrozenTeacher')]
            feat = self._mean([f for f, _ in outputs])
            return feat, self._mean([z for _, z in outputs]) if need_logits else None
        return self._run_partial_views(inputs, rows, need_logits)

    def _run_partial_views(self, inputs: Views, rows: Sequence[Optional[Tensor]],
                           need_logits: bool) -> Tuple[Tensor, Optional[Tensor]]:
        """Views that hold only some rows of the batch: average over the views of each row."""
        views = list(inputs.values()) if isinstance(inputs, dict) else list(inputs)
        if len(rows) != len(views):
            raise ValueError(f'FrozenTeacher: {len(views)} views but {len(rows)} row indices')
        full = [v.shape[0] for v, r in zip(views, rows) if r is None]
        num = full[0] if full else max(int(r.max()) for r in rows if r.numel()) + 1
        feat_sum = logit_sum = count = None
        for view, row in zip(views, rows):
            feats, logits = self._view_outputs(view, need_logits)
            index = torch.arange(num, device=feats.device) if row is None else row.to(
                feats.device)
            if feat_sum is None:
                count = feats.new_zeros(num)
                feat_sum = feats.new_zeros(num, feats.shape[1])
                logit_sum = logits.new_zeros(num, logits.shape[1]) if need_logits else None
            feat_sum.index_add_(0, index, feats)
            if need_logits:
                logit_sum.index_add_(0, index, logits)
            count.index_add_(0, index, torch.ones_like(index, dtype=count.dtype))
        if bool((count == 0).any()):
            raise ValueError('FrozenTeacher: some samples of the batch have no teacher view')
        count = count[:, None]
        return feat_sum / count, (logit_sum / count if need_logits else None)

    def _grad_mode(self) -> torch.autograd.grad_mode.set_grad_enabled:
        return torch.set_grad_enabled(torch.is_grad_enabled() and bool(self.trainable))

    def forward(self, inputs: Views, rows: ViewRows = None) -> Tuple[Tensor, Tensor]:
        """Pooled features ``[N, D]`` and logits ``[N, C]`` of a batch.

        Args:
            inputs: An ``N x C x H x W`` batch, or several views of it (a list or a dict of
                such tensors, e.g. one per resolution): features and logits are then averaged
                over the views.
            rows: For views that hold only some samples of the batch
                (``MultiResDataPreprocessor``'s ``teacher_rows``): one entry per view, the
                batch rows it holds, or None for all rows in order.

        Returns:
            tuple[Tensor, Tensor]: ``(features, logits)``, without gradient unless some
            modules are ``trainable``.
        """
        with self._grad_mode():
            return self._run(inputs, rows, need_logits=True)

    def extract_feat(self, inputs: Views, rows: ViewRows = None) -> Tensor:
        """Pooled features ``[N, D]`` only (works for teachers without a head)."""
        with self._grad_mode():
            return self._run(inputs, rows, need_logits=False)[0]

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
                channels = self._teacher_mean.numel() if self._teacher_mean.numel() > 1 else 3
                probe = torch.zeros(1, channels, size, size, device=self._teacher_mean.device)
                own_head = self._has_head() and self.head is None
                with torch.no_grad():
                    feats, logits = self._features_logits(probe, need_logits=own_head)
                self._dims = (int(feats.shape[-1]),
                              int(logits.shape[-1]) if logits is not None else None)
        return self._dims

    @property
    def feat_dim(self) -> int:
        """Width ``D`` of the features :meth:`forward` returns."""
        return self._measure()[0]

    @property
    def num_classes(self) -> int:
        """Number of classes ``C`` of the logits (:class:`NoHeadError` when the teacher has no
        head: ``hasattr(teacher, 'num_classes')`` is then False)."""
        num_classes = self._measure()[1]
        if num_classes is None:
            raise NoHeadError(self._no_head_message())
        return num_classes

    def _no_head_message(self) -> str:
        return (f'FrozenTeacher: the teacher {self._name()} has no classification head, so it '
                'has no num_classes')

    def __getattr__(self, name: str) -> Any:
        # a property that raises AttributeError falls back here: keep num_classes' own error
        if name == 'num_classes':
            raise NoHeadError(self._no_head_message())
        return super().__getattr__(name)
