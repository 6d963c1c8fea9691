"""Checkpoint loading that never runs code from the file.

torch >= 2.6 loads with ``weights_only=True`` by default, but mmengine's own checkpoints hold a
few plain-data objects (message-hub history buffers, numpy scalars and arrays) that the
restricted unpickler refuses, so resuming a run fails. Turning safety off for every load
(``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``) would let any third-party file execute code.

Instead mmltbin allow-lists exactly those data types, stops history buffers from pickling their
statistics functions (mmengine stores them as ``getattr(HistoryBuffer, 'min')``, a call the safe
unpickler rightly refuses; they are class-level registrations that every import restores), and
re-registers mmengine's local-file
loader so that every load (``load_from``, ``resume``, ``init_cfg=dict(type='Pretrained')``,
teacher checkpoints) stays ``weights_only=True`` and a refused file raises
:class:`UnsafeCheckpointError` naming the file and the offending global.
"""
import os
import os.path as osp
import pickle
from typing import Any, Callable, Optional, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

MapLocation = Optional[Union[str, torch.device, Callable]]


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint asked the unpickler for something that is not plain data."""


def _numpy_safe_globals() -> list:
    """numpy objects that mmengine writes into checkpoints (scalars, arrays, dtypes)."""
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
        np.uint64, np.float16, np.float32, np.float64)]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


def _history_buffer_state(self: HistoryBuffer) -> dict:
    """``HistoryBuffer.__getstate__`` without the statistics functions (plain data only)."""
    return {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}


def register_safe_checkpoint_loading() -> None:
    """Allow-list mmengine's plain-data checkpoint objects and install the safe local loader.

    Called once when :mod:`mmltbin` is imported. Idempotent.

    Example:
        >>> import mmltbin  # registers the loader
        >>> from mmengine.runner.checkpoint import CheckpointLoader
        >>> CheckpointLoader._schemes['']  # doctest: +ELLIPSIS
        <function load_from_local_safely ...>
    """
    torch.serialization.add_safe_globals([HistoryBuffer, *_numpy_safe_globals()])
    HistoryBuffer.__getstate__ = _history_buffer_state
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_safely, force=True)
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://'),
                                     loader=load_from_url_safely, force=True)


def load_checkpoint_safely(filename: str, map_location: MapLocation = 'cpu') -> Any:
    """Load a local checkpoint with ``weights_only=True`` and a clear error on refusal.

    Args:
        filename (str): Path of the checkpoint file.
        map_location: Passed to :func:`torch.load`. Defaults to ``'cpu'``.

    Returns:
        The unpickled object (usually a dict holding ``state_dict`` and ``meta``).

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        UnsafeCheckpointError: If the file holds pickled callables or other non-data objects.

    Example:
        >>> import tempfile, torch
        >>> from mmltbin.utils import load_checkpoint_safely
        >>> path = tempfile.mktemp(suffix='.pth')
        >>> torch.save({'state_dict': {'w': torch.ones(2)}}, path)
        >>> load_checkpoint_safely(path)['state_dict']['w']
        tensor([1., 1.])
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file "{filename}" does not exist')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        detail = str(err).strip().splitlines()
        reason = next((line for line in detail if 'Unsupported' in line or 'GLOBAL' in line),
                      detail[0] if detail else repr(err))
        raise UnsafeCheckpointError(
            f'refused to load checkpoint "{filename}": it is not plain weights '
            f'({reason.strip()}). mmltbin loads every checkpoint with weights_only=True so a '
            'file cannot run code on your machine. Re-save it as a plain state dict '
            '(torch.save(model.state_dict(), path)) from a source you trust.') from err


def download_checkpoint(url: str, model_dir: Optional[str] = None) -> str:
    """Download ``url`` once into torch's hub cache and return the local path.

    In a distributed run only local rank 0 downloads; the others wait at a barrier. Nothing is
    downloaded unless a user puts the URL in a config or on the command line.

    Args:
        url (str): ``http://`` or ``https://`` address of the file.
        model_dir (str, optional): Cache folder. Defaults to ``$TORCH_HOME/hub/checkpoints``.

    Returns:
        str: Path of the cached file.
    """
    from mmengine.dist import get_dist_info
    from torch.hub import download_url_to_file, get_dir
    from urllib.parse import urlparse

    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    path = osp.join(model_dir, osp.basename(urlparse(url).path) or 'checkpoint.pth')
    rank, world_size = get_dist_info()
    if int(os.environ.get('LOCAL_RANK', rank)) == 0 and not osp.isfile(path):
        download_url_to_file(url, path, progress=False)
    if world_size > 1:
        torch.distributed.barrier()
    return path


def load_from_url_safely(filename: str, map_location: MapLocation = None,
                         model_dir: Optional[str] = None) -> Any:
    """mmengine ``CheckpointLoader`` scheme for ``http(s)://``: download, then load safely.

    mmengine's own URL loader unpickles with ``weights_only=False``; this one never does.
    """
    return load_checkpoint_safely(download_checkpoint(filename, model_dir), map_location)


def load_from_local_safely(filename: str, map_location: MapLocation = None) -> Any:
    """mmengine ``CheckpointLoader`` scheme for local paths (prefix ``''``)."""
    return load_checkpoint_safely(filename, map_location=map_location)
