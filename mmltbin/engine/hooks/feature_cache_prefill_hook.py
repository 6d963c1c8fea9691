"""Compute the calibration's frozen features before training, with progress and an ETA."""
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...models.classifiers import LinearProbeClassifier
from ...utils.checks import check_int, unwrap_model
from .prefill import prefill


@HOOKS.register_module()
class FeatureCachePrefillHook(Hook):
    """Fill a :class:`~mmltbin.models.classifiers.LinearProbeClassifier`'s feature cache before
    the first epoch.

    With ``cache_features=True`` the frozen encoder runs once per training image and every
    later epoch trains the head on memoised features. Left to the first epoch, that pass makes
    the first iterations tens of times slower than the rest: nothing is logged until the epoch's
    first log line, and mmengine's ETA, extrapolated from those iterations, is far too long.
    This hook makes the pass before training, in batches of ``batch_size``, logging progress
    and an ETA measured on the pass itself, so the training iterations (and their ETA) are the
    cheap ones from the first. With several processes each computes a share and they exchange
    them. It draws no random numbers; results are unchanged. The training
    pipeline must be deterministic (the calibration configs use the test pipeline), else the
    stored features never match and training recomputes them: the hook then warns.

    Args:
        batch_size (int): Images per encoder call. Defaults to 64.
        log_every (int): Log progress every this many batches. Defaults to 5.

    Example:
        >>> # in a calibration config (LinearProbeClassifier with cache_features=True)
        >>> default_hooks = dict(
        ...     feature_cache_prefill=dict(type='FeatureCachePrefillHook', batch_size=64))
    """
    priority = 'LOW'

    def __init__(self, batch_size: int = 64, log_every: int = 5) -> None:
        self.batch_size = check_int(type(self).__name__, 'batch_size', batch_size, minimum=1)
        self.log_every = check_int(type(self).__name__, 'log_every', log_every, minimum=1)

    @staticmethod
    def _probe(runner) -> LinearProbeClassifier:
        model = unwrap_model(runner.model)
        if not isinstance(model, LinearProbeClassifier):
            raise TypeError('FeatureCachePrefillHook: the model must be a LinearProbeClassifier, '
                            f'got {type(model).__name__}; remove the hook '
                            '(default_hooks.feature_cache_prefill)')
        if not model.cache_features:
            raise ValueError('FeatureCachePrefillHook: model.cache_features is False, so there '
                             'is no cache to fill; set it, or remove the hook '
                             '(default_hooks.feature_cache_prefill)')
        if getattr(model.data_preprocessor, 'batch_augments', None) is not None:
            raise ValueError('FeatureCachePrefillHook: model.train_cfg.augments mixes the '
                             'training images, so no stored feature would be reused; remove '
                             'the augments or the hook (default_hooks.feature_cache_prefill)')
        return model

    def before_train(self, runner) -> None:
        model = self._probe(runner)
        dataset = runner.train_dataloader.dataset
        first, again = dataset[0]['inputs'], dataset[0]['inputs']
        if not torch.equal(torch.as_tensor(first), torch.as_tensor(again)):
            runner.logger.warning(
                'FeatureCachePrefillHook: the training pipeline is random (the same image came '
                'out different twice), so the features stored now will not be reused; use a '
                'deterministic pipeline (train_dataloader.dataset...pipeline) or remove the hook')
        rank, world = get_rank(), get_world_size()
        runner.logger.info(f'FeatureCachePrefillHook: frozen features of {len(dataset)} '
                           f'training images, in batches of {self.batch_size}'
                           + (f', shared by {world} processes' if world > 1 else ''))
        model.train()  # the training cache
        with torch.no_grad():
            computed, elapsed = prefill(
                runner, 'FeatureCachePrefillHook', model, range(rank, len(dataset), world),
                self.batch_size, self.log_every, dataset.__getitem__,
                lambda data: len(model.extract_feat(data['inputs'], data['data_samples'])))
        if world > 1:
            cache = model.feature_cache('train')
            for other in all_gather_object(dict(cache)):
                for key, entry in other.items():
                    cache.setdefault(key, entry)
        runner.logger.info(f'FeatureCachePrefillHook: {computed} features in {elapsed:.1f} s')
        runner.visualizer.add_scalars(dict(feature_cache_prefill_s=elapsed), step=runner.iter)


__all__ = ['FeatureCachePrefillHook']
