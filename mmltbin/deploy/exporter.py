"""Export a trained binary classifier (config + checkpoint) as an OpenVINO model folder.

A folder holds ``model.xml`` / ``model.bin`` (the graph of :mod:`mmltbin.deploy.graph`: input
``input``, the data preprocessor's output ``(N, C, H, W)``; output ``logits``) and
``deploy.json`` (what was exported, from what, and its size against the FP32 weights).
"""
import io
import json
import os
import os.path as osp
from typing import Any, Dict, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config

from mmltbin.export.verify import model_config
from mmltbin.models.layers import BinaryConv2d
from mmltbin.utils import load_checkpoint_safely
from .graph import build_openvino_model

FORMAT = 'mmltbin-openvino-v1'
INFERENCE_PARTS = ('backbone', 'neck', 'head')


def _inference_state(model: nn.Module) -> Dict[str, torch.Tensor]:
    """The state dict of what ``mode='tensor'`` runs (a distiller's student, not its teacher)."""
    parts = [p for p in INFERENCE_PARTS if isinstance(getattr(model, p, None), nn.Module)]
    if not parts:
        return model.state_dict()
    return {f'{p}.{k}': v for p in parts for k, v in getattr(model, p).state_dict().items()}


def fp32_bytes(model: nn.Module) -> int:
    """Bytes of ``torch.save`` of the inference part's FP32 state dict (the checkpoint compared).

    Example:
        >>> fp32_bytes(nn.Linear(256, 10)) > 256 * 10 * 4
        True
    """
    buffer = io.BytesIO()
    torch.save(_inference_state(model), buffer)
    return buffer.getbuffer().nbytes


def load_classifier(config: str, checkpoint: str,
                    cfg_options: Optional[dict] = None) -> Tuple[nn.Module, Config]:
    """Build a config's model and load a checkpoint into it, as ``tools/test.py`` would.

    A ``CalibratedDistiller`` config with its checkpoint gives the distiller, whose inference
    forward is its student's; the export keeps the student alone. Every weight of the inference
    part (``backbone`` / ``neck`` / ``head``) must be in the checkpoint.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint file (``state_dict`` inside, or a bare state dict).
        cfg_options (dict, optional): Config overrides.

    Returns:
        tuple: The model in eval mode, and the config.

    Example:
        >>> model, cfg = load_classifier('configs/ltbin/reactnet_fashion-mnist-lt.py',
        ...                              'work_dirs/student/epoch_20.pth')  # doctest: +SKIP
    """
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file "{path}" does not exist')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = MODELS.build(model_config(cfg))
    ckpt = load_checkpoint_safely(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'export: "{checkpoint}" holds no state dict')
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    missing = model.load_state_dict(state, strict=False).missing_keys
    needed = [k for k in missing if k.split('.', 1)[0] in INFERENCE_PARTS]
    if needed:
        raise KeyError(f'export: "{checkpoint}" lacks {len(needed)} weights of the model in '
                       f'"{config}" (e.g. {needed[:3]}); is it a checkpoint of that config?')
    return model.eval(), cfg


def _preprocessing(model: nn.Module) -> Dict[str, Any]:
    pre = getattr(model, 'data_preprocessor', None)
    if pre is None or not getattr(pre, '_enable_normalize', False):
        return dict(normalize=False)
    return dict(normalize=True, mean=pre.mean.flatten().tolist(),
                std=pre.std.flatten().tolist(), to_rgb=bool(getattr(pre, '_channel_conversion',
                                                                     False)))


def export_openvino(model: nn.Module, out_dir: str, fp16: bool = False,
                    in_channels: Optional[int] = None,
                    source: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Write ``model``'s OpenVINO form to ``out_dir``; nothing is written if it cannot be built.

    Args:
        model (nn.Module): A binary classifier (see :func:`build_openvino_model`).
        out_dir (str): Output folder (created).
        fp16 (bool): Store the classifier's weights as float16; computed in FP32 after
            loading. Smaller, not exact. The 1-bit weights, the stem, thresholds and folded
            scales are unaffected. Defaults to False.
        in_channels (int, optional): Image channels; by default the first convolution's.
        source (dict, optional): Where the model came from (config, checkpoint), recorded.

    Returns:
        dict: What ``deploy.json`` holds: paths, sizes, the number of binary layers.

    Example:
        >>> from mmltbin.models.backbones import ReActNet
        >>> info = export_openvino(ReActNet(widen_factor=0.25).eval(), 'out')  # doctest: +SKIP
        >>> info['binary_layers']  # doctest: +SKIP
        26
    """
    graph = build_openvino_model(model, binary=True, in_channels=in_channels, fp16=fp16)
    from .backend import import_openvino
    ov, _ = import_openvino()
    os.makedirs(out_dir, exist_ok=True)
    xml = osp.join(out_dir, 'model.xml')
    ov.save_model(graph, xml, compress_to_fp16=False)  # fp16 is the builder's, per constant
    size = osp.getsize(xml) + osp.getsize(osp.splitext(xml)[0] + '.bin')
    reference = fp32_bytes(model)
    binary_weights = sum(m.weight.numel() for m in model.modules()
                         if isinstance(m, BinaryConv2d) and m.binary_inputs)
    info = dict(format=FORMAT, model='model.xml', input='input', output='logits',
                binary_layers=sum(op.get_type_name() == 'BinaryConvolution'
                                  for op in graph.get_ops()),
                binary_weights=binary_weights, fp16=fp16, bytes=size, fp32_bytes=reference,
                ratio=reference / size, preprocessing=_preprocessing(model),
                num_classes=int(graph.outputs[0].get_partial_shape()[1].get_length()),
                source=source or {}, openvino=ov.get_version())
    with open(osp.join(out_dir, 'deploy.json'), 'w', encoding='utf-8') as f:
        json.dump(info, f, indent=2)
    return info


def read_deploy_info(out_dir: str) -> Dict[str, Any]:
    """``deploy.json`` of an exported folder."""
    path = osp.join(out_dir, 'deploy.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'"{out_dir}" is not an exported model folder (no deploy.json)')
    with open(path, encoding='utf-8') as f:
        info = json.load(f)
    if info.get('format') != FORMAT:
        raise ValueError(f'"{path}": unsupported format {info.get("format")!r}, expected '
                         f'{FORMAT!r}')
    return info
