"""mmengine's CheckpointHook, with checkpoints that a crash cannot leave half-written."""
import glob
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional

from mmengine.hooks import CheckpointHook
from mmpretrain.registry import HOOKS

from ...fileio.atomic_local_backend import BACKEND_NAME, atomic_write

LAST_CHECKPOINT = 'last_checkpoint'


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` file (its zip directory, written last, reads).

    Example:
        >>> is_complete_checkpoint('no/such/epoch_3.pth')
        False
    """
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return bool(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _step_of(path: str) -> int:
    found = re.search(r'(\d+)\.pth$', path)
    return int(found.group(1)) if found else -1


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that writes every checkpoint atomically and repairs ``last_checkpoint``.

    Checkpoints go through mmengine's file-backend extension point: unless ``backend_args``
    (or ``file_client_args``) name another backend, they are written with
    :class:`~mmltbin.fileio.AtomicLocalBackend` (temporary file in the same folder, ``fsync``,
    ``os.replace``), so a process killed while saving leaves the previous checkpoint intact and
    never a truncated ``epoch_N.pth``.

    mmengine writes the small ``last_checkpoint`` file (which ``--resume auto`` follows) in
    place, after the checkpoint. Before the run (and so before mmengine resumes), this hook
    checks it: when it is empty or names a missing or incomplete file, it is rewritten
    (atomically) to name the newest complete checkpoint beside it, with a warning; leftover
    temporary files of an interrupted save are removed.

    Args:
        **kwargs: ``CheckpointHook``'s arguments. ``max_keep_ckpts=1`` is refused: mmengine
            deletes the old checkpoint before writing the new one, so a crash in between would
            leave none.

    Example:
        >>> default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=1,
        ...                                      max_keep_ckpts=2, save_last=True))
    """

    def __init__(self, *args, backend_args: Optional[dict] = None,
                 file_client_args: Optional[dict] = None, **kwargs) -> None:
        if backend_args is None and file_client_args is None:
            backend_args = dict(backend=BACKEND_NAME)
        if kwargs.get('max_keep_ckpts') == 1:
            raise ValueError(
                'AtomicCheckpointHook: max_keep_ckpts=1 deletes the only checkpoint before the '
                'next one is written, so a crash in between leaves nothing to resume from; set '
                'default_hooks.checkpoint.max_keep_ckpts to 2 or more (or -1: keep all)')
        super().__init__(*args, backend_args=backend_args, file_client_args=file_client_args,
                         **kwargs)

    def before_run(self, runner) -> None:
        super().before_run(runner)
        self.repair_last_checkpoint(runner.work_dir, runner.logger)

    @staticmethod
    def repair_last_checkpoint(work_dir: str, logger=None) -> Optional[str]:
        """Make ``work_dir/last_checkpoint`` name a complete checkpoint, if there is one.

        Returns:
            str | None: The checkpoint it names afterwards (None: no complete one).
        """
        pointer = osp.join(work_dir, LAST_CHECKPOINT)
        folders = {work_dir}
        named = ''
        if osp.isfile(pointer):
            with open(pointer) as f:
                named = f.read().strip()
            if named:
                folders.add(osp.dirname(named) or work_dir)
        for folder in folders:  # temporary files of a save that was interrupted
            for tmp in glob.glob(osp.join(folder, '.*.tmp')):
                os.remove(tmp)
        if not osp.isfile(pointer) or '://' in named or is_complete_checkpoint(named):
            return named or None
        candidates: List[str] = sorted(
            (p for folder in folders for p in glob.glob(osp.join(folder, '*.pth'))
             if is_complete_checkpoint(p)), key=lambda p: (_step_of(p), osp.getmtime(p)))
        if not candidates:
            os.remove(pointer)
            message = (f'AtomicCheckpointHook: {pointer} names "{named}", which is missing or '
                       'incomplete, and no complete checkpoint is beside it; removed it, so '
                       '`--resume auto` starts from scratch')
            newest = None
        else:
            newest = candidates[-1]
            atomic_write(newest.encode(), pointer)
            message = (f'AtomicCheckpointHook: {pointer} named "{named}", which is missing or '
                       f'incomplete; it now names the newest complete checkpoint, {newest}')
        if logger is not None:
            logger.warning(message)
        return newest


__all__ = ['AtomicCheckpointHook', 'is_complete_checkpoint']
