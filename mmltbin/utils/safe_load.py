"""Checkpoint loading that never runs code from the file.

torch >= 2.6 loads with ``weights_only=True`` by default, but mmengine 0.10's own checkpoints
hold a few plain-data objects (message-hub history buffers, numpy scalars and arrays) that the
restricted unpickler refuses, so resuming a run fails. Turning safety off for every load
(``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``) would let any third-party file execute code.

Instead, importing mmltbin makes three changes, each through an extension point its owner
documents (the list, with the reasons, is in ``docs/architecture.md``):

1. ``torch.serialization.add_safe_globals``: exactly those data types are allow-listed.
2. ``copyreg.pickle(HistoryBuffer, ...)``: a history buffer is pickled without its statistics
   functions (mmengine's ``__getstate__`` adds them, pickled as
   ``getattr(HistoryBuffer, 'min')``, a call the safe unpickler rightly refuses; they are
   class-level registrations that every import restores). mmengine's class is not modified.
3. ``CheckpointLoader.register_scheme``: mmengine's loaders for local paths and http(s) URLs
   are replaced by ones that pass ``weights_only=True`` explicitly, so every load
   (``load_from``, ``resume``, ``init_cfg=dict(type='Pretrained')``, teacher checkpoints) stays
   safe whatever torch's default and raises :class:`UnsafeCheckpointError` naming the file and
   the offending global.
"""
import copyreg
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


def _reduce_history_buffer(buffer: HistoryBuffer) -> tuple:
    """Pickle a ``HistoryBuffer`` as its class and plain data (no statistics functions).

    The same opcodes as pickling's default for the class (``copyreg.__newobj__``, then the
    state), so ``HistoryBuffer.__setstate__`` restores it as before.
    """
    state = {k: v for k, v in buffer.__dict__.items() if k != 'statistics_methods'}
    return copyreg.__newobj__, (type(buffer), ), state


def register_safe_checkpoint_loading() -> None:
    """Allow-list mmengine's plain-data checkpoint objects and install the safe loaders.

    Called once when :mod:`mmltbin` is imported. Idempotent.

    Example:
        >>> import mmltbin  # registers the loader
        >>> from mmengine.runner.checkpoint import CheckpointLoader
        >>> CheckpointLoader._schemes['']  # doctest: +ELLIPSIS
        <function load_from_local_safely ...>
    """
    torch.serialization.add_safe_globals([HistoryBuffer, *_numpy_safe_globals()])
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_safely, force=True)
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://'),
                                     loader=load_from_url_safely, force=True)


def producing_command(filename: str) -> Optional[str]:
    """The command that writes ``filename`` when it is a checkpoint of one of mmltbin's configs
    trained with the default work folder (``work_dirs/<config name>/epoch_<N>.pth``).

    Example:
        >>> producing_command('work_dirs/calibrate_effnet-lite0_fashion-mnist-lt/epoch_30.pth')
        'python tools/train.py configs/ltbin/calibrate_effnet-lite0_fashion-mnist-lt.py'
        >>> producing_command('elsewhere/model.pth') is None
        True
    """
    parts = osp.normpath(filename).split(os.sep)
    if len(parts) < 3 or parts[-3] != 'work_dirs' or not parts[-1].startswith('epoch_'):
        return None
    from .cli import find_config  # the configs mmltbin ships, by name
    try:
        config = find_config(parts[-2] + '.py')
    except FileNotFoundError:
        return None
    # as typed in the repository (the installed package links the same configs/ tree)
    inside = config.rsplit(os.sep + 'configs' + os.sep, 1)
    return f'python tools/train.py configs/{inside[1]}' if len(inside) == 2 else \
        f'python tools/train.py {config}'


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
        command = producing_command(filename)
        raise FileNotFoundError(f'checkpoint file "{filename}" does not exist'
                                + (f'; it is written by `{command}`' if command else ''))
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
