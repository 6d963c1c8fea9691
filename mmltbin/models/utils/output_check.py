"""How far a faster copy of a network (folded, another runtime) is from the network itself."""
import math
from typing import Any, Iterator

from torch import Tensor


def output_tensors(out: Any) -> Iterator[Tensor]:
    """The tensors of a network's output (a tensor, or lists, tuples and dicts of them)."""
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, dict):
        for value in out.values():
            yield from output_tensors(value)
    elif isinstance(out, (list, tuple)):
        for value in out:
            yield from output_tensors(value)


def max_relative_error(expected: Any, got: Any) -> float:
    """The largest absolute difference between two outputs, each tensor's relative to
    ``max(1, max |expected|)``; ``inf`` when their tensors differ in number or shape, or a
    difference is not finite.

    Example:
        >>> import torch
        >>> round(max_relative_error((torch.tensor([10.0, 1.0]), ),
        ...                          (torch.tensor([10.1, 1.0]), )), 4)
        0.01
        >>> max_relative_error(torch.zeros(2), torch.zeros(3))
        inf
    """
    expected, got = list(output_tensors(expected)), list(output_tensors(got))
    if len(expected) != len(got) or any(e.shape != g.shape for e, g in zip(expected, got)):
        return math.inf
    error = 0.0
    for e, g in zip(expected, got):
        if not e.is_floating_point() or e.numel() == 0:
            continue
        scale = max(1.0, float(e.abs().max()))
        diff = float((e.float() - g.float()).abs().max()) / scale
        error = max(error, diff if math.isfinite(diff) else math.inf)
    return error
