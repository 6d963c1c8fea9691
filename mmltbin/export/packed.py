"""Packed 1-bit export of binary networks, and loading it back.

A packed file is an uncompressed numpy ``.npz`` archive (read with ``allow_pickle=False``, so
loading never runs code from the file) of a few flat arrays:

* ``bits`` (uint8): the weight signs of every :class:`~mmltbin.models.layers.BinaryConv2d`,
  ``numpy.packbits`` of ``weight >= 0`` (row-major over ``(out, in, kh, kw)``), one layer after
  the other, each starting on a byte boundary: 1 bit per binary weight;
* ``scales`` (float32): their per-output-channel scales ``mean |W|``, layer after layer;
* ``real.<dtype>`` (e.g. ``real.float32``, ``real.int64``): every other state-dict entry
  (real-valued parameters and buffers) flattened and concatenated by stored dtype; with
  ``fp16=True`` the weights and biases of the real convolutions and linear layers (the stem,
  the downsampling shortcuts, the classifier) are stored as ``float16`` and read back as their
  original dtype (a lossy option: the loaded model is then close to, not equal to, the
  original). Norms, thresholds, RPReLU parameters and scales stay as they are;
* ``__meta__`` (uint8): a UTF-8 JSON index: format version, each binary layer's name, shape
  and offsets, each real entry's key, dtype, shape and offset, and (when given) the model
  config, so the file rebuilds its model alone.

One array per kind instead of one per tensor keeps the archive's per-entry headers (about 250
bytes each) from outweighing the bits of small models.

Loading sets each binary conv's latent weight to its signs (+-1) and its ``fixed_scale`` buffer
to the stored scales. The loaded model therefore convolves with exactly the binary weights of
the original (``sign(W) * mean|W|``, computed once at export), and its outputs equal the
original's. A loaded model is for inference or fine-tuning with frozen scales.
"""
import io
import json
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn as nn

from mmltbin.models.layers import BinaryConv2d

FORMAT = 'mmltbin-packed-v1'
META_KEY = '__meta__'
BITS_KEY = 'bits'
SCALES_KEY = 'scales'
REAL_PREFIX = 'real.'


def sign_bits(weight: torch.Tensor, bitorder: str = 'big') -> np.ndarray:
    """The signs of ``weight`` (bit 1 <=> value >= 0), row-major, packed 8 to a byte.

    Args:
        weight (Tensor): Latent weights of a binary layer.
        bitorder (str): ``'big'`` (numpy's default, this format's) or ``'little'`` (the first
            element in the lowest bit, as OpenVINO's 1-bit constants).

    Example:
        >>> sign_bits(torch.tensor([1., -1, -1, -1, -1, -1, -1, -1])).tolist()
        [128]
    """
    return np.packbits(weight.detach().cpu().numpy().reshape(-1) >= 0, bitorder=bitorder)


def _fp16_keys(model: nn.Module) -> set:
    """State-dict keys of the real convolutions' and linear layers' weights and biases."""
    keys = set()
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)) and not isinstance(module, BinaryConv2d):
            keys.update(_key(name, attr) for attr, p in module.named_parameters(recurse=False)
                        if p.is_floating_point())
    return keys


def _binary_convs(model: nn.Module) -> Dict[str, BinaryConv2d]:
    return {name: m for name, m in model.named_modules() if isinstance(m, BinaryConv2d)}


def _key(module_name: str, attr: str) -> str:
    return f'{module_name}.{attr}' if module_name else attr


def _plain(cfg):
    """ConfigDict / tuples -> plain dicts and lists."""
    if hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()
    if isinstance(cfg, dict):
        return {str(k): _plain(v) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return [_plain(v) for v in cfg]
    return cfg


def pack_model(model: nn.Module, model_cfg: Optional[dict] = None,
               fp16: bool = False) -> Dict[str, np.ndarray]:
    """Pack ``model`` into numpy arrays (see the module docstring for the layout).

    Args:
        model (nn.Module): Any model; its :class:`BinaryConv2d` layers are packed.
        model_cfg (dict, optional): The config that builds ``model`` (mmpretrain ``MODELS``),
            stored so :func:`load_packed` can rebuild the model from the file alone. Must be
            JSON-serialisable.
        fp16 (bool): Store the real convolutions' and linear layers' weights and biases as
            float16 (lossy). Defaults to False.

    Returns:
        dict[str, np.ndarray]: The arrays of the archive.

    Example:
        >>> from mmltbin.models.layers import BinaryConv2d
        >>> arrays = pack_model(BinaryConv2d(16, 8, 3))
        >>> arrays['bits'].dtype, arrays['bits'].size  # 8*16*9 weights, 1 bit each
        (dtype('uint8'), 144)
    """
    convs = _binary_convs(model)
    if not convs:
        raise ValueError(f'pack_model: {type(model).__name__} has no BinaryConv2d layer to pack')
    bits: List[np.ndarray] = []
    scales: List[np.ndarray] = []
    binary_meta, packed_keys = [], set()
    bit_offset = scale_offset = 0
    with torch.no_grad():
        for name, conv in convs.items():
            weight = conv.weight.detach().cpu()
            layer_bits = sign_bits(weight)
            layer_scale = conv.weight_scale().detach().cpu().to(torch.float32).numpy().reshape(-1)
            binary_meta.append(dict(name=name, shape=list(weight.shape), bits=bit_offset,
                                    scales=scale_offset))
            bits.append(layer_bits)
            scales.append(layer_scale)
            bit_offset += layer_bits.size
            scale_offset += layer_scale.size
            packed_keys.update({_key(name, 'weight'), _key(name, 'fixed_scale')})

        real_meta, real_parts = [], {}
        half_keys = _fp16_keys(model) if fp16 else set()
        for key, value in model.state_dict().items():
            if key in packed_keys:
                continue
            array = value.detach().cpu().numpy()
            entry = dict(key=key, dtype=array.dtype.name, shape=list(array.shape))
            if key in half_keys:
                array = array.astype(np.float16)
                entry['stored'] = array.dtype.name
            parts = real_parts.setdefault(array.dtype.name, [])
            entry['offset'] = sum(p.size for p in parts)
            real_meta.append(entry)
            parts.append(array.reshape(-1))

    meta = dict(format=FORMAT, binary=binary_meta, real=real_meta)
    if model_cfg is not None:
        try:
            meta['model_cfg'] = json.loads(json.dumps(_plain(model_cfg)))
        except TypeError as err:
            raise TypeError(f'pack_model: model_cfg is not JSON-serialisable ({err}); pass '
                            'model_cfg=None and give the config to load_packed instead') from err
    arrays = {
        META_KEY: np.frombuffer(json.dumps(meta).encode('utf-8'), dtype=np.uint8),
        BITS_KEY: np.concatenate(bits),
        SCALES_KEY: np.concatenate(scales),
    }
    for dtype, parts in real_parts.items():
        arrays[REAL_PREFIX + dtype] = np.concatenate(parts)
    return arrays


def export_packed(model: nn.Module, path: str, model_cfg: Optional[dict] = None,
                  fp16: bool = False) -> int:
    """Write ``model`` as a packed ``.npz`` file and return its size in bytes.

    Args:
        model (nn.Module): The binary model.
        path (str): Output file, ending with ``.npz``.
        model_cfg (dict, optional): Config that builds the model, stored in the file.
        fp16 (bool): Real convolutions and linear layers in float16 (see :func:`pack_model`).

    Example:
        >>> import tempfile
        >>> from mmltbin.models.backbones import ReActNet
        >>> path = tempfile.mktemp(suffix='.npz')
        >>> export_packed(ReActNet(widen_factor=0.25), path) > 0
        True
    """
    if not path.endswith('.npz'):
        raise ValueError(f'export_packed: the output file must end with .npz, got "{path}"')
    arrays = pack_model(model, model_cfg, fp16=fp16)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    np.savez(path, **arrays)
    return osp.getsize(path)


def read_packed(path: str) -> Dict[str, np.ndarray]:
    """Read a packed file's arrays (``allow_pickle=False``); ``__meta__`` comes back parsed."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'packed model file "{path}" does not exist')
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    if META_KEY not in arrays:
        raise ValueError(f'"{path}" is not an mmltbin packed model (no {META_KEY} entry)')
    meta = json.loads(arrays[META_KEY].tobytes().decode('utf-8'))
    if meta.get('format') != FORMAT:
        raise ValueError(f'"{path}": unsupported packed format {meta.get("format")!r}, '
                         f'expected {FORMAT!r}')
    arrays[META_KEY] = meta
    return arrays


def unpack_state_dict(arrays: Dict[str, np.ndarray]) -> Dict[str, torch.Tensor]:
    """The state dict of the equivalent model: signs (+-1) as weights, plus ``fixed_scale``."""
    meta = arrays[META_KEY]
    state_dict = {}
    for layer in meta['binary']:
        shape = tuple(layer['shape'])
        count, out_channels = int(np.prod(shape)), shape[0]
        nbytes = -(-count // 8)
        bits = np.unpackbits(arrays[BITS_KEY][layer['bits']:layer['bits'] + nbytes], count=count)
        signs = bits.astype(np.float32) * 2 - 1
        scale = arrays[SCALES_KEY][layer['scales']:layer['scales'] + out_channels]
        state_dict[_key(layer['name'], 'weight')] = torch.from_numpy(signs.reshape(shape))
        state_dict[_key(layer['name'], 'fixed_scale')] = \
            torch.from_numpy(scale.astype(np.float32).reshape(-1, 1, 1, 1))
    for entry in meta['real']:
        size = int(np.prod(entry['shape']))
        stored = arrays[REAL_PREFIX + entry.get('stored', entry['dtype'])]
        flat = stored[entry['offset']:entry['offset'] + size].astype(entry['dtype'])
        state_dict[entry['key']] = torch.from_numpy(flat.reshape(entry['shape']))
    return state_dict


def load_packed(path: str, model: Optional[nn.Module] = None,
                model_cfg: Optional[dict] = None) -> nn.Module:
    """Load a packed file into an equivalent model.

    Args:
        path (str): The ``.npz`` written by :func:`export_packed`.
        model (nn.Module, optional): A model of the same architecture to load into. When
            omitted it is built from ``model_cfg``, or else from the config stored in the file.
        model_cfg (dict, optional): Config to build the model (mmpretrain ``MODELS``).

    Returns:
        nn.Module: The model in eval mode, binary convs holding +-1 weights and fixed scales.

    Example:
        >>> import tempfile, torch
        >>> from mmltbin.models.backbones import ReActNet
        >>> net = ReActNet(widen_factor=0.25, stem_stride=1).eval()
        >>> path = tempfile.mktemp(suffix='.npz')
        >>> _ = export_packed(net, path)
        >>> loaded = load_packed(path, ReActNet(widen_factor=0.25, stem_stride=1))
        >>> x = torch.randn(2, 3, 32, 32)
        >>> torch.equal(net(x)[0], loaded(x)[0])
        True
    """
    arrays = read_packed(path)
    if model is None:
        cfg = model_cfg if model_cfg is not None else arrays[META_KEY].get('model_cfg')
        if cfg is None:
            raise ValueError(f'load_packed: "{path}" stores no model config; pass model= or '
                             'model_cfg=')
        from mmengine.registry import init_default_scope
        from mmpretrain.registry import MODELS
        init_default_scope('mmpretrain')
        model = MODELS.build(cfg)
    convs = set(_binary_convs(model))
    stored = {layer['name'] for layer in arrays[META_KEY]['binary']}
    if convs != stored:
        raise ValueError(f'load_packed: the model\'s binary layers do not match "{path}": '
                         f'missing in file {sorted(convs - stored)}, '
                         f'unknown to model {sorted(stored - convs)}')
    # BinaryConv2d accepts the fixed_scale entries while loading
    model.load_state_dict(unpack_state_dict(arrays), strict=True)
    return model.eval()


def packed_to_checkpoint(path: str, out: str) -> None:
    """Unpack to a plain ``{'state_dict': ..., 'meta': ...}`` checkpoint for tools/test.py.

    The state dict holds +-1 latent weights and ``fixed_scale`` buffers; mmltbin's
    :class:`BinaryConv2d` accepts them when the checkpoint is loaded (``load_from``,
    ``tools/test.py``), and the outputs equal the original model's.
    """
    arrays = read_packed(path)
    torch.save(dict(state_dict=unpack_state_dict(arrays),
                    meta=dict(packed_from=osp.basename(path))), out)


def packed_floor_bytes(model: nn.Module, fp16: bool = False) -> int:
    """The least a file of ``model``'s weights can take: what :func:`pack_model` stores, bare.

    One bit per binary weight (rounded up to a byte per layer), a float32 scale per binary
    output channel, and every other state-dict entry at its stored width (float16 for the real
    convolutions and linear layers with ``fp16``). A packed file's size minus this floor is its
    format overhead (archive headers and the JSON index).

    Example:
        >>> packed_floor_bytes(BinaryConv2d(16, 8, 3))  # 1152 bits + 8 float32 scales
        176
    """
    convs = _binary_convs(model)
    packed_keys = {_key(name, attr) for name in convs for attr in ('weight', 'fixed_scale')}
    half_keys = _fp16_keys(model) if fp16 else set()
    total = sum(-(-conv.weight.numel() // 8) + 4 * conv.out_channels for conv in convs.values())
    for key, value in model.state_dict().items():
        if key not in packed_keys:
            total += value.numel() * (2 if key in half_keys else value.element_size())
    return total


def state_dict_bytes(model: nn.Module) -> int:
    """Size in bytes of ``torch.save(model.state_dict())`` (the FP32 checkpoint to compare)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes
