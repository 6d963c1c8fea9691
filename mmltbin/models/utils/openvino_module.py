"""A frozen torch network run by OpenVINO's CPU runtime (a frozen teacher's speed-up)."""
import warnings
from typing import Callable, Optional, Set, Tuple

import torch
from torch import Tensor, nn

from .output_check import max_relative_error

#: OpenVINO's inference precision for a torch compute dtype (None: float32)
PRECISIONS = {None: 'f32', torch.bfloat16: 'bf16'}


class OpenVINOMismatchError(ValueError):
    """OpenVINO's outputs differ from the torch network's: the conversion did not hold."""


class _Forward(nn.Module):
    """``run(module, x)`` as a module's forward, so that OpenVINO can trace it."""

    def __init__(self, module: nn.Module, run: Callable[[nn.Module, Tensor], Tuple[Tensor, ...]]):
        super().__init__()
        self.module = module
        self.run = run

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        return self.run(self.module, x)


class OpenVINOModule:
    """``run(module, x)`` for a frozen ``module``, computed by OpenVINO on the CPU.

    The network is converted once (``openvino.convert_model``, traced on ``example``) with a
    dynamic batch and image size and compiled once for all of them (the shapes of a teacher's
    views change from batch to batch). Tensors go in and come out (float32, on the CPU,
    without gradient). The first input of every image size is also run by torch on two
    samples and compared: a conversion that does not hold raises
    :class:`OpenVINOMismatchError` instead of returning wrong outputs. Needs the ``deploy``
    extra (``openvino``).

    Args:
        module (nn.Module): The frozen network, in eval mode.
        run (Callable): ``run(module, x)``: a tuple of the tensors to return.
        example (Tensor): An ``N x C x H x W`` input to trace with (two samples are enough).
        num_threads (int, optional): OpenVINO's CPU threads. Defaults to torch's.
        dtype (torch.dtype, optional): ``torch.bfloat16`` runs OpenVINO in bf16 (for a CPU
            that has it). Defaults to None: float32.
        rtol (float): The largest difference from torch allowed, relative to
            ``max(1, max |output|)``. Defaults to 1e-4 in float32, 5e-2 in bf16.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from mmltbin.models.utils import OpenVINOModule
        >>> net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()).eval()
        >>> fast = OpenVINOModule(net, lambda m, x: (m(x).mean((2, 3)), ), torch.rand(2, 3, 8, 8))
        >>> fast(torch.rand(4, 3, 16, 16))[0].shape
        torch.Size([4, 8])
    """

    def __init__(self, module: nn.Module, run: Callable[[nn.Module, Tensor], Tuple[Tensor, ...]],
                 example: Tensor, num_threads: Optional[int] = None,
                 dtype: Optional[torch.dtype] = None, rtol: Optional[float] = None) -> None:
        if dtype not in PRECISIONS:
            raise ValueError(f'OpenVINOModule: dtype must be one of {list(PRECISIONS)}, '
                             f'got {dtype}')
        from ...deploy import OpenVINOModel, import_openvino  # the deploy extra, on demand
        ov, _ = import_openvino()
        self.forward = _Forward(module, run).eval()
        example = example.detach().float().contiguous()
        with torch.no_grad(), warnings.catch_warnings():
            # the converter traces with torch.jit, which warns of its own deprecation
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            warnings.simplefilter('ignore', FutureWarning)
            # share_weights=False: the graph owns a copy of the weights, so that it never
            # reads torch memory that the module frees or moves later
            graph = ov.convert_model(self.forward, example_input=example,
                                     input=[ov.PartialShape([-1, example.shape[1], -1, -1])],
                                     share_weights=False)
        self.net = OpenVINOModel(graph, num_threads=num_threads or torch.get_num_threads(),
                                 precision=PRECISIONS[dtype], reshape=False)
        self.rtol = rtol if rtol is not None else (1e-4 if dtype is None else 5e-2)
        self._checked: Set[Tuple[int, ...]] = set()

    def _run(self, x: Tensor) -> Tuple[Tensor, ...]:
        outputs = self.net.run(x.detach().float().cpu().numpy())
        return tuple(torch.from_numpy(out) for out in outputs)

    def __call__(self, x: Tensor) -> Tuple[Tensor, ...]:
        size = tuple(x.shape[1:])
        if size not in self._checked:
            probe = x[:2]
            with torch.no_grad(), torch.autocast(x.device.type, enabled=False):
                error = max_relative_error(self.forward(probe.float()), self._run(probe))
            if not error <= self.rtol:  # also catches NaN
                raise OpenVINOMismatchError(
                    f'OpenVINOModule: OpenVINO\'s outputs of {type(self.forward.module).__name__} '
                    f'at input size {list(size)} differ from torch\'s by {error:.2g} (relative, '
                    f'more than {self.rtol:g}; inf: other output shapes or values that are not '
                    'finite)')
            self._checked.add(size)
        return self._run(x)
