"""Hand the training set's per-class counts to every component that needs them."""
from typing import Any, List, Optional

from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

from ...datasets.long_tail import build_dataset_from_cfg
from ...utils.checks import unwrap_model

DatasetMeta = Optional[dict]


def _counts_of(meta: DatasetMeta) -> Optional[List[int]]:
    counts = (meta or {}).get('class_counts')
    return None if counts is None else [int(c) for c in counts]


@HOOKS.register_module()
class ClassCountsHook(Hook):
    """Push the training class counts into the model and the evaluators before each stage.

    The counts are ``metainfo['class_counts']`` of the training dataset (``LongTailDataset``
    provides them). They are looked up, in order:

    1. the train dataloader's dataset, when the run has a built train loop (training; validation
       during training);
    2. the loaded checkpoint's ``meta['dataset_meta']`` (``tools/test.py`` or ``runner.val()``
       with ``load_from``; mmengine writes the train dataset's metainfo there);
    3. the training dataset described by ``train_dataloader.dataset`` in the config, built
       once and only if a component still lacks counts.

    Before train / val / test, ``set_class_counts(counts)`` is called on every submodule of the
    model (DDP unwrapped) and on every metric of the stage's evaluator that defines it. A
    component *needs* counts when it defines ``set_class_counts`` and its ``class_counts``
    attribute is missing or ``None``; if one needs them and none are found, the hook raises a
    RuntimeError naming it. The hook does nothing else, so it costs one walk over the model's
    modules per stage; it is harmless in runs that use no counts.

    Example:
        >>> # in a config (configs/_base_/default_runtime.py already adds it)
        >>> default_hooks = dict(class_counts=dict(type='ClassCountsHook'))
    """

    priority = 'VERY_HIGH'  # before any hook that might read the counts

    def __init__(self) -> None:
        self._checkpoint_counts: Optional[List[int]] = None
        self._config_counts: Optional[List[int]] = None
        self._train_counts: Optional[List[int]] = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Remember the counts saved with the checkpoint's training dataset."""
        meta = checkpoint.get('meta') or {}
        self._checkpoint_counts = _counts_of(meta.get('dataset_meta'))

    def before_train(self, runner) -> None:
        self._push(runner, None)

    def before_val(self, runner) -> None:
        self._push(runner, 'val')

    def before_test(self, runner) -> None:
        self._push(runner, 'test')

    # ---------------------------------------------------------------------------- internals
    def _consumers(self, runner, stage: Optional[str]) -> List[Any]:
        model = unwrap_model(runner.model)
        found = [m for m in model.modules() if callable(getattr(m, 'set_class_counts', None))]
        if stage is not None:
            evaluator = getattr(runner, f'{stage}_evaluator')
            found += [m for m in getattr(evaluator, 'metrics', [])
                      if callable(getattr(m, 'set_class_counts', None))]
        return found

    def _find_counts(self, runner, needed: bool) -> Optional[List[int]]:
        if isinstance(runner._train_loop, BaseLoop):
            if self._train_counts is None:
                self._train_counts = _counts_of(
                    getattr(runner.train_dataloader.dataset, 'metainfo', None))
            counts = self._train_counts
            if (counts is not None and self._checkpoint_counts is not None
                    and counts != self._checkpoint_counts):
                runner.logger.warning(
                    'ClassCountsHook: the loaded checkpoint was trained on other class counts '
                    'than the current training dataset; using the training dataset\'s')
                self._checkpoint_counts = None  # warn once
            return counts
        if self._checkpoint_counts is not None:
            return self._checkpoint_counts
        if needed and self._config_counts is None:
            self._config_counts = self._counts_from_config(runner)
        return self._config_counts

    @staticmethod
    def _counts_from_config(runner) -> Optional[List[int]]:
        loader_cfg = runner.cfg.get('train_dataloader') or {}
        if not loader_cfg.get('dataset'):
            return None
        runner.logger.info('ClassCountsHook: building the training dataset of the config to '
                           'read its class counts (no train loop, no counts in a checkpoint)')
        try:
            dataset = build_dataset_from_cfg(runner.cfg, 'train_dataloader')
        except Exception as err:
            raise RuntimeError(
                'ClassCountsHook: class counts are needed, the run has no train loop and no '
                'checkpoint with dataset_meta["class_counts"], and building '
                f'train_dataloader.dataset to read them failed: {err}') from err
        return _counts_of(getattr(dataset, 'metainfo', None))

    def _push(self, runner, stage: Optional[str]) -> None:
        consumers = self._consumers(runner, stage)
        if not consumers:
            return
        needy = [c for c in consumers if getattr(c, 'class_counts', None) is None]
        counts = self._find_counts(runner, needed=bool(needy))
        if counts is None:
            if needy:
                names = sorted({type(c).__name__ for c in needy})
                raise RuntimeError(
                    f'ClassCountsHook: {", ".join(names)} need(s) the per-class training counts '
                    'but none were found: the training dataset\'s metainfo has no class_counts '
                    '(wrap it in LongTailDataset; profile="all" keeps every sample) and no '
                    'loaded checkpoint carries meta["dataset_meta"]["class_counts"]; or give '
                    'class_counts=[...] to the component')
            return
        for consumer in consumers:
            consumer.set_class_counts(list(counts))
