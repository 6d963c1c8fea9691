"""Local files written atomically: a reader (or a resumed run) never sees half a file."""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Optional, Union

from mmengine.fileio import LocalBackend, register_backend

#: The name to give in ``backend_args=dict(backend=...)``.
BACKEND_NAME = 'atomic_local'


def atomic_write(data: bytes, filepath: Union[str, Path],
                 write: Optional[Callable[[BinaryIO, bytes], Any]] = None) -> None:
    """Write ``data`` to ``filepath`` so that it holds either its old content or all of ``data``.

    The bytes go to a temporary file in the same folder, are flushed to disk (``fsync``), and
    the file is renamed over ``filepath`` (``os.replace``, atomic on POSIX and Windows); the
    folder is synced so the rename survives a power cut. A process killed at any point leaves
    the old file (and at most a ``.tmp`` file beside it).

    Args:
        data (bytes): The new content.
        filepath (str | Path): The file to replace.
        write (callable, optional): ``write(file, data)`` instead of ``file.write(data)``.

    Example:
        >>> import tempfile, os.path as osp
        >>> path = osp.join(tempfile.mkdtemp(), 'last_checkpoint')
        >>> atomic_write(b'epoch_2.pth', path)
        >>> open(path, 'rb').read()
        b'epoch_2.pth'
    """
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{osp.basename(filepath)}.',
                               suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            (write or _write_all)(f, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    if hasattr(os, 'O_DIRECTORY'):  # POSIX: make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _write_all(f: BinaryIO, data: bytes) -> None:
    f.write(data)


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` / ``put_text`` write atomically.

    Registered as mmengine file backend ``'atomic_local'``; ``AtomicCheckpointHook`` saves
    checkpoints through it. Everything else (reading, listing, removing) is ``LocalBackend``'s.

    Example:
        >>> from mmengine.fileio import get_file_backend
        >>> backend = get_file_backend('work_dirs', backend_args=dict(backend='atomic_local'))
        >>> type(backend).__name__
        'AtomicLocalBackend'
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, filepath, write=self.write_bytes)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write(obj.encode(encoding), filepath, write=self.write_bytes)

    def write_bytes(self, f: BinaryIO, data: bytes) -> None:
        """Write ``data`` to the open temporary file (a subclass may write differently)."""
        f.write(data)


register_backend(BACKEND_NAME, AtomicLocalBackend, force=True)

__all__ = ['AtomicLocalBackend', 'BACKEND_NAME', 'atomic_write']
