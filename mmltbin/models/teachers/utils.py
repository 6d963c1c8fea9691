"""Small helpers shared by the frozen teacher and the linear-probe calibration classifier."""
import os.path as osp
import re
from typing import ContextManager, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from torch import Tensor, nn

from mmltbin.utils import UnsafeCheckpointError, download_checkpoint, load_checkpoint_safely

#: One batch, or several views of the same batch (a list/tuple, or a dict such as
#: ``{'96': x96, '64': x64}``). Every view is an ``N x C x H x W`` tensor.
Views = Union[Tensor, Sequence[Tensor], Mapping[str, Tensor]]

#: ``(pattern, replacement)`` pairs applied with :func:`re.sub` to every checkpoint key.
ReviseKeys = Sequence[Tuple[str, str]]


def as_views(inputs: Views, owner: str) -> List[Tensor]:
    """Return the views of ``inputs`` as a non-empty list of 4-D tensors.

    Args:
        inputs: A tensor, a sequence of tensors or a mapping of name to tensor.
        owner (str): Name used in error messages (the component receiving ``inputs``).

    Returns:
        list[Tensor]: The views, in the given order (insertion order for a mapping).

    Example:
        >>> import torch
        >>> len(as_views({'32': torch.zeros(2, 3, 32, 32), '64': torch.zeros(2, 3, 64, 64)}, 'x'))
        2
    """
    if isinstance(inputs, Tensor):
        views = [inputs]
    elif isinstance(inputs, Mapping):
        views = list(inputs.values())
    elif isinstance(inputs, Sequence) and not isinstance(inputs, str):
        views = list(inputs)
    else:
        raise TypeError(f'{owner}: inputs must be a tensor, a list of tensors or a dict of '
                        f'tensors (one per view), got {type(inputs).__name__}')
    if not views:
        raise ValueError(f'{owner}: got an empty list/dict of input views')
    batch = None
    for view in views:
        if not isinstance(view, Tensor) or view.dim() != 4:
            shape = tuple(view.shape) if isinstance(view, Tensor) else type(view).__name__
            raise ValueError(f'{owner}: every input view must be an N x C x H x W tensor, '
                             f'got {shape}')
        if batch is not None and view.shape[0] != batch:
            raise ValueError(f'{owner}: input views disagree on the batch size '
                             f'({[v.shape[0] for v in views]})')
        batch = view.shape[0]
    return views


def mmpretrain_scope() -> ContextManager:
    """mmpretrain's default scope, unless one is set already (a runner sets it).

    Outside a runner no default scope is set, and mmengine would look nested types such as a
    classifier's ``data_preprocessor=dict(type='ClsDataPreprocessor')`` up in its own registry.
    """
    scope = None if DefaultScope.get_current_instance() is not None else 'mmpretrain'
    return DefaultScope.overwrite_default_scope(scope)


def build_in_mmpretrain_scope(cfg: dict) -> nn.Module:
    """Build a model config with MODELS under :func:`mmpretrain_scope`."""
    with mmpretrain_scope():
        return MODELS.build(cfg)


def check_resolutions(resolutions: Optional[Sequence[int]],
                      owner: str) -> Optional[Tuple[int, ...]]:
    """Validate a list of input resolutions (``None`` means "use the inputs as they are").

    Example:
        >>> check_resolutions([32, 64, 96], 'probe')
        (32, 64, 96)
    """
    if resolutions is None:
        return None
    if isinstance(resolutions, int):
        resolutions = (resolutions, )
    resolutions = tuple(resolutions)
    if not resolutions:
        raise ValueError(f'{owner}: resolutions is empty; give at least one size in pixels '
                         'or None to use the inputs unchanged')
    for size in resolutions:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f'{owner}: every resolution must be a positive int, '
                             f'got {resolutions}')
    return resolutions


def resize_shorter_side(x: Tensor, size: int, mode: str = 'bilinear') -> Tensor:
    """Resize a batch so that its shorter side is ``size`` (square inputs become size x size).

    Bilinear/bicubic resizing uses ``align_corners=False`` and anti-aliasing when shrinking.

    Example:
        >>> import torch
        >>> resize_shorter_side(torch.zeros(2, 3, 32, 48), 64).shape
        torch.Size([2, 3, 64, 96])
    """
    height, width = x.shape[-2:]
    short = min(height, width)
    if short == size:
        return x
    out = (size, size) if height == width else (round(height * size / short),
                                                 round(width * size / short))
    kwargs = {}
    if mode in ('bilinear', 'bicubic'):
        kwargs = dict(align_corners=False, antialias=size < short)
    return F.interpolate(x, size=out, mode=mode, **kwargs)


def load_state_dict_file(filename: str, revise_keys: ReviseKeys = (),
                         owner: str = 'checkpoint') -> Tuple[Dict[str, Tensor], dict]:
    """Read a checkpoint safely and return ``(state_dict, meta)``.

    Local paths and http(s) URLs (downloaded to torch's hub cache) are both loaded with
    ``weights_only=True`` (:func:`mmltbin.utils.load_checkpoint_safely`). The state dict is the
    file's ``'state_dict'`` (mmengine) or ``'model'`` entry, or the file itself when it is a plain
    mapping of tensors. ``revise_keys`` rewrites its keys.

    Raises:
        FileNotFoundError: No such file.
        UnsafeCheckpointError: The file holds pickled code.
        ValueError: The file holds no state dict.

    Example:
        >>> import tempfile, torch
        >>> path = tempfile.mktemp(suffix='.pth')
        >>> torch.save({'state_dict': {'module.fc.weight': torch.ones(1)}}, path)
        >>> sorted(load_state_dict_file(path, [(r'^module\\.', '')])[0])
        ['fc.weight']
    """
    if not isinstance(filename, str) or not filename:
        raise ValueError(f'{owner}: the checkpoint must be a file path or URL, got {filename!r}')
    path = download_checkpoint(filename) if re.match(r'^https?://', filename) else filename
    if not osp.isfile(osp.expanduser(path)):
        raise FileNotFoundError(f'{owner}: checkpoint file "{filename}" does not exist')
    try:
        ckpt = load_checkpoint_safely(path, map_location='cpu')
    except (UnsafeCheckpointError, FileNotFoundError):
        raise
    except Exception as err:  # truncated or not a torch file: pickle/zip errors of all kinds
        raise ValueError(f'{owner}: cannot read checkpoint "{filename}" '
                         f'(not a torch checkpoint or truncated): {err}') from err
    meta = {}
    if isinstance(ckpt, Mapping) and isinstance(ckpt.get('state_dict'), Mapping):
        state_dict, meta = ckpt['state_dict'], ckpt.get('meta') or {}
    elif isinstance(ckpt, Mapping) and isinstance(ckpt.get('model'), Mapping):
        state_dict = ckpt['model']
    elif isinstance(ckpt, Mapping) and ckpt and all(isinstance(v, Tensor) for v in ckpt.values()):
        state_dict = ckpt
    else:
        raise ValueError(f'{owner}: checkpoint "{filename}" holds no state dict (expected a '
                         'mapping of tensors or a dict with a "state_dict" entry)')
    revised = {}
    for key, value in state_dict.items():
        for pattern, replacement in revise_keys:
            key = re.sub(pattern, replacement, key)
        revised[key] = value
    return revised, dict(meta)
