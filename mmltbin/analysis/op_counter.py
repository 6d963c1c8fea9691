"""Operation and parameter counts of binary networks (the Bi-Real Net / ReActNet convention).

* **BOPs**: multiply-accumulates of convolutions whose weights and inputs are both +-1
  (:class:`~mmltbin.models.layers.BinaryConv2d` with ``binary_inputs``); an XNOR-popcount unit
  does 64 of them per instruction on a 64-bit CPU.
* **FLOPs**: multiply-accumulates of real-valued convolutions and linear layers (and of binary
  convolutions fed real activations).
* **OPs** = BOPs / 64 + FLOPs.

As in those papers, normalisation, activations, poolings, additions and the binary weights'
scales are not counted (they are elementwise, or fold into neighbouring layers at deployment).
The counts come from one forward pass on a single zero image, so they follow the real module
graph, strides and padding.

Parameters are split into binary (the latent weights of binary convolutions, 1 bit each when
deployed) and real-valued (everything else). The deployed size counts 1 bit per binary weight,
32 bits per real parameter and 32 bits per binary-conv output-channel scale; buffers such as
BatchNorm running statistics are left out (they fold into the scale and bias).
"""
from dataclasses import dataclass, field
from typing import List, Sequence

import torch
import torch.nn as nn

from mmltbin.models.layers import BinaryConv2d


@dataclass
class LayerOps:
    """One counted layer: its name, type, kind (``'binary'`` or ``'fp'``) and MACs."""
    name: str
    type: str
    kind: str
    macs: int
    output_shape: tuple


@dataclass
class OpCount:
    """Operation counts and sizes of a model for one input shape (batch 1)."""
    input_shape: tuple
    bops: int = 0
    flops: int = 0
    binary_params: int = 0
    fp_params: int = 0
    binary_scales: int = 0
    layers: List[LayerOps] = field(default_factory=list)

    @property
    def ops(self) -> float:
        """BOPs / 64 + FLOPs."""
        return self.bops / 64 + self.flops

    @property
    def params(self) -> int:
        return self.binary_params + self.fp_params

    @property
    def size_bytes(self) -> float:
        """Deployed size: 1 bit per binary weight, 4 bytes per real parameter and scale."""
        return self.binary_params / 8 + 4 * (self.fp_params + self.binary_scales)

    @property
    def fp32_size_bytes(self) -> int:
        """Size of all parameters in float32."""
        return 4 * self.params

    def as_dict(self) -> dict:
        return dict(input_shape=list(self.input_shape), bops=self.bops, flops=self.flops,
                    ops=self.ops, binary_params=self.binary_params, fp_params=self.fp_params,
                    binary_scales=self.binary_scales, params=self.params,
                    size_bytes=self.size_bytes, fp32_size_bytes=self.fp32_size_bytes)


def _conv_macs(module: nn.Conv2d, output: torch.Tensor) -> int:
    per_output = (module.in_channels // module.groups) * module.kernel_size[0] \
        * module.kernel_size[1]
    return int(output[0].numel()) * per_output


def _linear_macs(module: nn.Linear, output: torch.Tensor) -> int:
    return int(output[0].numel()) * module.in_features


def count_ops(model: nn.Module, input_shape: Sequence[int] = (3, 224, 224)) -> OpCount:
    """Count BOPs, FLOPs and parameters of ``model`` for one image of ``input_shape``.

    Args:
        model (nn.Module): A backbone or a whole classifier. An mmpretrain
            ``ImageClassifier`` is run with ``mode='tensor'`` (backbone, neck and head).
        input_shape (Sequence[int]): ``(C, H, W)`` of one image.

    Returns:
        OpCount: totals and per-layer rows (``layers``) in execution order.

    Example:
        >>> from mmltbin.models.backbones import ReActNet
        >>> count = count_ops(ReActNet(widen_factor=0.25, stem_stride=1), (3, 32, 32))
        >>> count.bops > 0 and count.flops > 0 and count.ops == count.bops / 64 + count.flops
        True
    """
    if len(input_shape) != 3:
        raise ValueError(f'count_ops: input_shape must be (C, H, W), got {tuple(input_shape)}')
    result = OpCount(input_shape=tuple(int(s) for s in input_shape))
    names = {module: name for name, module in model.named_modules()}

    def hook(module: nn.Module, inputs, output) -> None:
        if isinstance(module, BinaryConv2d):
            kind = 'binary' if module.binary_inputs else 'fp'
            macs = _conv_macs(module, output)
        elif isinstance(module, nn.Conv2d):
            kind, macs = 'fp', _conv_macs(module, output)
        else:
            kind, macs = 'fp', _linear_macs(module, output)
        if kind == 'binary':
            result.bops += macs
        else:
            result.flops += macs
        result.layers.append(LayerOps(names.get(module, '?'), type(module).__name__, kind, macs,
                                      tuple(output.shape[1:])))

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        x = torch.zeros(1, *result.input_shape, device=device)
        with torch.no_grad():
            if _is_mmpretrain_classifier(model):
                model(x, mode='tensor')
            else:
                model(x)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)

    binary_weights = set()
    for module in model.modules():
        if isinstance(module, BinaryConv2d):
            binary_weights.add(id(module.weight))
            result.binary_scales += module.out_channels
    for param in model.parameters():
        if id(param) in binary_weights:
            result.binary_params += param.numel()
        else:
            result.fp_params += param.numel()
    return result


def _is_mmpretrain_classifier(model: nn.Module) -> bool:
    try:
        from mmpretrain.models.classifiers import BaseClassifier
    except ImportError:  # pragma: no cover
        return False
    return isinstance(model, BaseClassifier)


def _si(value: float) -> str:
    return f'{value:.3e}'


def format_op_count(count: OpCount, per_layer: bool = False) -> str:
    """A human-readable report of :func:`count_ops`' result."""
    c, h, w = count.input_shape
    lines = []
    if per_layer:
        lines.append(f'{"layer":<48} {"type":<14} {"kind":<6} {"output":<18} {"MACs":>12}')
        for row in count.layers:
            lines.append(f'{row.name:<48} {row.type:<14} {row.kind:<6} '
                         f'{"x".join(map(str, row.output_shape)):<18} {row.macs:>12,}')
        lines.append('')
    mib = 1024 * 1024
    lines += [
        f'input shape          : {c}x{h}x{w}',
        f'params (binary)      : {count.binary_params:,}',
        f'params (real)        : {count.fp_params:,}',
        f'params (total)       : {count.params:,}',
        f'BOPs                 : {count.bops:,} ({_si(count.bops)})',
        f'FLOPs                : {count.flops:,} ({_si(count.flops)})',
        f'OPs = BOPs/64 + FLOPs: {_si(count.ops)}',
        f'size, 1-bit weights  : {count.size_bytes / mib:.3f} MiB '
        f'({count.binary_scales:,} binary-conv scales included)',
        f'size, all fp32       : {count.fp32_size_bytes / mib:.3f} MiB '
        f'(x{count.fp32_size_bytes / max(count.size_bytes, 1e-9):.1f})',
    ]
    return '\n'.join(lines)
