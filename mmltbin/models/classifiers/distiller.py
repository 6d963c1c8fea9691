"""Calibrate-and-Distill: a binary student distilled from a frozen, calibrated FP teacher."""
import copy
import inspect
from typing import List, Mapping, Optional, Tuple, Union

import torch
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from ...structures import AUG_KEY
from ..balancers import BaseBalancer
from ..teachers.utils import mmpretrain_scope
from ..utils.pooling import pool_features

TEACHER_INPUTS = ('auto', 'student', 'views')
PROJECTORS = ('auto', 'linear', 'identity')

Inputs = Union[Tensor, Mapping[str, object]]


def batch_target(data_samples: Optional[List[DataSample]]) -> Optional[Tensor]:
    """The batch's targets as mmpretrain heads read them: ``gt_score`` if set, else labels."""
    if not data_samples:
        return None
    if 'gt_score' in data_samples[0]:
        return torch.stack([s.gt_score for s in data_samples])
    if 'gt_label' in data_samples[0]:
        return torch.cat([s.gt_label for s in data_samples])
    return None


@MODELS.register_module()
class CalibratedDistiller(ImageClassifier):
    """A student classifier trained by distillation from a frozen (calibrated) teacher.

    The student is an mmpretrain ``ImageClassifier`` (``backbone``, ``neck``, ``head``, e.g. a
    binary ReActNet with a full-precision linear head); the teacher is a frozen network that
    returns ``(pooled features [N, D], logits [N, C])``, normally the calibrated teacher
    ``dict(type='FrozenTeacher', model=<encoder>, head=dict(type='LinearClsHead',
    num_classes=C), resolutions=..., checkpoint=<calibration checkpoint>)``.
    The training loss (Calibrate-and-Distill) is, per sample,

    ``lambda * a + (1 - lambda) * b  [+ task loss]``

    with ``a = kd_loss(z_S, z_T)`` (default ``tau^2 KL(p_T || p_S)``, see :class:`KDLoss` for
    the long-tailed options: prior-adjusted targets, power normalisation, class-balanced
    weights), ``b = feature_loss(P(f_S), f_T)`` (default ``2 - 2 cos``, see
    :class:`CosineFeatureLoss`) on the pooled features, ``P`` a learned linear projection when
    the widths differ, and ``lambda`` from the ``balancer`` (adversarial MLP or fixed). The
    optional task loss is any mmpretrain/mmltbin loss on the labels (weight: its
    ``loss_weight``). Reported losses: ``loss_kd = mean(lambda a)``,
    ``loss_feat = mean((1 - lambda) b)``, ``loss_task``, ``loss_balancer_reg``; ``kd_term`` and
    ``feat_term`` are the raw means of ``a`` and ``b`` (logged, not optimised).

    **What the teacher sees** (``teacher_input``):

    - ``'student'``: the student's batch, after augmentation and any Mixup/CutMix (the teacher
      runs online on exactly the student's images; a teacher with ``resolutions`` resizes it
      itself);
    - ``'views'``: the teacher views of ``MultiResPipeline`` (same augmented image, other
      resolutions; mixed consistently by ``MultiResDataPreprocessor``), given to the teacher
      with the rows each view holds; it averages over the views each sample has;
    - ``'auto'`` (default): the views when the batch has them, else the student's batch.

    The teacher owns its views, resolutions and input normalisation: it is told once that its
    inputs are what this model's data preprocessor makes (``FrozenTeacher.match_input_norm``)
    and converts them to its own. All teacher calls go through :meth:`teacher_outputs` (where a
    teacher-output cache plugs in).

    **Test and inference use the student alone.** ``predict`` and ``mode='tensor'`` never run
    the teacher. The state dict keeps the student in ``ImageClassifier``'s layout
    (``backbone.*``, ``neck.*``, ``head.*``), so the checkpoint loads into a plain
    ``ImageClassifier`` (the extra ``projector.*`` / ``balancer.*`` keys are ignored with
    ``strict=False``; ``tools/model_converters/distiller_to_classifier.py`` writes a clean
    checkpoint and config). With ``save_teacher=False`` (default) the teacher's weights are
    left out of checkpoints: they come from ``teacher.checkpoint``, which is loaded in
    :meth:`init_weights` (called by the runner before training and resuming), so testing a
    checkpoint does not need the teacher's file.

    **Balancer interface** (used by :class:`~mmltbin.engine.hooks.AdversarialBalanceHook`):
    :attr:`balancer_is_adversarial`, :meth:`set_balancer_grad_scale`,
    :meth:`balancer_ascent_loss`, :meth:`balancer_parameters`, :meth:`balancer_stats`.

    Args:
        backbone (dict): Student backbone config.
        teacher (dict | nn.Module): Teacher config (``type`` defaults to ``'FrozenTeacher'``)
            or a built module with ``forward(x) -> (features, logits)``, ``feat_dim`` and
            ``num_classes``.
        neck (dict, optional): Student neck config (e.g. ``GlobalAveragePooling``).
        head (dict): Student head config (e.g. ``LinearClsHead``). Its ``num_classes`` must
            equal the teacher's. Its own ``loss`` is not used here (see ``task_loss``).
        kd_loss (dict): Logit-term config. Defaults to ``KDLoss`` with ``tau=1``.
        feature_loss (dict): Feature-term config. Defaults to ``CosineFeatureLoss``.
        balancer (dict): ``AdversarialBalancer`` (default) or ``FixedBalancer`` config;
            ``in_channels`` is filled with the teacher's feature width.
        task_loss (dict, optional): A loss on the student's logits and the labels (e.g.
            ``dict(type='BalancedSoftmaxLoss', loss_weight=1.0)``). None: no task loss.
        projector (str): ``'auto'`` (linear when the widths differ, else identity),
            ``'linear'`` or ``'identity'``. Defaults to ``'auto'``.
        student_feat_dim (int, optional): Width of the student's pooled feature; defaults to
            ``head.in_channels``.
        teacher_input (str): ``'auto'``, ``'student'`` or ``'views'``. Defaults to ``'auto'``.
        teacher_cache (dict, optional): Reuse the teacher's outputs across epochs:
            ``dict(type='TeacherOutputCache', dtype=..., max_entries=...)`` (``type`` may be
            left out). Needs :class:`~mmltbin.datasets.transforms.SlottedAugment` around the
            random transforms and ``'aug_key'`` in ``PackInputs.meta_keys``; not combinable
            with Mixup / CutMix. None: the teacher runs on every batch. Defaults to None.
        save_teacher (bool): Keep the teacher's weights in checkpoints. Defaults to False.
        pretrained (str, optional): Student checkpoint to initialise from (as ImageClassifier).
        train_cfg (dict, optional): ``dict(augments=...)``: Mixup / CutMix batch augments.
        data_preprocessor (dict, optional): Defaults to ``MultiResDataPreprocessor`` (which
            processes ordinary batches like ``ClsDataPreprocessor``).
        init_cfg (dict, optional): Initialisation config.

    Example:
        >>> import torch
        >>> from mmltbin.models.classifiers import CalibratedDistiller
        >>> tiny = dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8,
        ...             num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(1, ))
        >>> model = CalibratedDistiller(
        ...     backbone=tiny, neck=dict(type='GlobalAveragePooling'),
        ...     head=dict(type='LinearClsHead', num_classes=3, in_channels=16),
        ...     teacher=dict(model=dict(backbone=tiny, neck=dict(type='GlobalAveragePooling'),
        ...                             head=dict(type='LinearClsHead', num_classes=3,
        ...                                       in_channels=16),
        ...                             data_preprocessor=dict(mean=[128.0] * 3, std=[64.0] * 3))))
        >>> model(torch.rand(2, 3, 16, 16)).shape  # the student alone
        torch.Size([2, 3])
    """

    def __init__(self,
                 backbone: dict,
                 teacher: Union[dict, nn.Module],
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 kd_loss: dict = dict(type='KDLoss', tau=1.0),
                 feature_loss: dict = dict(type='CosineFeatureLoss'),
                 balancer: dict = dict(type='AdversarialBalancer'),
                 task_loss: Optional[dict] = None,
                 projector: str = 'auto',
                 student_feat_dim: Optional[int] = None,
                 teacher_input: str = 'auto',
                 teacher_cache: Optional[dict] = None,
                 save_teacher: bool = False,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if head is None:
            raise ValueError('CalibratedDistiller: the student needs a head (e.g. '
                             "dict(type='LinearClsHead', num_classes=..., in_channels=...))")
        if teacher_input not in TEACHER_INPUTS:
            raise ValueError(f'CalibratedDistiller: teacher_input must be one of '
                             f'{TEACHER_INPUTS}, got {teacher_input!r}')
        if projector not in PROJECTORS:
            raise ValueError(f'CalibratedDistiller: projector must be one of {PROJECTORS}, '
                             f'got {projector!r}')
        if isinstance(data_preprocessor, dict) or data_preprocessor is None:
            data_preprocessor = dict(data_preprocessor or {})
            data_preprocessor.setdefault('type', 'MultiResDataPreprocessor')
        with mmpretrain_scope():
            super().__init__(backbone, neck=neck, head=head, pretrained=pretrained,
                             train_cfg=train_cfg, data_preprocessor=data_preprocessor,
                             init_cfg=init_cfg)
            self.teacher_checkpoint: Optional[str] = None
            self.teacher = self._build_teacher(teacher)
            self._check_classes()
            teacher_dim = int(self.teacher.feat_dim)
            student_dim = self._student_dim(student_feat_dim)
            self.projector = self._build_projector(projector, student_dim, teacher_dim)
            self.kd_loss = MODELS.build(kd_loss)
            self.feature_loss = MODELS.build(feature_loss)
            self.task_loss = None if task_loss is None else MODELS.build(task_loss)
            self.balancer = self._build_balancer(balancer, teacher_dim)
            self.teacher_cache = self._build_cache(teacher_cache)
        self.teacher_input = teacher_input
        self.save_teacher = bool(save_teacher)
        # a teacher built here from a config is trained only once its checkpoint is loaded
        # (init_weights); a built module passed in is taken as it is
        self._teacher_loaded = isinstance(teacher, nn.Module)
        if hasattr(self.teacher, 'match_input_norm'):
            self.teacher.match_input_norm(self.data_preprocessor)
        self._register_state_dict_hook(_drop_teacher_keys)
        self._register_load_state_dict_pre_hook(self._complete_teacher_keys, with_module=False)

    # ---------------------------------------------------------------------------- building
    def _build_teacher(self, teacher: Union[dict, nn.Module]) -> nn.Module:
        if isinstance(teacher, nn.Module):
            module = teacher
        elif isinstance(teacher, Mapping):
            cfg = copy.deepcopy(dict(teacher))
            cfg.setdefault('type', 'FrozenTeacher')
            if cfg['type'] in ('FrozenTeacher', 'mmpretrain.FrozenTeacher'):
                # loaded in init_weights(): testing a checkpoint does not need the file
                self.teacher_checkpoint = cfg.pop('checkpoint', None)
            module = MODELS.build(cfg)
        else:
            raise TypeError(f'CalibratedDistiller: teacher must be a config dict or a module, '
                            f'got {type(teacher).__name__}')
        if getattr(module, 'trainable', ()):
            raise ValueError(f'CalibratedDistiller: the teacher must be frozen, but its '
                             f'trainable={tuple(module.trainable)} would train it with the '
                             'student: drop model.teacher.trainable (adapting the encoder is '
                             "a calibration option: LinearProbeClassifier's adapt_encoder)")
        for attr in ('feat_dim', 'num_classes'):
            if not hasattr(module, attr):
                raise TypeError(f'CalibratedDistiller: the teacher ({type(module).__name__}) '
                                f'has no "{attr}"; use FrozenTeacher')
        return module

    def _teacher_name(self) -> str:
        inner = getattr(self.teacher, 'model', None)
        return type(self.teacher).__name__ + (f'({type(inner).__name__})' if inner is not None
                                              else '')

    def _check_classes(self) -> None:
        teacher_classes = int(self.teacher.num_classes)
        student_classes = getattr(self.head, 'num_classes', None)
        if student_classes is not None and int(student_classes) != teacher_classes:
            raise ValueError(
                f'CalibratedDistiller: the teacher {self._teacher_name()} predicts '
                f'{teacher_classes} classes but the student head {type(self.head).__name__} '
                f'has head.num_classes={student_classes}; they must agree (calibrate the teacher '
                'on the same dataset, or fix model.teacher.head.num_classes / '
                'model.head.num_classes)')

    def _student_dim(self, student_feat_dim: Optional[int]) -> int:
        dim = student_feat_dim if student_feat_dim is not None else getattr(
            self.head, 'in_channels', None)
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError('CalibratedDistiller: cannot tell the width of the student feature '
                             f'(head {type(self.head).__name__} has no in_channels); set '
                             f'student_feat_dim (got {dim!r})')
        return dim

    @staticmethod
    def _build_projector(kind: str, student_dim: int, teacher_dim: int) -> nn.Module:
        if kind == 'identity' or (kind == 'auto' and student_dim == teacher_dim):
            if student_dim != teacher_dim:
                raise ValueError(f'CalibratedDistiller: projector="identity" needs equal feature '
                                 f'widths, but the student has {student_dim} and the teacher '
                                 f'{teacher_dim}; use projector="auto" or "linear"')
            return nn.Identity()
        return nn.Linear(student_dim, teacher_dim)

    @staticmethod
    def _build_balancer(cfg: Union[dict, nn.Module], teacher_dim: int) -> BaseBalancer:
        if not isinstance(cfg, nn.Module):
            cfg = copy.deepcopy(dict(cfg))
            cls = MODELS.get(cfg.get('type'))
            if cls is None:
                raise KeyError(f'CalibratedDistiller: balancer type {cfg.get("type")!r} is not '
                               'registered (AdversarialBalancer, FixedBalancer)')
            if 'in_channels' in inspect.signature(cls).parameters:
                cfg.setdefault('in_channels', teacher_dim)
            cfg = MODELS.build(cfg)
        if not isinstance(cfg, BaseBalancer):
            raise TypeError(f'CalibratedDistiller: the balancer must be a BaseBalancer '
                            f'(AdversarialBalancer, FixedBalancer), got {type(cfg).__name__}')
        return cfg

    def _build_cache(self, cfg: Optional[dict]):
        if cfg is None:
            return None
        if getattr(self.data_preprocessor, 'batch_augments', None) is not None:
            raise ValueError('CalibratedDistiller: teacher_cache cannot be used with Mixup / '
                             'CutMix (train_cfg.augments): a mixed image has no stored teacher '
                             'output; remove one of the two')
        cfg = dict(cfg)
        cfg.setdefault('type', 'TeacherOutputCache')
        return MODELS.build(cfg)

    # ---------------------------------------------------------------------------- weights
    def init_weights(self) -> None:
        """Initialise the student, then load the teacher's checkpoint (if given)."""
        super().init_weights()
        if self.teacher_checkpoint is not None:
            self.teacher.load_checkpoint(self.teacher_checkpoint)
            self._teacher_loaded = True

    def _complete_teacher_keys(self, state_dict, prefix, *args) -> None:
        """Loading a checkpoint saved without the teacher keeps the current teacher."""
        key = prefix + 'teacher.'
        if any(k.startswith(key) for k in state_dict):
            self._teacher_loaded = True
            return
        for name, value in self.teacher.state_dict(prefix=key).items():
            state_dict[name] = value

    # ---------------------------------------------------------------------------- inputs
    @staticmethod
    def _student_inputs(inputs: Inputs) -> Tensor:
        if isinstance(inputs, Tensor):
            return inputs
        if isinstance(inputs, Mapping) and isinstance(inputs.get('student'), Tensor):
            return inputs['student']
        raise TypeError('CalibratedDistiller: inputs must be a batch tensor or the output of '
                        'MultiResDataPreprocessor (a dict with "student" and "teacher"); got '
                        f'{type(inputs).__name__}. With MultiResPipeline in the pipeline, use '
                        "data_preprocessor=dict(type='MultiResDataPreprocessor')")

    def extract_feat(self, inputs: Inputs, stage: str = 'neck'):
        """The student's features (see ``ImageClassifier.extract_feat``); views are ignored."""
        return super().extract_feat(self._student_inputs(inputs), stage=stage)

    # ---------------------------------------------------------------------------- teacher
    def teacher_outputs(self, inputs: Inputs,
                        data_samples: Optional[List[DataSample]] = None
                        ) -> Tuple[Tensor, Tensor]:
        """The teacher's ``(features [N, D], logits [N, C])`` for a batch, without gradient.

        The one place the teacher is asked: the student's batch or the teacher views (see
        ``teacher_input``), averaged over the views each sample has. With ``teacher_cache``
        (training only) the outputs of samples whose ``aug_key`` was seen before are read
        from the cache and the teacher runs on the others alone.
        """
        if self.teacher_cache is None or not self.training:
            return self._run_teacher(inputs)
        keys = _aug_keys(data_samples)
        self._store_teacher_outputs(inputs, keys, self.teacher_cache.missing(keys))
        device = self._student_inputs(inputs).device
        return self.teacher_cache.get(keys, device=device)

    @torch.no_grad()
    def fill_teacher_cache(self, inputs: Inputs, data_samples: List[DataSample]) -> int:
        """Run the teacher on the samples of a batch whose outputs the cache lacks; store them.

        What :class:`~mmltbin.engine.hooks.TeacherCachePrefillHook` calls before training (the
        batch as the data preprocessor makes it in training). Lookups made here do not count
        in the cache's hit rate.

        Returns:
            int: How many outputs were computed and stored.
        """
        if self.teacher_cache is None:
            raise ValueError('CalibratedDistiller: fill_teacher_cache needs a teacher-output '
                             'cache (model.teacher_cache is None)')
        self._check_teacher_loaded()
        keys = _aug_keys(data_samples)
        absent = [i for i, key in enumerate(keys) if key not in self.teacher_cache]
        self._store_teacher_outputs(inputs, keys, absent)
        return len(absent)

    def _store_teacher_outputs(self, inputs: Inputs, keys: List[int], rows: List[int]) -> None:
        """Run the teacher on the batch rows ``rows`` and store their outputs under their keys."""
        if not rows:
            return
        index = torch.tensor(rows, dtype=torch.long)
        feats, logits = self._run_teacher(select_rows(inputs, index))
        self.teacher_cache.put([keys[i] for i in rows], feats, logits)

    def _run_teacher(self, inputs: Inputs) -> Tuple[Tensor, Tensor]:
        """Run the teacher on the student's batch or on the teacher views (with their rows)."""
        student = self._student_inputs(inputs)
        views = inputs.get('teacher') if isinstance(inputs, Mapping) else None
        if self.teacher_input == 'views' and not views:
            raise ValueError("CalibratedDistiller: teacher_input='views' but the batch has no "
                             'teacher views; add MultiResPipeline to the train pipeline (and '
                             'MultiResDataPreprocessor)')
        if self.teacher_input == 'student' or not views:
            return self.teacher(student)
        return self.teacher(list(views), inputs.get('teacher_rows'))

    def _check_teacher_loaded(self) -> None:
        """Refuse to use a teacher whose weights were never loaded (nor calibrated)."""
        if self._teacher_loaded:
            return
        if self.teacher_checkpoint is None:
            raise RuntimeError(
                'CalibratedDistiller: the teacher has no weights: model.teacher.checkpoint '
                'is None; set model.teacher.checkpoint to the calibrated teacher (the last '
                'checkpoint of the configs/ltbin/calibrate_*.py run)')
        raise RuntimeError(
            'CalibratedDistiller: the teacher checkpoint '
            f'"{self.teacher_checkpoint}" has not been loaded: call init_weights() first '
            '(the runner does) or load a checkpoint that contains the teacher')

    # ---------------------------------------------------------------------------- training
    def loss(self, inputs: Inputs, data_samples: List[DataSample]) -> dict:
        """Distillation (and optional task) losses of a batch."""
        self._check_teacher_loaded()
        feats = self.extract_feat(inputs)
        logits = self.head(feats)
        with torch.no_grad():
            teacher_feats, teacher_logits = self.teacher_outputs(inputs, data_samples)
        teacher_feats = teacher_feats.detach().to(logits.device)
        teacher_logits = teacher_logits.detach().to(logits.device)
        if teacher_logits.shape != logits.shape:
            raise ValueError(f'CalibratedDistiller: teacher logits {tuple(teacher_logits.shape)} '
                             f'and student logits {tuple(logits.shape)} differ')
        target = batch_target(data_samples)
        logit_term = self.kd_loss(logits, teacher_logits, target=target,
                                  reduction_override='none')
        feature_term = self.feature_loss(self.projector(pool_features(feats)), teacher_feats,
                                         reduction_override='none')
        mixed = self.balancer(logit_term, feature_term, teacher_feature=teacher_feats)
        losses = dict(loss_kd=mixed.logit_part.mean(), loss_feat=mixed.feature_part.mean())
        if mixed.reg_loss is not None:
            losses['loss_balancer_reg'] = mixed.reg_loss
        if self.task_loss is not None:
            if target is None:
                raise ValueError('CalibratedDistiller: task_loss needs labels (gt_label or '
                                 'gt_score in the data samples)')
            losses['loss_task'] = self.task_loss(logits, target, avg_factor=logits.size(0))
        if self.teacher_cache is not None:
            losses['teacher_cache_hit_rate'] = logits.new_tensor(self.teacher_cache.hit_rate)
        losses['kd_term'] = logit_term.detach().mean()
        losses['feat_term'] = feature_term.detach().mean()
        return losses

    # ---------------------------------------------------------------------------- balancer
    @property
    def balancer_is_adversarial(self) -> bool:
        """Whether the balancer learns (by ascent) or is fixed."""
        return bool(self.balancer.adversarial)

    def set_balancer_grad_scale(self, scale: float) -> None:
        """Scale of the reversed gradient reaching the balancer in the training step.

        1: the balancer ascends in the same optimizer step as the student descends;
        0: it is frozen in that step (warm-up, off-interval, or an ascent step of its own).
        """
        self.balancer.set_grad_scale(scale)

    def balancer_ascent_loss(self) -> Tensor:
        """A loss whose descent is the balancer's ascent on the last training batch."""
        return self.balancer.ascent_loss()

    def balancer_parameters(self) -> List[nn.Parameter]:
        """The balancer's trainable parameters (for an optimizer of its own)."""
        return [p for p in self.balancer.parameters()]

    def balancer_stats(self) -> dict:
        """``{'lambda_mean', 'lambda_std'}`` of the last training batch (empty before one)."""
        return self.balancer.stats()


def _aug_keys(data_samples: Optional[List[DataSample]]) -> List[int]:
    keys = [s.metainfo.get(AUG_KEY) for s in (data_samples or [])]
    if not keys or any(k is None for k in keys):
        raise ValueError('CalibratedDistiller: teacher_cache needs the "aug_key" of every sample: '
                         "wrap the random transforms in dict(type='SlottedAugment', ...) and "
                         "keep the key with dict(type='PackInputs', meta_keys=(..., 'aug_key'))")
    return [int(k) for k in keys]


def select_rows(inputs: Inputs, rows: Tensor) -> Inputs:
    """The sub-batch of ``inputs`` (a tensor or ``MultiResDataPreprocessor``'s dict) at ``rows``.

    Teacher views keep only the selected samples, their ``teacher_rows`` renumbered.

    Example:
        >>> x = torch.arange(4.).view(4, 1)
        >>> batch = dict(student=x, teacher=[x * 10, x[[1, 3]] * 100],
        ...              teacher_rows=[None, torch.tensor([1, 3])])
        >>> sub = select_rows(batch, torch.tensor([3, 0]))
        >>> sub['student'].flatten().tolist(), [v.flatten().tolist() for v in sub['teacher']]
        ([3.0, 0.0], [[0.0, 30.0], [300.0]])
        >>> [r.tolist() for r in sub['teacher_rows']]  # sample 0 is now row 1, sample 3 row 0
        [[1, 0], [0]]
    """
    if isinstance(inputs, Tensor):
        return inputs[rows.to(inputs.device)]
    student = inputs['student']
    num = student.shape[0]
    new_index = torch.full((num, ), -1, dtype=torch.long)
    new_index[rows] = torch.arange(len(rows))
    views, view_rows = [], []
    all_rows = inputs.get('teacher_rows') or [None] * len(inputs.get('teacher') or [])
    for view, old in zip(inputs.get('teacher') or [], all_rows):
        old = torch.arange(num) if old is None else old.cpu()
        mapped = new_index[old]
        keep = mapped >= 0
        if bool(keep.any()):
            views.append(view[keep.to(view.device)])
            view_rows.append(mapped[keep])
    out = dict(inputs, student=student[rows.to(student.device)], teacher=views,
               teacher_rows=view_rows)
    return out


def _drop_teacher_keys(module: CalibratedDistiller, state_dict, prefix, local_metadata):
    if module.save_teacher:
        return
    for key in [k for k in state_dict if k.startswith(prefix + 'teacher.')]:
        del state_dict[key]


__all__ = ['CalibratedDistiller', 'batch_target', 'select_rows', 'TEACHER_INPUTS']
