"""Running an exported graph on the CPU with OpenVINO, and checking which kernels it uses."""
import os.path as osp
import warnings
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from .backend import import_openvino, openvino_core

#: the kernel name of OpenVINO's JIT 1-bit convolution ends like this (``jit_avx512_u1``)
BINARY_KERNEL_SUFFIX = '_u1'


def compile_config(num_threads: Optional[int] = None, precision: str = 'f32') -> Dict[str, Any]:
    """CPU plugin settings: one stream for latency, and the inference precision forced.

    The CPU plugin runs FP32 graphs in bf16 by default on CPUs that have it, which changes the
    outputs; ``precision='f32'`` keeps them FP32.

    Example:
        >>> compile_config(1)['INFERENCE_PRECISION_HINT']
        'f32'
    """
    config = {'INFERENCE_PRECISION_HINT': precision, 'PERFORMANCE_HINT': 'LATENCY',
              'NUM_STREAMS': '1'}
    if num_threads is not None:
        config['INFERENCE_NUM_THREADS'] = int(num_threads)
    return config


def execution_kernels(compiled: Any) -> Dict[str, Set[str]]:
    """``{layer type: {kernel names}}`` of a compiled model's execution graph.

    Example:
        >>> kernels = execution_kernels(compiled)  # doctest: +SKIP
        >>> kernels['BinaryConvolution']  # doctest: +SKIP
        {'jit_avx512_u1'}
    """
    kernels: Dict[str, Set[str]] = {}
    for op in compiled.get_runtime_model().get_ops():
        info = op.get_rt_info()
        layer = info['layerType'].astype(str)
        kernels.setdefault(layer, set()).add(info['primitiveType'].astype(str))
    return kernels


def check_binary_kernel(compiled: Any, expected_layers: Optional[int] = None,
                        warn: bool = True) -> Tuple[bool, str]:
    """Whether every ``BinaryConvolution`` runs on a JIT 1-bit kernel, and a sentence saying so.

    Read from the runtime's execution graph, not assumed: a CPU or OpenVINO build without the
    kernel falls back to another implementation (right results, no speed). Warns naming the
    fallback when ``warn``.

    Args:
        compiled (openvino.CompiledModel): The compiled binary graph.
        expected_layers (int, optional): How many BinaryConvolution layers the graph has; a
            count that differs in the execution graph is reported as a fallback too.
        warn (bool): Issue a ``UserWarning`` on a fallback. Defaults to True.

    Returns:
        tuple: ``(ok, message)``.
    """
    kernels = [op.get_rt_info()['primitiveType'].astype(str)
               for op in compiled.get_runtime_model().get_ops()
               if op.get_rt_info()['layerType'].astype(str) == 'BinaryConvolution']
    names = sorted(set(kernels))
    fast = [k for k in kernels if k.startswith('jit') and k.endswith(BINARY_KERNEL_SUFFIX)]
    if kernels and len(fast) == len(kernels) and expected_layers in (None, len(kernels)):
        return True, f'{len(kernels)} BinaryConvolution layers on the 1-bit kernel {names}'
    if not kernels:
        message = ('no BinaryConvolution layer in the execution graph: the 1-bit convolutions '
                   'were converted to other ops')
    else:
        message = (f'{len(kernels) - len(fast)} of {len(kernels)} BinaryConvolution layers run '
                   f'on {names}, not a JIT 1-bit kernel (jit_*{BINARY_KERNEL_SUFFIX}): this CPU '
                   'or OpenVINO build falls back to a slower implementation')
    if expected_layers is not None and len(kernels) != expected_layers:
        message += f' (expected {expected_layers} BinaryConvolution layers)'
    if warn:
        warnings.warn(message)
    return False, message


class OpenVINOModel:
    """An exported graph, compiled on demand for each input shape it is called with.

    Args:
        model (str | openvino.Model): An ``.xml`` file (or a folder holding ``model.xml``) or a
            graph.
        num_threads (int, optional): CPU threads (``INFERENCE_NUM_THREADS``); default: the
            plugin's.
        precision (str): ``INFERENCE_PRECISION_HINT``. Defaults to ``'f32'``.
        reshape (bool): Compile once per input shape (static shapes, the fastest kernels for a
            few fixed shapes). False: compile the graph once with its own, possibly dynamic,
            input shape (inputs whose sizes keep changing). Defaults to True.

    Example:
        >>> net = OpenVINOModel('work_dirs/deploy/model.xml', num_threads=1)  # doctest: +SKIP
        >>> logits = net(np.zeros((1, 3, 32, 32), np.float32))  # doctest: +SKIP
    """

    def __init__(self, model: Union[str, Any], num_threads: Optional[int] = None,
                 precision: str = 'f32', reshape: bool = True) -> None:
        self.ov, _ = import_openvino()
        self.core = openvino_core()
        if isinstance(model, str):
            path = osp.join(model, 'model.xml') if osp.isdir(model) else model
            if not osp.isfile(path):
                raise FileNotFoundError(f'OpenVINO model file "{path}" does not exist')
            model = self.core.read_model(path)
        self.model = model
        self.config = compile_config(num_threads, precision)
        self.reshape = reshape
        self._compiled: Dict[Optional[Tuple[int, ...]], Any] = {}

    def compiled(self, shape: Sequence[int]) -> Any:
        """The model compiled for input ``shape`` (cached; one for all shapes without
        ``reshape``)."""
        shape = tuple(int(s) for s in shape) if self.reshape else None
        if shape not in self._compiled:
            model = self.model
            if shape is not None:
                model = model.clone()
                model.reshape({model.inputs[0]: self.ov.PartialShape(list(shape))})
            self._compiled[shape] = self.core.compile_model(model, 'CPU', self.config)
        return self._compiled[shape]

    def request(self, shape: Sequence[int]) -> Any:
        """A reusable infer request for ``shape`` (for timing loops)."""
        return self.compiled(shape).create_infer_request()

    def run(self, inputs: np.ndarray) -> List[np.ndarray]:
        """Every output of the graph for ``inputs``, in the graph's order."""
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        compiled = self.compiled(inputs.shape)
        results = compiled(inputs)
        return [results[output].copy() for output in compiled.outputs]

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        return self.run(inputs)[0]

    def binary_layers(self) -> int:
        """Number of ``BinaryConvolution`` ops in the graph."""
        return sum(op.get_type_name() == 'BinaryConvolution' for op in self.model.get_ops())


def kernel_summary(kernels: Dict[str, Set[str]], layers: Sequence[str] = (
        'BinaryConvolution', 'Convolution', 'FakeQuantize')) -> List[str]:
    """``'Layer: kernel, kernel'`` lines for the given layer types present in ``kernels``."""
    return [f'{layer}: {", ".join(sorted(kernels[layer]))}' for layer in layers
            if layer in kernels]
