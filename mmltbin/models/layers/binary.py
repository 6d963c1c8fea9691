"""Binarization layers: sign with straight-through estimators, RSign, RPReLU, BinaryConv2d.

A binary network keeps real-valued ("latent") weights for the optimizer and binarizes them, and
the activations that feed its binary convolutions, to exactly ``-1`` and ``+1`` in the forward
pass. ``sign`` has zero gradient almost everywhere, so the backward pass uses a
straight-through estimator (STE): the gradient of a surrogate function.

Estimators (``estimator=``):

* ``'clipped'``: the clipped identity of BinaryNet (Courbariaux et al. 2016), the gradient of
  ``clamp(x, -1, 1)``: ``dy/dx = 1`` where ``|x| <= 1``, else 0.
* ``'approx'``: ApproxSign of Bi-Real Net (Liu et al. 2018), the gradient of the piecewise
  polynomial ``2x + x^2`` (x < 0) / ``2x - x^2`` (x >= 0) clipped to [-1, 1]:
  ``dy/dx = 2 - 2|x|`` where ``|x| < 1``, else 0.

``sign`` here maps 0 to +1, so binarized values are always exactly +-1 (``torch.sign`` would
give 0). Packed export (:mod:`mmltbin.export`) uses the same rule: bit 1 <=> value >= 0.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

ESTIMATORS = ('clipped', 'approx')
INPUT_MODES = ('sign', 'binary', 'real')


def binarize(x: torch.Tensor) -> torch.Tensor:
    """``+1`` where ``x >= 0``, ``-1`` elsewhere, in ``x``'s dtype (no gradient)."""
    return (x >= 0).to(x.dtype) * 2 - 1


class _SignClippedSTE(torch.autograd.Function):
    """sign(x) forward; gradient passed where |x| <= 1 (clipped identity)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return binarize(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        x, = ctx.saved_tensors
        return grad * (x.abs() <= 1).to(grad.dtype)


class _SignApproxSTE(torch.autograd.Function):
    """sign(x) forward; gradient ``2 - 2|x|`` inside (-1, 1) (Bi-Real Net's ApproxSign)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return binarize(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        x, = ctx.saved_tensors
        return grad * (2.0 - 2.0 * x.abs()).clamp_(min=0.0)


_STE_FUNCTIONS = {'clipped': _SignClippedSTE, 'approx': _SignApproxSTE}


def _check_estimator(estimator: str, owner: str) -> None:
    if estimator not in ESTIMATORS:
        raise ValueError(f'{owner}: estimator must be one of {ESTIMATORS}, got "{estimator}"')


def sign_ste(x: torch.Tensor, estimator: str = 'approx') -> torch.Tensor:
    """Binarize ``x`` to +-1 with a straight-through estimator for the gradient.

    Args:
        x (Tensor): Any real tensor.
        estimator (str): ``'approx'`` (Bi-Real Net's ApproxSign) or ``'clipped'``.

    Returns:
        Tensor: ``x``'s shape, values exactly -1 or +1.

    Example:
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 0.5], requires_grad=True)
        >>> y = sign_ste(x, 'approx'); y
        tensor([-1., -1.,  1.,  1.], grad_fn=<_SignApproxSTEBackward>)
        >>> y.sum().backward(); x.grad
        tensor([0., 1., 2., 1.])
    """
    _check_estimator(estimator, 'sign_ste')
    return _STE_FUNCTIONS[estimator].apply(x)


class _WeightBinarizeSTE(torch.autograd.Function):
    """``sign(W) * scale`` forward; gradient passed to W where ``|W| <= 1``.

    The per-output-channel scale is treated as a constant in the backward pass (as in ReActNet's
    reference training code), so ``dL/dW = dL/dW_b * 1[|W| <= 1]``.
    """

    @staticmethod
    def forward(ctx, weight: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(weight)
        return binarize(weight) * scale

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        weight, = ctx.saved_tensors
        return grad * (weight.abs() <= 1).to(grad.dtype), None


def weight_scale(weight: torch.Tensor) -> torch.Tensor:
    """Per-output-channel scale ``mean |W|`` over all but the first dim, broadcastable to W."""
    return weight.detach().abs().mean(dim=tuple(range(1, weight.dim())), keepdim=True)


def _per_channel(param: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """View a ``(C,)`` parameter so it broadcasts over ``x``'s channel dim (N, C, ...)."""
    return param.view(1, -1, *([1] * (x.dim() - 2)))


@MODELS.register_module()
class Sign(nn.Module):
    """Binarize activations to +-1 (no learnable threshold).

    Args:
        estimator (str): STE for the backward pass, ``'approx'`` or ``'clipped'``.
            Defaults to ``'approx'``.

    Example:
        >>> Sign()(torch.tensor([[-0.3, 0.0, 2.0]]))
        tensor([[-1.,  1.,  1.]])
    """

    def __init__(self, estimator: str = 'approx') -> None:
        super().__init__()
        _check_estimator(estimator, 'Sign')
        self.estimator = estimator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sign_ste(x, self.estimator)

    def extra_repr(self) -> str:
        return f'estimator={self.estimator}'


@MODELS.register_module()
class LearnableBias(nn.Module):
    """Add a learnable per-channel bias (initialised to 0): ``y = x + b_c``.

    Args:
        channels (int): Number of channels (dim 1 of the input).

    Example:
        >>> LearnableBias(3)(torch.zeros(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + _per_channel(self.bias, x)

    def extra_repr(self) -> str:
        return f'channels={self.bias.numel()}'


@MODELS.register_module()
class RSign(nn.Module):
    """ReActNet's RSign: sign with a learnable per-channel threshold.

    ``y_c = +1 if x_c >= threshold_c else -1``; the threshold starts at 0 and receives the
    (negated) STE gradient.

    Args:
        channels (int): Number of channels.
        estimator (str): STE, ``'approx'`` (default) or ``'clipped'``.

    Example:
        >>> rsign = RSign(2)
        >>> rsign.threshold.data = torch.tensor([0.5, -0.5])
        >>> rsign(torch.zeros(1, 2, 1, 1)).flatten().tolist()
        [-1.0, 1.0]
    """

    def __init__(self, channels: int, estimator: str = 'approx') -> None:
        super().__init__()
        _check_estimator(estimator, 'RSign')
        self.estimator = estimator
        self.threshold = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sign_ste(x - _per_channel(self.threshold, x), self.estimator)

    def extra_repr(self) -> str:
        return f'channels={self.threshold.numel()}, estimator={self.estimator}'


@MODELS.register_module()
class RPReLU(nn.Module):
    """ReActNet's RPReLU: shift, PReLU, shift, all per channel.

    ``y_c = PReLU_c(x_c - gamma_c) + zeta_c`` with learnable ``gamma`` and ``zeta`` (start at 0)
    and the PReLU slope (starts at ``init_slope``).

    Args:
        channels (int): Number of channels.
        init_slope (float): Initial negative slope. Defaults to 0.25 (PyTorch's PReLU default).

    Example:
        >>> RPReLU(4)(torch.randn(2, 4, 3, 3)).shape
        torch.Size([2, 4, 3, 3])
    """

    def __init__(self, channels: int, init_slope: float = 0.25) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(channels))
        self.slope = nn.Parameter(torch.full((channels, ), float(init_slope)))
        self.zeta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.prelu(x - _per_channel(self.gamma, x), self.slope)
        return y + _per_channel(self.zeta, x)

    def extra_repr(self) -> str:
        return f'channels={self.slope.numel()}'


@MODELS.register_module()
class BinaryConv2d(nn.Conv2d):
    """2D convolution with binary weights (and, by option, binary inputs).

    The optimizer updates the latent real weights ``weight``. The forward pass convolves with
    ``sign(W) * alpha``, ``alpha`` the per-output-channel scale ``mean |W|`` (XNOR-Net / ReActNet),
    which a deployment folds into the following normalisation. The weight gradient is the
    clipped straight-through estimate ``dL/dW = dL/dW_b * 1[|W| <= 1]`` (scale held constant).

    In eval mode, when no weight gradient is wanted (``torch.no_grad``, ``inference_mode``, or
    frozen weights), the binary weights are computed once and reused until the weights change:
    the cache is keyed on the weight tensor's version counter (bumped by every in-place update:
    an optimizer step, ``load_state_dict``), its storage, dtype and device, and the same for
    ``fixed_scale``; train mode drops it. It holds one copy of the weights. Writes through
    ``weight.data`` bypass the version counter: call :meth:`clear_binary_cache` after them.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups: As
            :class:`torch.nn.Conv2d`.
        bias (bool): Add a real-valued bias. Defaults to False (a norm layer follows).
        input_mode (str): How the input is treated.

            - ``'sign'`` (default): binarize the input here with ``input_estimator``.
            - ``'binary'``: the input is already +-1 (e.g. an :class:`RSign` module precedes this
              conv, as in mmltbin's backbones); it is used as is, so its STE stays the one of
              that module.
            - ``'real'``: weights only are binary, activations stay real.

            Op counting (:mod:`mmltbin.analysis`) counts ``'sign'`` and ``'binary'`` convolutions
            as binary operations (BOPs) and ``'real'`` ones as FLOPs.
        input_estimator (str): STE used when ``input_mode='sign'``. Defaults to ``'approx'``.
        scale (bool): Multiply the binary weights by ``mean |W|`` per output channel.
            Defaults to True.

    Example:
        >>> conv = BinaryConv2d(8, 16, 3, padding=1)
        >>> w = conv.binary_weight()
        >>> bool(((w / conv.weight_scale()).abs() == 1).all())
        True
        >>> conv(torch.randn(2, 8, 5, 5)).shape
        torch.Size([2, 16, 5, 5])
    """

    LATENT_INIT_STD = 0.01
    #: reuse eval-mode binary weights (see above); False recomputes them on every forward
    EVAL_CACHE = True

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size,
                 stride=1,
                 padding=0,
                 dilation=1,
                 groups: int = 1,
                 bias: bool = False,
                 input_mode: str = 'sign',
                 input_estimator: str = 'approx',
                 scale: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, groups=groups, bias=bias)
        if input_mode not in INPUT_MODES:
            raise ValueError(f'BinaryConv2d: input_mode must be one of {INPUT_MODES}, '
                             f'got "{input_mode}"')
        if self.padding_mode != 'zeros':
            raise ValueError('BinaryConv2d supports padding_mode="zeros" only')
        _check_estimator(input_estimator, 'BinaryConv2d')
        self.input_mode = input_mode
        self.input_estimator = input_estimator
        self.scale = scale
        self.reset_latent_weights()
        # Set only on models loaded from a packed export (mmltbin.export): the stored per-channel
        # scales, used instead of mean |W| so the loaded model reproduces the original exactly.
        self.register_buffer('fixed_scale', None)
        self._binary_cache: Optional[tuple] = None  # (key, binary weights), eval mode only

    def reset_latent_weights(self) -> None:
        """Draw the latent weights from N(0, ``LATENT_INIT_STD``).

        Small latent weights let Adam's first steps (each about the learning rate in size) flip
        their signs; Kaiming-sized ones (0.03-0.1 here) need many more steps before the
        binary weights change (measured: mean loss after 80 Adam steps at lr 1e-3 on digits,
        0.17 with std 0.01 against 1.41 with Kaiming). The forward pass does not depend on the
        magnitude: the binary weights are rescaled by mean |W| and a norm follows.
        """
        nn.init.normal_(self.weight, 0.0, self.LATENT_INIT_STD)

    @property
    def binary_inputs(self) -> bool:
        """Whether this convolution multiplies +-1 activations (so its MACs are BOPs)."""
        return self.input_mode != 'real'

    def weight_scale(self) -> torch.Tensor:
        """The per-output-channel scale, shape ``(out_channels, 1, 1, 1)`` (ones if disabled)."""
        if self.fixed_scale is not None:
            return self.fixed_scale
        if not self.scale:
            return torch.ones((self.out_channels, 1, 1, 1), dtype=self.weight.dtype,
                              device=self.weight.device)
        return weight_scale(self.weight)

    def binary_weight(self) -> torch.Tensor:
        """``sign(W) * scale`` with the clipped STE (what the convolution uses)."""
        key = self._cache_key()
        if key is None:
            return _WeightBinarizeSTE.apply(self.weight, self.weight_scale())
        if self._binary_cache is None or self._binary_cache[0] != key:
            # a normal tensor even under inference_mode, so it may be reused outside it
            with torch.inference_mode(False), torch.no_grad():
                self._binary_cache = (key, binarize(self.weight) * self.weight_scale())
        return self._binary_cache[1]

    def _cache_key(self) -> Optional[tuple]:
        """What the cached binary weights depend on, or None when they must not be cached."""
        weight, scale = self.weight, self.fixed_scale
        if not self.EVAL_CACHE or self.training or (torch.is_grad_enabled()
                                                     and weight.requires_grad):
            return None
        if weight.is_inference() or (scale is not None and scale.is_inference()):
            return None  # inference tensors have no version counter
        key = (id(weight), weight._version, weight.data_ptr(), weight.dtype, weight.device,
               self.scale)
        if scale is not None:
            key += (id(scale), scale._version, scale.data_ptr(), scale.dtype)
        return key

    def clear_binary_cache(self) -> None:
        """Drop the cached eval-mode binary weights (needed only after ``weight.data`` writes)."""
        self._binary_cache = None

    def train(self, mode: bool = True) -> 'BinaryConv2d':
        self._binary_cache = None
        return super().train(mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_mode == 'sign':
            x = sign_ste(x, self.input_estimator)
        return self._conv_forward(x, self.binary_weight(), self.bias)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        # a state dict unpacked from a packed export carries fixed scales: accept them
        key = prefix + 'fixed_scale'
        if key in state_dict and self.fixed_scale is None:
            self.fixed_scale = torch.empty_like(state_dict[key])
        self._binary_cache = None
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return (super().extra_repr() + f', input_mode={self.input_mode}'
                + (f', input_estimator={self.input_estimator}'
                   if self.input_mode == 'sign' else '') + f', scale={self.scale}')


def build_sign(channels: int, learnable: bool, estimator: str = 'approx') -> nn.Module:
    """An activation binarizer: :class:`RSign` if ``learnable`` else :class:`Sign`."""
    return RSign(channels, estimator) if learnable else Sign(estimator)


def build_norm(norm_cfg: Optional[dict], channels: int) -> nn.Module:
    """A normalisation layer from an mmengine ``norm_cfg`` (``None``: identity)."""
    if norm_cfg is None:
        return nn.Identity()
    from mmcv.cnn import build_norm_layer
    return build_norm_layer(norm_cfg, channels)[1]
