"""Fold eval-mode BatchNorms into the convolutions that feed them (a frozen network's speed-up)."""
import copy
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
from timm.layers import BatchNormAct2d
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils.fusion import fuse_conv_bn_weights

from .output_check import max_relative_error


class FoldMismatchError(ValueError):
    """The folded copy's outputs differ from the network's: a fold did not hold."""


def _without_norm(bn: _BatchNorm) -> Optional[nn.Module]:
    """What stays of ``bn`` once its affine map lives in the convolution (None: unknown type)."""
    if type(bn) in (nn.BatchNorm2d, nn.SyncBatchNorm):  # the same map in eval mode
        return nn.Identity()
    if type(bn) is BatchNormAct2d:  # timm: BatchNorm, dropout and activation in one module
        return nn.Sequential(bn.drop, bn.act)
    return None


def _conv_bn_pairs(model: nn.Module, run: Callable[[nn.Module], Any]) -> List[Tuple[str, str]]:
    """``(conv name, bn name)`` for each BatchNorm whose input is a convolution's output.

    Found from the data flow of one forward (``run``), not from the order modules are
    registered in: a pre-activation block registers its norm after the conv it feeds.
    """
    names = {module: name for name, module in model.named_modules()}
    produced: Dict[int, Tuple[str, Tensor]] = {}  # id(conv output) -> (conv, output kept alive)
    calls: Dict[str, int] = {}
    inputs: Dict[str, str] = {}  # bn -> conv whose output it read
    handles = []

    def count(module: nn.Module) -> str:
        name = names[module]
        calls[name] = calls.get(name, 0) + 1
        return name

    def conv_hook(module, args, output):
        produced[id(output)] = (count(module), output)

    def bn_hook(module, args):
        name = count(module)
        source = produced.get(id(args[0])) if args else None  # outputs are kept: ids unique
        if source is not None:
            inputs[name] = source[0]

    for module in model.modules():
        if type(module) is nn.Conv2d:
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, _BatchNorm) and _without_norm(module) is not None:
            handles.append(module.register_forward_pre_hook(bn_hook))
    try:
        with torch.no_grad():
            run(model)
    finally:
        for handle in handles:
            handle.remove()
    fed = list(inputs.values())
    # a module called twice (shared weights) or a conv read by two norms cannot be folded
    return [(conv, bn) for bn, conv in inputs.items()
            if calls[bn] == 1 and calls[conv] == 1 and fed.count(conv) == 1]


def fold_batch_norms(model: nn.Module, run: Callable[[nn.Module], Any],
                     rtol: float = 1e-4) -> Tuple[nn.Module, int]:
    """A copy of an eval-mode network with its BatchNorms folded into the convolutions before them.

    A BatchNorm in eval mode is an affine map per channel; applied to a convolution's output it
    can live in that convolution's weight and bias (``torch.nn.utils.fusion``), which saves one
    pass over every such feature map. Which norm reads which convolution is traced on one
    forward (``run``); the copy is then checked against the network on that same forward, so
    a fold that does not hold (the conv's output also read elsewhere, an in-place op between
    them) raises instead of changing results. The network itself is not modified.

    Only ``nn.Conv2d`` followed by ``nn.BatchNorm2d`` or ``nn.SyncBatchNorm`` (replaced by
    ``nn.Identity``) or timm's
    ``BatchNormAct2d`` (replaced by its drop and activation) are folded; other norms stay.
    Valid only while the network's weights and statistics do not change: a frozen network.

    Args:
        model (nn.Module): The network, in eval mode.
        run (Callable[[nn.Module], Any]): Runs a network (the given one or its copy) on a
            small example input and returns its outputs (tensors, or lists/dicts of them).
        rtol (float): Largest difference between the two networks' outputs, relative to the
            largest output magnitude (at least 1). Defaults to 1e-4 (float32 rounding of a
            deep network stays far below it).

    Returns:
        tuple[nn.Module, int]: The folded copy (parameters without gradient) and how many
        BatchNorms were folded (0: the copy is the network unchanged).

    Raises:
        FoldMismatchError: The copy's outputs differ from the network's by more than ``rtol``.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from mmltbin.models.utils import fold_batch_norms
        >>> net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU()).eval()
        >>> x = torch.rand(2, 3, 8, 8)
        >>> folded, num = fold_batch_norms(net, lambda m: m(x))
        >>> num, type(folded[1]).__name__, torch.allclose(folded(x), net(x), atol=1e-6)
        (1, 'Identity', True)
    """
    if model.training:
        raise ValueError(f'fold_batch_norms: {type(model).__name__} is in training mode; '
                         'BatchNorm folds only with its running statistics (call .eval())')
    folded = copy.deepcopy(model)
    pairs = _conv_bn_pairs(folded, run)
    modules = dict(folded.named_modules())
    num = 0
    for conv_name, bn_name in pairs:
        conv, bn = modules[conv_name], modules[bn_name]
        if bn.running_mean is None or bn.running_var is None:
            continue  # a norm without running statistics normalises by the batch: not affine
        weight, bias = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean,
                                            bn.running_var, bn.eps, bn.weight, bn.bias)
        conv.weight = nn.Parameter(weight.detach().contiguous(
            memory_format=_memory_format(conv.weight)), requires_grad=False)
        conv.bias = nn.Parameter(bias.detach(), requires_grad=False)
        parent_name, _, child = bn_name.rpartition('.')
        setattr(modules[parent_name] if parent_name else folded, child, _without_norm(bn))
        num += 1
    for param in folded.parameters():
        param.requires_grad_(False)
    if num:
        _check_same_outputs(model, folded, run, rtol)
    return folded, num


def _memory_format(weight: Tensor) -> torch.memory_format:
    if weight.dim() == 4 and not weight.is_contiguous() and weight.is_contiguous(
            memory_format=torch.channels_last):
        return torch.channels_last
    return torch.contiguous_format


def _check_same_outputs(model: nn.Module, folded: nn.Module, run: Callable[[nn.Module], Any],
                        rtol: float) -> None:
    with torch.no_grad():
        error = max_relative_error(run(model), run(folded))
    if not error <= rtol:
        raise FoldMismatchError(
            f'fold_batch_norms: the folded {type(model).__name__} differs from it by '
            f'{error:.2g} (relative, more than {rtol:g}; inf: other output shapes or values that '
            'are not finite): a folded convolution\'s output is also used elsewhere, or changed '
            'before its BatchNorm')
