"""Hooks used only by the tool tests (imported through a config's custom_imports)."""
import os
import os.path as osp
import signal

import torch
from mmengine.fileio import register_backend
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from mmltbin.fileio import AtomicLocalBackend


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILL the training process after iteration ``kill_iter`` (a crash, not an exit)."""

    def __init__(self, kill_iter: int) -> None:
        self.kill_iter = kill_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 == self.kill_iter:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class DumpRankWeightsHook(Hook):
    """Save every rank's final weights to ``work_dir/rank{R}.pth``."""

    def after_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        torch.save(model.state_dict(), osp.join(runner.work_dir, f'rank{runner.rank}.pth'))


@HOOKS.register_module()
class DumpTeacherCacheHook(Hook):
    """Save every rank's teacher-output cache, as filled before training, to
    ``work_dir/cache_rank{R}.pth`` (keys, features, logits)."""

    priority = 'LOWEST'  # after TeacherCachePrefillHook

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        keys = model.teacher_cache.keys()
        feats, logits = model.teacher_cache.get(keys)
        torch.save(dict(keys=keys, feats=feats, logits=logits),
                   osp.join(runner.work_dir, f'cache_rank{runner.rank}.pth'))


@HOOKS.register_module()
class KillInPrefillHook(Hook):
    """SIGKILL the process while TeacherCachePrefillHook fills the cache, after ``batches``
    teacher batches (runs first in before_train and counts the model's cache fills)."""

    priority = 'NORMAL'  # before TeacherCachePrefillHook ('BELOW_NORMAL')

    def __init__(self, batches: int = 2) -> None:
        self.batches = batches

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        fill, calls = model.fill_teacher_cache, []

        def counted(*args, **kwargs):
            calls.append(1)
            if len(calls) > self.batches:
                os.kill(os.getpid(), signal.SIGKILL)
            return fill(*args, **kwargs)

        model.fill_teacher_cache = counted


class KillingAtomicBackend(AtomicLocalBackend):
    """The atomic checkpoint backend, SIGKILLed half-way through its ``kill_at``-th write."""

    def __init__(self, kill_at: int = 1) -> None:
        self.kill_at = kill_at
        self.writes = 0

    def write_bytes(self, f, data: bytes) -> None:
        self.writes += 1
        if self.writes == self.kill_at:
            f.write(data[:len(data) // 2])
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        f.write(data)


register_backend('killing_atomic_local', KillingAtomicBackend, force=True)
