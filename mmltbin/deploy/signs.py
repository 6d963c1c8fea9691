"""Where an exported model and torch disagree: the binary activations that flip.

A sign layer turns ``x`` into ``+1`` where ``x >= t``. The exported graph computes ``x`` with
other rounding than torch (its 1-bit convolutions sum integers exactly, torch sums ``+-scale``
in FP32 in an order that depends on the batch), so a value within rounding of ``t`` can fall on
the other side, and everything after it differs. These helpers measure that: the margins
``x - t`` of every sign layer in torch, the 0 / 1 codes the export computed for the same
layers, and the first layer where they disagree.
"""
import copy
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

import numpy as np
import torch
import torch.nn as nn

from mmltbin.models.layers import BinaryConv2d, RSign, Sign
from .graph import SIGN_NODE_SUFFIX
from .runtime import OpenVINOModel

#: a sign input within this of its threshold counts as a tie (float32 rounding of values of
#: the size a BatchNorm gives is about 1e-7 to 1e-6)
TIE_MARGIN = 1e-5


def _sign_margin(module: nn.Module, x: torch.Tensor) -> Optional[torch.Tensor]:
    """``x - t`` of a sign layer (as its forward computes it), or None for other layers."""
    if isinstance(module, RSign):
        return x - module.threshold.view(1, -1, *([1] * (x.dim() - 2)))
    if isinstance(module, Sign) or (isinstance(module, BinaryConv2d)
                                    and module.input_mode == 'sign'):
        return x
    return None


@contextmanager
def record_sign_margins(model: nn.Module) -> Iterator[Dict[str, torch.Tensor]]:
    """While open, every forward of ``model`` fills the yielded dict with ``{layer name: x - t}``
    of its sign layers (``RSign``, ``Sign``, ``BinaryConv2d`` with ``input_mode='sign'``), in the
    order they ran; the dict is cleared at each forward.

    Example:
        >>> from mmltbin.models.layers import RSign
        >>> net = nn.Sequential(RSign(2))
        >>> with record_sign_margins(net) as margins:
        ...     _ = net(torch.ones(1, 2, 1, 1))
        >>> list(margins), margins['0'].flatten().tolist()
        (['0'], [1.0, 1.0])
    """
    margins: Dict[str, torch.Tensor] = OrderedDict()
    handles = [model.register_forward_pre_hook(lambda *_: margins.clear())]

    def hook(name):
        def record(module, args):
            margin = _sign_margin(module, args[0])
            if margin is not None:
                margins[name] = margin.detach().clone()
        return record

    for name, module in model.named_modules():
        if _sign_margin(module, torch.zeros(1, 1, 1, 1)) is not None:
            handles.append(module.register_forward_pre_hook(hook(name)))
    try:
        yield margins
    finally:
        for handle in handles:
            handle.remove()


def exported_sign_codes(net: OpenVINOModel, image: np.ndarray) -> Dict[str, np.ndarray]:
    """``{layer name: 0 / 1 array}`` (1 where ``x >= t``) of every sign node of the exported
    graph on one input.

    The CPU plugin runs a two-level quantiser only fused into the 1-bit convolution after it
    (as a graph output it crashes), so the quantisers' inputs ``x`` are added as outputs of a
    copy of the graph and compared with their bounds here, as the quantiser does. The copy's
    logits must equal the export's bit for bit, else the extra outputs changed how the plugin
    computes (a RuntimeError says so).

    Example:
        >>> codes = exported_sign_codes(OpenVINOModel('out'), images[:1])  # doctest: +SKIP
    """
    model = net.model.clone()
    nodes = {}
    for op in model.get_ordered_ops():
        name = op.get_friendly_name()
        for coded, suffix in SIGN_NODE_SUFFIX.items():
            if name.endswith(suffix) and (coded or name[:-len(suffix)] not in nodes):
                # FakeQuantize(x, bound, ...): x > bound; Select(GreaterEqual(x, t), 1, -1)
                compare = op if coded else op.input_value(0).get_node()
                bound = compare.input_value(1).get_node().get_data()
                nodes[name[:-len(suffix)]] = (compare.input_value(0), bound, coded)
    if not nodes:
        raise ValueError('exported_sign_codes: the graph has no named sign nodes (friendly names '
                         f'ending in {sorted(SIGN_NODE_SUFFIX.values())}); export the model '
                         'again with this version of mmltbin.deploy')
    outputs = model.add_outputs([x for x, _, _ in nodes.values()])
    image = np.ascontiguousarray(image, dtype=np.float32)
    model.reshape({model.inputs[0]: net.ov.PartialShape(list(image.shape))})
    compiled = net.core.compile_model(model, 'CPU', net.config)
    results = compiled(image)
    if not np.array_equal(results[compiled.outputs[0]], net(image)):
        raise RuntimeError('exported_sign_codes: reading the sign inputs changed the logits; '
                           'the codes would not be those of the export')
    codes = {}
    for i, (layer, (_, bound, coded)) in enumerate(nodes.items()):
        x = results[compiled.outputs[1 + i]]
        codes[layer] = (x > bound if coded else x >= bound).astype(np.uint8)
    return codes


@torch.no_grad()
def first_sign_flip(model: nn.Module, net: OpenVINOModel, image: np.ndarray,
                    tie_margin: float = TIE_MARGIN) -> Dict[str, Any]:
    """The first sign layer where the export and torch (same image, batch 1) disagree.

    Args:
        model (nn.Module): The torch classifier (eval mode).
        net (OpenVINOModel): Its export.
        image (np.ndarray): One input ``(1, C, H, W)`` (the data preprocessor's output).
        tie_margin (float): A flipped sign with ``|x - t|`` below this is a tie.

    Returns:
        dict: ``layer`` (None if every sign agrees), ``flipped`` (signs that differ there),
        ``max_margin`` (the largest torch ``|x - t|`` among them), ``all_ties`` (every flipped
        sign a tie) and ``float64_agrees`` (flipped signs where the export sides with torch run
        in float64, whose rounding is far smaller than either FP32 computation's).

    Example:
        >>> flip = first_sign_flip(model, OpenVINOModel('out'), image)  # doctest: +SKIP
        >>> flip['layer'], flip['all_ties']  # doctest: +SKIP
        ('backbone.stages.3.0.spatial.sign', True)
    """
    inputs = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    with record_sign_margins(model) as margins:
        model(inputs, mode='tensor')
        margins = dict(margins)
    double = copy.deepcopy(model).double()
    with record_sign_margins(double) as margins64:
        double(inputs.double(), mode='tensor')
        margins64 = dict(margins64)
    codes = exported_sign_codes(net, image)
    for layer, margin in margins.items():
        if layer not in codes:
            continue
        torch_codes = (margin >= 0).numpy()
        flipped = torch_codes != codes[layer].astype(bool)
        if flipped.any():
            gaps = margin.abs().numpy()[flipped]
            side64 = (margins64[layer] >= 0).numpy()[flipped]
            return dict(layer=layer, flipped=int(flipped.sum()), max_margin=float(gaps.max()),
                        all_ties=bool((gaps < tie_margin).all()),
                        float64_agrees=int((side64 == codes[layer].astype(bool)[flipped]).sum()))
    return dict(layer=None, flipped=0, max_margin=0.0, all_ties=False, float64_agrees=0)
