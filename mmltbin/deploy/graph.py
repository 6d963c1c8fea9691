"""An OpenVINO graph of an mmltbin binary classifier, built module by module.

Each supported module type has a converter (:data:`CONVERTERS`, matched on the exact type, so
a subclass with its own ``forward`` is never translated silently as its parent); any other
module stops the export with :class:`UnsupportedLayerError`, naming the layer and its type.

With ``binary=True`` (the deployed form) an activation sign feeding a binary convolution is a
``FakeQuantize`` with ``levels=2`` whose outputs are 0 and 1 (the code OpenVINO's 1-bit
convolutions read: 0 for -1, 1 for +1; a sign used elsewhere is a comparison giving -1 / +1),
and every binary convolution (with input channels in multiples of 8, see
:attr:`GraphBuilder.CHANNEL_MULTIPLE`) is a ``BinaryConvolution`` (``xnor-popcount``) with a
``u1`` weight constant and ``pad_value=0``, emitted directly: ReActNet zero-pads its binary
convolutions, whereas OpenVINO's automatic Convolution-to-BinaryConvolution pass would pad with
-1. The per-channel weight scale, the conv bias and the following BatchNorm are folded into one
Multiply and Add on the integer output; the stem's and the shortcuts' BatchNorms are folded
into their real convolutions. With ``binary=False`` the same network is built in plain FP32
(signs by comparison, +-1 weights in ordinary convolutions): the reference a speed comparison
needs.

A sign's threshold ``t`` (``x >= t`` gives +1) becomes the FakeQuantize bound
``nextafter(t, -inf)``: OpenVINO's two-level quantiser outputs the high level where
``x > bound``, which for float32 ``x`` is exactly ``x >= t``.
"""
import warnings
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.utils import _pair

from mmltbin.models.backbones import BinaryResNet, ReActNet
from mmltbin.models.backbones.reactnet import ReActBlock
from mmltbin.models.classifiers import CalibratedDistiller
from mmltbin.models.layers import BinaryConv2d, RPReLU, RSign, Sign
from mmltbin.models.layers.binary_unit import BinaryConvUnit, ChannelRepeat
from .backend import import_openvino
from .weights import (binary_conv_affine, binary_weight_bits, binary_weight_signs,
                      fold_conv_bn)

#: friendly name of a sign node: its layer's name + this (coded 0 / 1: True, -1 / +1: False)
SIGN_NODE_SUFFIX = {True: '/sign01', False: '/sign'}
#: module type -> converter(builder, module, name, x) -> output
CONVERTERS: Dict[type, Callable] = {}


def quantiser_bound(threshold: np.ndarray) -> np.ndarray:
    """The two-level FakeQuantize bound that makes ``x > bound`` equal ``x >= threshold``.

    Example:
        >>> bound = quantiser_bound(np.float32([0.5]))
        >>> bool(np.float32(0.5) > bound[0]), bool(bound[0] < 0.5)
        (True, True)
    """
    return np.nextafter(threshold, np.float32(-np.inf))


class UnsupportedLayerError(TypeError):
    """A module the exporter cannot translate (its name and type are in the message)."""


class _Signs:
    """A sign layer's output ``x >= threshold``, made into a node by its consumer: the 0 / 1
    code of a two-level FakeQuantize for a 1-bit convolution, -1 / +1 for anything else."""

    def __init__(self, x: Any, threshold: np.ndarray, name: str = '') -> None:
        self.x, self.threshold, self.name = x, threshold, name
        self.nodes: Dict[bool, Any] = {}


def converter(*types: type) -> Callable:
    """Register the decorated function as the converter of ``types``."""
    def register(fn: Callable) -> Callable:
        for module_type in types:
            CONVERTERS[module_type] = fn
        return fn
    return register


def _join(prefix: str, name: str) -> str:
    return f'{prefix}.{name}' if prefix else name


def _plain_batchnorm(module: nn.Module) -> bool:
    return isinstance(module, _BatchNorm) and type(module) in (nn.BatchNorm2d, nn.SyncBatchNorm)


class GraphBuilder:
    """Builds the OpenVINO graph of a model (see the module docstring).

    Args:
        binary (bool): 1-bit ops (True) or the same network in FP32 (False).
        fp16 (bool): Store the classifier's weights as float16 constants (converted to FP32
            when the model is compiled). The stem's stay FP32: they feed the first signs, where
            rounding flips decisions (a briefly trained ReActNet's top-1 changed on 31% of
            digits with an fp16 stem). Defaults to False.

    Example:
        >>> from mmltbin.models.layers import BinaryConv2d
        >>> builder = GraphBuilder()  # doctest: +SKIP
        >>> model = builder.build(nn.Sequential(BinaryConv2d(3, 8, 3, padding=1)))  # doctest: +SKIP
    """

    #: padding of the 1-bit convolutions: 0, as torch's zero padding of +-1 inputs
    PAD_VALUE = 0.0
    #: output levels of the sign quantiser: the 0 / 1 code the 1-bit convolutions read
    SIGN_LEVELS = (0.0, 1.0)
    #: OpenVINO's 1-bit path (two-level quantiser, BinaryConvolution) is right only for input
    #: channels in multiples of this (CPU plugin: 5, 6, 12, 20 give wrong outputs, 3 no graph)
    CHANNEL_MULTIPLE = 8

    def __init__(self, binary: bool = True, fp16: bool = False) -> None:
        self.ov, self.ops = import_openvino()
        self.binary, self.fp16 = binary, fp16
        self.binary_layers = 0
        self.fp32_fallbacks = []  # binary layers built as FP32 convolutions

    # ------------------------------------------------------------------ graph
    def build(self, model: nn.Module, in_channels: Optional[int] = None,
              name: str = 'mmltbin') -> Any:
        """The ``ov.Model`` of ``model``: input ``(N, C, H, W)`` float32 (N, H, W dynamic)."""
        if in_channels is None:
            first = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
            if first is None:
                raise ValueError(f'export: {type(model).__name__} has no convolution to tell the '
                                 'number of input channels; pass in_channels')
            in_channels = first.in_channels
        param = self.ops.parameter(self.ov.PartialShape([-1, in_channels, -1, -1]),
                                   self.ov.Type.f32, name='input')
        param.output(0).get_tensor().set_names({'input'})
        out = self.real(self.convert(model, '', param))
        out.output(0).get_tensor().set_names({'logits'})
        return self.ov.Model([self.ops.result(out)], [param], name)

    def convert(self, module: nn.Module, name: str, x: Any) -> Any:
        """The output of ``module`` (named ``name`` in the model) on the graph value ``x``."""
        fn = CONVERTERS.get(type(module))
        if fn is None:
            raise UnsupportedLayerError(
                f'export: layer "{name or "<model>"}" of type {type(module).__module__}.'
                f'{type(module).__qualname__} has no OpenVINO converter (supported: '
                f'{", ".join(sorted(t.__name__ for t in CONVERTERS))}); nothing was written')
        return fn(self, module, name, x)

    # ------------------------------------------------------------------ helpers
    def const(self, array: np.ndarray) -> Any:
        return self.ops.constant(np.ascontiguousarray(array, dtype=np.float32))

    def weight(self, array: np.ndarray, fp16: bool = False) -> Any:
        """A real layer's weight constant (float16 stored, FP32 computed, with ``fp16``)."""
        if not (fp16 and self.fp16):
            return self.const(array)
        return self.ops.convert(self.ops.constant(np.asarray(array, dtype=np.float16)), 'f32')

    def real(self, x: Any) -> Any:
        """A real-valued node (signs as -1 / +1)."""
        return self.sign_node(x, coded=False) if isinstance(x, _Signs) else x

    def per_channel(self, vector: np.ndarray) -> Any:
        return self.const(np.asarray(vector, dtype=np.float32).reshape(1, -1, 1, 1))

    def affine(self, x: Any, scale: np.ndarray, shift: np.ndarray) -> Any:
        return self.ops.add(self.ops.multiply(x, self.per_channel(scale)),
                            self.per_channel(shift))

    def sign(self, x: Any, threshold: np.ndarray, name: str = '') -> _Signs:
        """Per-channel ``x >= threshold`` (``threshold`` of shape ``(C, )`` or ``(1, )``) of
        the layer ``name`` (the sign node's friendly name, read by :mod:`.signs`)."""
        if isinstance(x, _Signs):  # the sign of +-1 values is themselves
            return x
        return _Signs(x, np.asarray(threshold, dtype=np.float32).reshape(1, -1, 1, 1), name)

    def sign_node(self, signs: _Signs, coded: bool) -> Any:
        """The node of ``signs``: 0 / 1 coded (FakeQuantize) or -1 / +1 (a comparison).

        OpenVINO's CPU plugin handles a two-level FakeQuantize only as the input of a 1-bit
        convolution, so every other consumer gets the comparison.
        """
        if coded not in signs.nodes:
            if coded:
                bound = self.const(quantiser_bound(signs.threshold))
                low = self.const(np.full((1, 1, 1, 1), self.SIGN_LEVELS[0]))
                high = self.const(np.full((1, 1, 1, 1), self.SIGN_LEVELS[1]))
                node = self.ops.fake_quantize(signs.x, bound, bound, low, high, 2)
            else:
                ge = self.ops.greater_equal(signs.x, self.const(signs.threshold))
                node = self.ops.select(ge, self.const(1.0), self.const(-1.0))
            if signs.name:
                node.set_friendly_name(signs.name + SIGN_NODE_SUFFIX[coded])
            signs.nodes[coded] = node
        return signs.nodes[coded]

    @staticmethod
    def conv_geometry(conv: nn.Conv2d, name: str) -> Tuple[list, list, list]:
        """Strides, pads and dilations of ``conv`` (zero padding only)."""
        if conv.padding_mode != 'zeros':
            raise UnsupportedLayerError(f'export: layer "{name}" ({type(conv).__name__}) pads '
                                        f'with padding_mode="{conv.padding_mode}"; only zeros')
        padding = conv.padding
        if isinstance(padding, str):
            if padding != 'valid':
                raise UnsupportedLayerError(f'export: layer "{name}" ({type(conv).__name__}) '
                                            f'has padding="{padding}"; give it as numbers')
            padding = (0, 0)
        return list(conv.stride), list(padding), list(conv.dilation)

    def real_conv(self, conv: nn.Conv2d, name: str, x: Any, weight: np.ndarray,
                  bias: Optional[np.ndarray]) -> Any:
        strides, pads, dilations = self.conv_geometry(conv, name)
        x = self.real(x)
        if conv.groups == 1:
            y = self.ops.convolution(x, self.weight(weight), strides, pads, pads, dilations)
        else:
            grouped = weight.reshape(conv.groups, -1, *weight.shape[1:])
            y = self.ops.group_convolution(x, self.weight(grouped), strides, pads, pads,
                                           dilations)
        y.set_friendly_name(name)
        return y if bias is None else self.ops.add(y, self.per_channel(bias))

    def binary_conv(self, conv: BinaryConv2d, name: str, x: Any,
                    norm: Optional[_BatchNorm] = None, norm_name: str = '') -> Any:
        """``norm(conv(x))`` with ``norm`` (a BatchNorm or None) folded into the output affine."""
        scale, shift = binary_conv_affine(conv, norm, norm_name)
        if conv.input_mode == 'real':  # binary weights, real inputs: no 1-bit op applies
            weight = binary_weight_signs(conv) * scale.reshape(-1, 1, 1, 1)
            return self.real_conv(conv, name, x, weight, shift)
        if conv.groups != 1:
            raise UnsupportedLayerError(f'export: layer "{name}" (BinaryConv2d) has groups='
                                        f'{conv.groups}; 1-bit convolutions have no groups')
        one_bit = self.binary and conv.in_channels % self.CHANNEL_MULTIPLE == 0
        if self.binary and not one_bit:
            self.fp32_fallbacks.append(name)
            warnings.warn(f'export: layer "{name}" (BinaryConv2d) has {conv.in_channels} input '
                          f'channels, not a multiple of {self.CHANNEL_MULTIPLE}: OpenVINO\'s '
                          '1-bit convolution gives wrong results there, so it runs as an FP32 '
                          'convolution of +-1 values (same outputs, no speed-up)')
        self.binary_layers += 1
        # input_mode 'binary' takes +-1 inputs: their sign keeps them
        signs = self.sign_node(self.sign(x, np.zeros(1), name), coded=one_bit)
        strides, pads, dilations = self.conv_geometry(conv, name)
        if one_bit:
            # the Tensor wraps the packed bytes; the Constant keeps its own copy of them
            bits = self.ov.Tensor(binary_weight_bits(conv), self.ov.Shape(list(conv.weight.shape)),
                                  self.ov.Type.u1)
            weight = self.ov.op.Constant(bits, shared_memory=False)
            y = self.ops.binary_convolution(signs, weight, strides, pads, pads, dilations,
                                            'xnor-popcount', self.PAD_VALUE)
        else:
            y = self.ops.convolution(signs, self.const(binary_weight_signs(conv)), strides,
                                     pads, pads, dilations)
        y.set_friendly_name(name)
        return self.affine(y, scale, shift)


# ---------------------------------------------------------------------- containers
@converter(nn.Sequential)
def _sequential(builder: GraphBuilder, module: nn.Sequential, name: str, x: Any) -> Any:
    for child_name, child in module.named_children():
        x = builder.convert(child, _join(name, child_name), x)
    return x


@converter(nn.Identity)
def _identity(builder: GraphBuilder, module: nn.Module, name: str, x: Any) -> Any:
    return x


@converter(ReActBlock)
def _react_block(builder: GraphBuilder, module: ReActBlock, name: str, x: Any) -> Any:
    x = builder.convert(module.spatial, _join(name, 'spatial'), x)
    return builder.convert(module.pointwise, _join(name, 'pointwise'), x)


@converter(ReActNet, BinaryResNet)
def _staged_backbone(builder: GraphBuilder, module: nn.Module, name: str, x: Any) -> Any:
    # the classifier's neck and head use the last map the backbone returns
    x = builder.convert(module.stem, _join(name, 'stem'), x)
    for i in range(max(module.out_indices) + 1):
        x = builder.convert(module.stages[i], _join(name, f'stages.{i}'), x)
    return x


def _classifier(builder: GraphBuilder, module: nn.Module, name: str, x: Any) -> Any:
    # mode='tensor' of an ImageClassifier; a CalibratedDistiller's is its student's alone
    x = builder.convert(module.backbone, _join(name, 'backbone'), x)
    if module.with_neck:
        x = builder.convert(module.neck, _join(name, 'neck'), x)
    if module.with_head:
        x = builder.convert(module.head, _join(name, 'head'), x)
    return x


def _register_mmpretrain() -> None:
    from mmpretrain.models.classifiers import ImageClassifier
    from mmpretrain.models.heads import LinearClsHead
    from mmpretrain.models.necks import GlobalAveragePooling
    converter(ImageClassifier, CalibratedDistiller)(_classifier)
    converter(GlobalAveragePooling)(_global_average_pooling)
    converter(LinearClsHead)(_linear_cls_head)


# ---------------------------------------------------------------------- real layers
def _conv_module(builder: GraphBuilder, module: nn.Module, name: str, x: Any) -> Any:
    if module.with_explicit_padding or tuple(module.order) != ('conv', 'norm', 'act'):
        raise UnsupportedLayerError(f'export: layer "{name}" (ConvModule) has explicit padding '
                                    f'or order {module.order}; only conv, norm, act')
    conv_name = _join(name, 'conv')
    if type(module.conv) is not nn.Conv2d:
        return builder.convert(module.conv, conv_name, x)  # unsupported: names the conv
    norm = module.norm if module.with_norm else None
    folded = norm if norm is not None and _plain_batchnorm(norm) else None
    weight, bias = fold_conv_bn(module.conv, folded, _join(name, module.norm_name))
    y = builder.real_conv(module.conv, conv_name, x, weight, bias)
    if norm is not None and folded is None:
        y = builder.convert(norm, _join(name, module.norm_name), y)
    if module.with_activation:
        y = builder.convert(module.activate, _join(name, 'activate'), y)
    return y


def _register_mmcv() -> None:
    from mmcv.cnn import ConvModule
    converter(ConvModule)(_conv_module)


@converter(nn.Conv2d)
def _conv2d(builder: GraphBuilder, module: nn.Conv2d, name: str, x: Any) -> Any:
    weight, bias = fold_conv_bn(module, None, name)
    return builder.real_conv(module, name, x, weight, bias)


@converter(nn.BatchNorm2d, nn.SyncBatchNorm)
def _batchnorm(builder: GraphBuilder, module: _BatchNorm, name: str, x: Any) -> Any:
    from .weights import batchnorm_affine
    return builder.affine(builder.real(x), *batchnorm_affine(module, name))


@converter(nn.ReLU)
def _relu(builder: GraphBuilder, module: nn.ReLU, name: str, x: Any) -> Any:
    return builder.ops.relu(builder.real(x))


@converter(nn.MaxPool2d)
def _max_pool(builder: GraphBuilder, module: nn.MaxPool2d, name: str, x: Any) -> Any:
    if module.return_indices or _pair(module.dilation) != (1, 1):
        raise UnsupportedLayerError(f'export: layer "{name}" (MaxPool2d) returns indices or '
                                    'is dilated')
    kernel, pads = list(_pair(module.kernel_size)), list(_pair(module.padding))
    strides = list(_pair(module.stride or module.kernel_size))
    rounding = 'ceil' if module.ceil_mode else 'floor'
    # padded positions never win a max, as torch's -inf padding
    return builder.ov.opset1.max_pool(builder.real(x), strides, pads, pads, kernel, rounding)


@converter(nn.AvgPool2d)
def _avg_pool(builder: GraphBuilder, module: nn.AvgPool2d, name: str, x: Any) -> Any:
    kernel, pads = list(_pair(module.kernel_size)), list(_pair(module.padding))
    strides = list(_pair(module.stride or module.kernel_size))
    padded = any(pads)
    if module.divisor_override is not None or (padded and module.count_include_pad
                                               and module.ceil_mode):
        raise UnsupportedLayerError(f'export: layer "{name}" (AvgPool2d) uses divisor_override '
                                    'or counts padding with ceil_mode')
    # torch divides a window cut by the border (ceil_mode, no padding) by its valid size
    exclude_pad = not (padded and module.count_include_pad)
    return builder.ops.avg_pool(builder.real(x), strides, pads, pads, kernel, exclude_pad,
                                'ceil' if module.ceil_mode else 'floor')


@converter(ChannelRepeat)
def _channel_repeat(builder: GraphBuilder, module: ChannelRepeat, name: str, x: Any) -> Any:
    if module.times == 1:
        return x
    return builder.ops.concat([builder.real(x)] * module.times, 1)


def _global_average_pooling(builder: GraphBuilder, module: nn.Module, name: str, x: Any) -> Any:
    if not isinstance(module.gap, nn.AdaptiveAvgPool2d) or _pair(module.gap.output_size) != (1,
                                                                                           1):
        raise UnsupportedLayerError(f'export: layer "{name}" (GlobalAveragePooling) is not the '
                                    '2D global average')
    axes = builder.ops.constant(np.array([2, 3], dtype=np.int64))
    return builder.ops.reduce_mean(builder.real(x), axes, False)


def _linear_cls_head(builder: GraphBuilder, module: nn.Module, name: str, x: Any) -> Any:
    fc = module.fc
    if type(fc) is not nn.Linear:
        return builder.convert(fc, _join(name, 'fc'), x)
    weight = fc.weight.detach().cpu().float().numpy()
    y = builder.ops.matmul(builder.real(x), builder.weight(weight, fp16=True), False, True)
    y.set_friendly_name(_join(name, 'fc'))
    if fc.bias is not None:
        y = builder.ops.add(y, builder.const(fc.bias.detach().cpu().float().numpy()[None]))
    return y


# ---------------------------------------------------------------------- binary layers
@converter(Sign)
def _sign(builder: GraphBuilder, module: Sign, name: str, x: Any) -> _Signs:
    return builder.sign(x, np.zeros(1), name)


@converter(RSign)
def _rsign(builder: GraphBuilder, module: RSign, name: str, x: Any) -> _Signs:
    return builder.sign(x, module.threshold.detach().cpu().float().numpy(), name)


@converter(RPReLU)
def _rprelu(builder: GraphBuilder, module: RPReLU, name: str, x: Any) -> Any:
    ops = builder.ops
    gamma, slope, zeta = (p.detach().cpu().float().numpy()
                          for p in (module.gamma, module.slope, module.zeta))
    shifted = ops.subtract(builder.real(x), builder.per_channel(gamma))
    return ops.add(ops.prelu(shifted, builder.const(slope)), builder.per_channel(zeta))


@converter(BinaryConv2d)
def _binary_conv2d(builder: GraphBuilder, module: BinaryConv2d, name: str, x: Any) -> Any:
    return builder.binary_conv(module, name, x)


@converter(BinaryConvUnit)
def _binary_unit(builder: GraphBuilder, module: BinaryConvUnit, name: str, x: Any) -> Any:
    # act(norm(conv(sign(x))) + shortcut(x)), the norm folded when it is a BatchNorm
    signs = builder.convert(module.sign, _join(name, 'sign'), x)
    if type(module.conv) is not BinaryConv2d:
        return builder.convert(module.conv, _join(name, 'conv'), signs)  # names the layer
    norm = module.norm if _plain_batchnorm(module.norm) else None
    y = builder.binary_conv(module.conv, _join(name, 'conv'), signs, norm, _join(name, 'norm'))
    if norm is None:
        y = builder.convert(module.norm, _join(name, 'norm'), y)
    shortcut = builder.real(builder.convert(module.shortcut, _join(name, 'shortcut'), x))
    return builder.convert(module.act, _join(name, 'act'), builder.ops.add(y, shortcut))


_register_mmcv()
_register_mmpretrain()


def has_binary_layers(model: nn.Module) -> bool:
    """Whether ``model`` holds a :class:`BinaryConv2d` with binary inputs."""
    return any(isinstance(m, BinaryConv2d) and m.binary_inputs for m in model.modules())


def build_openvino_model(model: nn.Module, binary: bool = True,
                         in_channels: Optional[int] = None, fp16: bool = False) -> Any:
    """The OpenVINO graph of a binary classifier's ``mode='tensor'`` forward (its logits).

    Args:
        model (nn.Module): An ``ImageClassifier`` (or ``CalibratedDistiller``: its student)
            with an mmltbin binary backbone, or any module made of supported layers.
        binary (bool): 1-bit ops (True, the deployed form) or the same network in FP32.
        in_channels (int, optional): Image channels; by default the first convolution's.
        fp16 (bool): The classifier's weights stored as float16 (see :class:`GraphBuilder`).

    Returns:
        openvino.Model: Input ``input`` ``(N, C, H, W)`` (the data preprocessor's output),
        output ``logits``.

    Raises:
        ValueError: The model has no binary layer (an FP model gains nothing here).
        UnsupportedLayerError: A layer has no converter (its name and type are given).

    Example:
        >>> from mmltbin.models.backbones import ReActNet
        >>> graph = build_openvino_model(ReActNet(widen_factor=0.25))  # doctest: +SKIP
    """
    if not has_binary_layers(model):
        raise ValueError(f'export: {type(model).__name__} has no binary layer (no BinaryConv2d '
                         'with binary inputs), so there is nothing to run in 1 bit; export an FP '
                         'model with openvino.convert_model instead')
    return GraphBuilder(binary=binary, fp16=fp16).build(model, in_channels)
