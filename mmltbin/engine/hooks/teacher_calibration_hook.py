"""Calibration as a phase of the distillation run: train the teacher's linear head first."""
import copy
import math
import os
import os.path as osp
import time
from collections import defaultdict
from typing import List, Mapping, Optional, Sequence, Union

import mmengine
import torch
from mmengine.dist import broadcast, broadcast_object_list, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.registry import OPTIMIZERS
from mmengine.runner import Runner
from mmengine.runner.checkpoint import weights_to_cpu
from mmpretrain.registry import DATASETS, HOOKS
from torch import nn

from ...models.classifiers import CalibratedDistiller, LinearProbeClassifier
from ...models.teachers.utils import check_resolutions
from ...utils.checks import check_int, unwrap_model

LR_SCHEDULES = ('cosine', 'constant')
Pipeline = Union[str, List[dict], None]


class _FullSetSampler(torch.utils.data.Sampler):
    """Every index of the dataset on every rank: a seeded permutation per epoch (or in order).

    On one process it yields what mmengine's ``DefaultSampler`` yields (same seed, same
    epoch, same order); unlike it, it never splits the dataset between ranks.
    """

    def __init__(self, dataset, shuffle: bool = True, seed: int = 0) -> None:
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def __iter__(self):
        if not self.shuffle:
            return iter(range(len(self.dataset)))
        gen = torch.Generator()
        gen.manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(len(self.dataset), generator=gen).tolist())

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch


def _set_pipeline(dataset_cfg: dict, pipeline: List[dict]) -> bool:
    """Put ``pipeline`` into the dataset config(s) that have one (through wrappers)."""
    if 'pipeline' in dataset_cfg:
        dataset_cfg['pipeline'] = copy.deepcopy(pipeline)
        return True
    inner = dataset_cfg.get('dataset')
    if isinstance(inner, dict):
        return _set_pipeline(inner, pipeline)
    found = False
    for inner in dataset_cfg.get('datasets') or []:
        if isinstance(inner, dict):
            found = _set_pipeline(inner, pipeline) or found
    return found


def _get_pipeline(dataset_cfg: dict) -> Optional[List[dict]]:
    """The pipeline of a dataset config (looked up through wrappers)."""
    if 'pipeline' in dataset_cfg:
        return dataset_cfg['pipeline']
    inner = dataset_cfg.get('dataset')
    if isinstance(inner, dict):
        return _get_pipeline(inner)
    for inner in dataset_cfg.get('datasets') or []:
        if isinstance(inner, dict) and _get_pipeline(inner) is not None:
            return _get_pipeline(inner)
    return None


def _input_norm(preprocessor: nn.Module) -> tuple:
    """``(mean, std)`` of what a data preprocessor outputs (0-255 space)."""
    if getattr(preprocessor, '_enable_normalize', False):
        return (preprocessor.mean.flatten().tolist(), preprocessor.std.flatten().tolist())
    return [0.0], [1.0]  # raw 0-255 values


@HOOKS.register_module()
class TeacherCalibrationHook(Hook):
    """Calibrate the distiller's teacher at the start of the distillation run.

    Calibrate-and-Distill in one run: the ``CalibratedDistiller``'s teacher is an uncalibrated
    ``FrozenTeacher(model=LinearProbeClassifier(...), checkpoint=None)`` whose encoder loads
    its pretrained weights from ``encoder_checkpoint``. In ``before_train`` (after
    ``ClassCountsHook`` has given the teacher's LT loss the class counts; before the
    distillation's first step) this hook

    1. initialises the probe (its head as mmpretrain initialises it, the encoder from
       ``encoder_checkpoint``), exactly as ``tools/train.py`` does with a calibration config;
    2. trains only its linear head for ``epochs`` epochs on the run's training set with the
       teacher's own ``loss`` (e.g. balanced softmax), Adam (``optimizer``) and a cosine decay
       to 0 by epoch, logging the mean loss of every epoch;
    3. saves the probe as an ordinary checkpoint ``{work_dir}/{filename}``
       (``state_dict`` in ``LinearProbeClassifier``'s layout, ``meta['dataset_meta']`` with the
       class counts): ``teacher.checkpoint`` of the standalone distillation configs and
       ``tools/test.py`` with the calibration config load it;
    4. freezes the teacher again (eval mode, no gradients) and marks it as loaded.

    **What the calibration sees** is what a calibration config sees: the training dataset of
    the run with a deterministic ``pipeline`` (default: the run's test pipeline, as in
    ``configs/ltbin/calibrate_*.py``, so ``cache_features`` computes the encoder features in
    the first epoch only), normalised by the run's data preprocessor (no batch augments), and
    converted to the encoder's normalisation inside the probe; the encoder sees every image
    at ``resolutions`` (features averaged; None: the teacher's own), which are used for
    calibration only and then restored (the distillation then uses the teacher's own
    setting, or the ``MultiResPipeline`` views).
    The per-epoch order is ``DefaultSampler``'s (same seed); the calibration runs under its
    own random-number stream (``seed``), so the distillation's stream does not depend on it.

    **Resume**: if ``{work_dir}/{filename}`` exists (a resumed or restarted run), it is loaded
    (``weights_only``) instead of calibrating again.

    **Distributed runs**: every rank calibrates identically on the full training set (no
    distributed sampler, rank 0's seed), then rank 0's probe weights are broadcast so that all
    ranks hold bit-identical teachers; rank 0 alone decides whether the file exists (and
    loads it) and writes it.

    Args:
        epochs (int): Calibration epochs. Defaults to 30 (as the calibration configs).
        dataloader (dict, optional): The calibration dataloader config. None: the run's
            ``train_dataloader`` config with its dataset's pipeline replaced by ``pipeline``.
            A ``DefaultSampler`` (or no sampler) becomes a full-set sampler with the same
            order on one process; other samplers are built as given (one process only).
        pipeline (str | list[dict], optional): The calibration pipeline: ``'test'`` (default)
            the pipeline of the run's ``test_dataloader`` dataset (``val_dataloader`` if there
            is none), a list of transforms, or None to keep the dataloader's own pipeline.
        resolutions (Sequence[int], optional): Sizes at which the encoder sees every image
            during calibration (the calibration config's ``model.resolutions``). None: the
            teacher's own ``resolutions``.
        optimizer (dict): Optimizer config for the head (no ``params``). Defaults to
            ``dict(type='Adam', lr=1e-3, weight_decay=0.0)``.
        lr_schedule (str): ``'cosine'`` (per epoch, to 0 over ``epochs``, as
            ``CosineAnnealingLR(T_max=epochs, by_epoch=True)``) or ``'constant'``.
            Defaults to ``'cosine'``.
        seed (int, optional): Seed of the calibration (head initialisation, data order).
            None: the run's seed. Defaults to None.
        filename (str): The calibrated-teacher file in ``work_dir``. Defaults to
            ``'calibrated_teacher.pth'``.

    Example:
        >>> # configs/ltbin/reactnet_fashion-mnist-lt_calibrate-in-run.py
        >>> model = dict(teacher=dict(
        ...     model=dict(encoder_checkpoint='checkpoints/efficientnet-lite0_in1k_timm.pth',
        ...                loss=dict(type='BalancedSoftmaxLoss'), cache_features=True),
        ...     checkpoint=None))
        >>> custom_hooks = [dict(type='TeacherCalibrationHook', epochs=30,
        ...                      resolutions=(32, 64, 96))]
    """

    # after ClassCountsHook (VERY_HIGH): the teacher's LT loss needs the counts; before the
    # NORMAL hooks (AdversarialBalanceHook) and the first distillation step
    priority = 'HIGH'

    def __init__(self,
                 epochs: int = 30,
                 dataloader: Optional[dict] = None,
                 pipeline: Pipeline = 'test',
                 resolutions: Optional[Sequence[int]] = None,
                 optimizer: dict = dict(type='Adam', lr=1e-3, weight_decay=0.0),
                 lr_schedule: str = 'cosine',
                 seed: Optional[int] = None,
                 filename: str = 'calibrated_teacher.pth') -> None:
        check_int('TeacherCalibrationHook', 'epochs', epochs, minimum=1)
        if dataloader is not None and not isinstance(dataloader, dict):
            raise TypeError('TeacherCalibrationHook: dataloader must be a dataloader config '
                            f'dict or None, got {type(dataloader).__name__}')
        if not (pipeline is None or pipeline == 'test' or isinstance(pipeline, (list, tuple))):
            raise ValueError("TeacherCalibrationHook: pipeline must be 'test', a list of "
                             f'transforms or None, got {pipeline!r}')
        if not isinstance(optimizer, dict) or 'type' not in optimizer:
            raise ValueError('TeacherCalibrationHook: optimizer must be a config dict with a '
                             f'"type", got {optimizer!r}')
        if lr_schedule not in LR_SCHEDULES:
            raise ValueError(f'TeacherCalibrationHook: lr_schedule must be one of '
                             f'{LR_SCHEDULES}, got {lr_schedule!r}')
        if not isinstance(filename, str) or not filename:
            raise ValueError(f'TeacherCalibrationHook: filename must be a file name, got '
                             f'{filename!r}')
        self.epochs = epochs
        self.dataloader_cfg = None if dataloader is None else copy.deepcopy(dict(dataloader))
        self.pipeline = list(pipeline) if isinstance(pipeline, tuple) else pipeline
        self.resolutions = check_resolutions(resolutions, 'TeacherCalibrationHook')
        self.optimizer_cfg = dict(optimizer)
        self.lr_schedule = lr_schedule
        self.seed = seed
        self.filename = filename

    # ----------------------------------------------------------------------------- checks
    @staticmethod
    def _probe(model: nn.Module) -> LinearProbeClassifier:
        """The distiller's uncalibrated teacher probe, or an error naming the problem."""
        if not isinstance(model, CalibratedDistiller):
            raise TypeError(f'TeacherCalibrationHook: the model is a {type(model).__name__}, '
                            'not a CalibratedDistiller; the hook calibrates a distiller\'s '
                            'teacher (remove it from custom_hooks)')
        probe = getattr(model.teacher, 'model', None)
        if not isinstance(probe, LinearProbeClassifier):
            inner = type(probe).__name__ if probe is not None else type(model.teacher).__name__
            raise TypeError(
                f'TeacherCalibrationHook: the teacher model is a {inner}, not a '
                'LinearProbeClassifier, so there is no linear head to calibrate; use '
                "model.teacher=dict(type='FrozenTeacher', model=dict(type="
                "'LinearProbeClassifier', encoder=..., encoder_checkpoint=...), checkpoint=None)")
        if model.teacher_checkpoint is not None:
            raise ValueError(
                'TeacherCalibrationHook: the teacher already has a calibrated checkpoint '
                f'(model.teacher.checkpoint="{model.teacher_checkpoint}"); drop '
                'model.teacher.checkpoint (set it to None) to calibrate in this run, or drop '
                'the TeacherCalibrationHook to distill from that checkpoint')
        return probe

    # ----------------------------------------------------------------------------- hook
    def before_train(self, runner) -> None:
        """Calibrate (or reload) the teacher, save it, freeze it."""
        model = unwrap_model(runner.model)
        probe = self._probe(model)
        path = osp.join(runner.work_dir, self.filename)
        distributed = get_world_size() > 1
        exists = [osp.isfile(path)]
        if distributed:
            broadcast_object_list(exists, src=0)
        if exists[0]:
            if is_main_process():
                model.teacher.load_checkpoint(path)  # weights_only, strict
            runner.logger.info(f'TeacherCalibrationHook: loaded the calibrated teacher from '
                               f'{path} (found in the work dir; not calibrating again)')
        else:
            meta = self._calibrate(runner, model, probe)
        if distributed:
            self._broadcast_weights(probe)
        if not exists[0] and is_main_process():
            self._save(probe, path, meta)
            runner.logger.info(f'TeacherCalibrationHook: saved the calibrated teacher to {path}')
        probe.clear_feature_cache()
        model.teacher.requires_grad_(False)
        model.teacher.train(False)  # FrozenTeacher: eval mode for every submodule
        model.mark_teacher_loaded()

    # ----------------------------------------------------------------------------- data
    def _seed(self, runner) -> int:
        seed = [self.seed if self.seed is not None else runner.seed]
        if get_world_size() > 1:
            broadcast_object_list(seed, src=0)
        return int(seed[0] or 0)

    def _loader_cfg(self, runner) -> dict:
        cfg = self.dataloader_cfg
        if cfg is None:
            train = runner.cfg.get('train_dataloader')
            if not train or not train.get('dataset'):
                raise ValueError('TeacherCalibrationHook: the run has no train_dataloader '
                                 'config; give the hook a dataloader=dict(...)')
            cfg = train.to_dict() if hasattr(train, 'to_dict') else dict(train)
        cfg = copy.deepcopy(dict(cfg))
        pipeline = self.pipeline
        if pipeline == 'test':
            source = runner.cfg.get('test_dataloader') or runner.cfg.get('val_dataloader')
            pipeline = _get_pipeline(dict(source.get('dataset') or {})) if source else None
            if pipeline is None:
                raise ValueError("TeacherCalibrationHook: pipeline='test' but the run has no "
                                 'test_dataloader / val_dataloader dataset with a pipeline; '
                                 'give the hook pipeline=[...]')
        if pipeline is not None and not _set_pipeline(cfg['dataset'], list(pipeline)):
            raise ValueError('TeacherCalibrationHook: found no "pipeline" in the calibration '
                             'dataset config to replace; give the hook a dataloader=dict(...)')
        return cfg

    def _build_loader(self, runner, seed: int) -> torch.utils.data.DataLoader:
        cfg = self._loader_cfg(runner)
        dataset = DATASETS.build(cfg['dataset'])
        if hasattr(dataset, 'full_init'):
            dataset.full_init()
        cfg['dataset'] = dataset
        sampler = cfg.get('sampler') or dict(type='DefaultSampler', shuffle=True)
        if isinstance(sampler, dict) and sampler.get('type') in (
                'DefaultSampler', 'mmengine.DefaultSampler'):
            own_seed = sampler.get('seed')
            sampler = _FullSetSampler(dataset, shuffle=sampler.get('shuffle', True),
                                      seed=seed if own_seed is None else own_seed)
        elif get_world_size() > 1:
            raise ValueError(
                f'TeacherCalibrationHook: the calibration sampler {sampler.get("type")!r} splits '
                'the data between processes, but every rank calibrates on the full training '
                'set; use DefaultSampler here, or calibrate with its own config first')
        cfg['sampler'] = sampler
        cfg.pop('batch_sampler', None)
        return Runner.build_dataloader(cfg, seed=seed)

    @staticmethod
    def _probe_inputs(inputs):
        """What the probe is given: the image batch, or all-sample teacher views."""
        if not isinstance(inputs, Mapping):
            return inputs
        views = inputs.get('teacher') or []
        rows = inputs.get('teacher_rows') or [None] * len(views)
        if views and any(r is not None for r in rows):
            raise ValueError('TeacherCalibrationHook: the calibration pipeline gives per-sample '
                             'teacher resolutions (MultiResPipeline.num_teacher_views); use a '
                             'pipeline without them (default: the test pipeline) and set the '
                             "hook's resolutions")
        return list(views) if views else inputs['student']

    # ----------------------------------------------------------------------------- training
    def _calibrate(self, runner, model: CalibratedDistiller,
                   probe: LinearProbeClassifier) -> dict:
        if probe.encoder_checkpoint is None:
            raise ValueError('TeacherCalibrationHook: the teacher\'s encoder has no pretrained '
                             'weights to calibrate; set model.teacher.model.encoder_checkpoint')
        seed = self._seed(runner)
        start = time.time()
        saved_resolutions = probe.resolutions
        history = []
        devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            probe.init_weights()  # head initialisation, encoder_checkpoint, empty feature cache
            loader = self._build_loader(runner, seed)
            runner.logger.info(
                f'TeacherCalibrationHook: calibrating the teacher\'s head for {self.epochs} '
                f'epochs on {len(loader.dataset)} training images (loss '
                f'{type(getattr(probe.head, "loss_module", None)).__name__}, resolutions '
                f'{self.resolutions or probe.resolutions})')
            if self.resolutions is not None:
                probe.resolutions = self.resolutions
            # the run's preprocessor normalises; the encoder converts that to its own space
            probe.encoder.set_input_norm(*_input_norm(model.data_preprocessor))
            params = list(probe.head.parameters())
            for param in params:
                param.requires_grad_(True)
            optimizer = OPTIMIZERS.build(dict(self.optimizer_cfg, params=params))
            base_lrs = [group['lr'] for group in optimizer.param_groups]
            try:
                probe.train()  # the head; the encoder (FrozenTeacher) stays in eval mode
                for epoch in range(self.epochs):
                    factor = 1.0 if self.lr_schedule == 'constant' else 0.5 * (
                        1.0 + math.cos(math.pi * epoch / self.epochs))
                    for group, base_lr in zip(optimizer.param_groups, base_lrs):
                        group['lr'] = base_lr * factor
                    if hasattr(loader.sampler, 'set_epoch'):
                        loader.sampler.set_epoch(epoch)
                    history.append(self._train_epoch(model, probe, loader, optimizer))
                    runner.logger.info(
                        f'TeacherCalibrationHook: epoch [{epoch + 1}/{self.epochs}] '
                        f'loss: {history[-1]:.4f}  lr: {base_lrs[0] * factor:.4e}  '
                        f'time: {time.time() - start:.1f} s')
            finally:
                probe.resolutions = saved_resolutions
                probe.encoder.set_input_norm(*_input_norm(probe.data_preprocessor))
                # no gradient left behind: the run's optimizer holds the teacher's parameters
                # too (frozen ones included) and would step on a stale gradient
                optimizer.zero_grad(set_to_none=True)
                probe.requires_grad_(False)
        return dict(dataset_meta=copy.deepcopy(getattr(loader.dataset, 'metainfo', None)),
                    seed=seed,
                    calibration=dict(by='TeacherCalibrationHook', epochs=self.epochs,
                                     loss=history, resolutions=self.resolutions
                                     or probe.resolutions, optimizer=self.optimizer_cfg,
                                     lr_schedule=self.lr_schedule))

    @staticmethod
    def _train_epoch(model: CalibratedDistiller, probe: LinearProbeClassifier, loader,
                     optimizer) -> float:
        total, count = 0.0, 0
        for data in loader:
            data = model.data_preprocessor(data, False)  # normalised, no batch augments
            samples = data['data_samples']
            losses = probe.loss(TeacherCalibrationHook._probe_inputs(data['inputs']), samples)
            loss = sum(value for key, value in losses.items() if 'loss' in key)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss) * len(samples)
            count += len(samples)
        return total / max(count, 1)

    # ----------------------------------------------------------------------------- output
    @staticmethod
    def _broadcast_weights(probe: LinearProbeClassifier) -> None:
        """Give every rank rank 0's probe weights (bit-identical teachers)."""
        groups = defaultdict(list)
        for tensor in probe.state_dict().values():
            groups[tensor.dtype].append(tensor)
        for tensors in groups.values():
            flat = torch.cat([t.reshape(-1) for t in tensors])
            broadcast(flat, src=0)
            offset = 0
            for tensor in tensors:
                tensor.copy_(flat[offset:offset + tensor.numel()].view(tensor.shape))
                offset += tensor.numel()

    @staticmethod
    def _save(probe: LinearProbeClassifier, path: str, meta: dict) -> None:
        """An ordinary mmengine-style checkpoint, written atomically."""
        meta = dict(meta, mmengine_version=mmengine.__version__,
                    time=time.strftime('%Y%m%d_%H%M%S', time.localtime()))
        checkpoint = dict(meta=meta, state_dict=weights_to_cpu(probe.state_dict()))
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        tmp = f'{path}.tmp{os.getpid()}'
        torch.save(checkpoint, tmp)
        os.replace(tmp, path)


__all__ = ['TeacherCalibrationHook']
