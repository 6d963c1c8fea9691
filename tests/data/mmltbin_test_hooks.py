"""Hooks used only by the tool tests (imported through a config's custom_imports)."""
import os
import os.path as osp
import signal

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS


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
