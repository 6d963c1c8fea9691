"""BatchNorm statistics re-estimated once, at the end of training, before the last checkpoint."""
from typing import Any, Iterable, List

from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from mmpretrain.engine.hooks import PreciseBNHook
from mmpretrain.engine.hooks.precise_bn_hook import update_bn_stats
from mmpretrain.registry import HOOKS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def training_bn_layers(model: nn.Module) -> List[_BatchNorm]:
    """The BatchNorm layers of ``model`` in training mode: the ones a re-estimation updates
    (frozen parts in eval mode, e.g. a distiller's teacher, are left out)."""
    return [m for m in model.modules() if isinstance(m, _BatchNorm) and m.training]


class _AsTrained(nn.Module):
    """``model`` seen by ``update_bn_stats`` with its data preprocessor in training mode, so
    the statistics come from the batches training normalised (Mixup / CutMix applied), not from
    clean images the weights never saw through BatchNorm in training."""

    def __init__(self, model: nn.Module, batch_augments: bool) -> None:
        super().__init__()
        self.model = model
        self.batch_augments = batch_augments

    def data_preprocessor(self, data: dict, training: bool = False) -> dict:
        return self.model.data_preprocessor(data, self.batch_augments)

    def forward(self, *args, **kwargs):
        return self.model(*args, **kwargs)


def reestimate_bn(model: nn.Module, loader: Iterable, num_samples: int,
                  batch_augments: bool = True, logger: Any = 'silent') -> None:
    """mmpretrain's ``update_bn_stats`` on ``model``'s BatchNorm layers in training mode, with
    the batches as training sees them (``batch_augments=False``: without the data
    preprocessor's batch augments, as mmpretrain's ``PreciseBNHook``)."""
    if is_model_wrapper(model):
        model = model.module
    update_bn_stats(_AsTrained(model, batch_augments), loader, num_samples, logger=logger)


@HOOKS.register_module()
class FinalPreciseBNHook(PreciseBNHook):
    """mmpretrain's ``PreciseBNHook``, run once: after the last training epoch (or iteration).

    BatchNorm running statistics are an exponential average over the last batches seen in
    training. They can end far from the statistics the final weights produce, and the evaluated
    model is then much worse than its weights (a binary network's signs make it sensitive to
    them; docs/backbones.md has measured cases). This hook re-estimates them from ``num_samples``
    training images (training pipeline and batch augments, model in training mode, no
    optimiser step; the mean of the per-batch statistics, as ``PreciseBNHook``, which feeds
    the batches without Mixup / CutMix) with the final weights. It runs before the
    ``CheckpointHook`` (priority ``'ABOVE_NORMAL'``), so the last checkpoint holds them.

    Unlike ``PreciseBNHook(interval=N)``, it needs no interval matched to the schedule: it
    runs at the last epoch whatever ``train_cfg.max_epochs`` is. Frozen parts of a model (a
    teacher in eval mode) are left alone: only BatchNorm layers in training mode are updated.
    Every shipped config turns it on (``configs/_base_/default_runtime.py``).

    Args:
        num_samples (int): Training images to estimate the statistics from (at most one pass
            over the training loader); 0 turns the hook off (``--cfg-options
            default_hooks.precise_bn.num_samples=0``). Defaults to 8192.

    Example:
        >>> # in a config (or --cfg-options default_hooks.precise_bn.type=FinalPreciseBNHook)
        >>> default_hooks = dict(precise_bn=dict(type='FinalPreciseBNHook', num_samples=8192))
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, num_samples: int = 8192) -> None:
        if num_samples < 0:
            raise ValueError(f'FinalPreciseBNHook: num_samples must be >= 0 (0: off), got '
                             f'{num_samples}')
        super().__init__(num_samples=max(num_samples, 1), interval=1)  # it asserts > 0
        self.num_samples = num_samples

    def _perform_precise_bn(self, runner) -> None:
        runner.logger.info(f'Re-estimating BatchNorm statistics on {self.num_samples} '
                           'training images')
        reestimate_bn(runner.model, runner.train_loop.dataloader, self.num_samples,
                      logger=runner.logger)

    def after_train_epoch(self, runner) -> None:
        if isinstance(runner.train_loop, EpochBasedTrainLoop) and \
                self.is_last_train_epoch(runner):
            self._run(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not isinstance(runner.train_loop, EpochBasedTrainLoop) and \
                self.is_last_train_iter(runner):
            self._run(runner)

    def _run(self, runner) -> None:
        """Re-estimate, unless no BatchNorm layer is in training mode (e.g. a linear probe on a
        frozen encoder): then there is nothing to do and no training image is read."""
        if self.num_samples and training_bn_layers(runner.model):
            self._perform_precise_bn(runner)
