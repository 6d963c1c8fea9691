"""Calibration: a new linear classifier on a frozen full-precision encoder (the teacher)."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmpretrain.models.classifiers.base import BaseClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from ..teachers import FrozenTeacher
from ..teachers.utils import ReviseKeys, Views, as_views, mmpretrain_scope


@MODELS.register_module()
class LinearProbeClassifier(BaseClassifier):
    """A frozen pretrained encoder plus a new, trainable linear head: the calibrated teacher.

    Calibration (Calibrate-and-Distill): freeze the feature extractor of a network pretrained
    on balanced data, attach a randomly initialised linear classifier and train only that on the
    long-tailed target data with an LT-aware loss (``loss``: label-aware smoothing, balanced
    softmax or cross-entropy). Train it with ``tools/train.py`` (mmengine's loop: optimizer
    wrapper, parameter schedulers, sampler, checkpoints); the checkpoint holds encoder
    (``encoder.*``) and head (``head.*``), and ``FrozenTeacher(model=<encoder>,
    head=dict(type='LinearClsHead', num_classes=C), resolutions=..., checkpoint=<epoch_N.pth>)``
    loads it as the calibrated teacher (features: the encoder's; logits: the calibrated head's).

    The encoder is a :class:`~mmltbin.models.teachers.FrozenTeacher` over ``encoder`` (any
    mmpretrain classifier config, e.g. a ``TimmClassifier`` or an ``ImageClassifier`` with
    backbone and neck, head optional), always in eval mode and without gradients (except the
    submodules named by ``adapt_encoder``); it owns the
    resolutions, the views and the conversion from this model's input normalisation to its
    own. Its weights come from ``encoder_checkpoint``, loaded safely in :meth:`init_weights`
    (mmpretrain's convention for pretrained weights, which ``tools/train.py`` calls);
    ``load_from``/``resume`` and testing a checkpoint restore everything from the file.

    Several resolutions: with ``resolutions=(32, 64, 96)`` the encoder sees every input view
    resized to each size and averages the features before the head (see ``FrozenTeacher``).

    Feature cache (``cache_features=True``): the encoder is frozen, so the feature of an
    unchanged image never changes. The averaged feature of every sample is memoised by its
    ``sample_idx`` (from the data samples) together with a fingerprint of its input tensor; it is
    reused only when the fingerprint matches, so augmented or mixed inputs are recomputed and
    results are always exact. With a deterministic training pipeline every epoch after the first
    trains the head on cached features (far cheaper on CPU). Separate caches serve training and
    evaluation; they live in memory only and are not saved in checkpoints.

    Args:
        encoder (dict): The frozen encoder's classifier config (its ``data_preprocessor`` gives
            the normalisation it expects).
        num_classes (int): Classes of the new head.
        encoder_checkpoint (str, optional): Path or URL of the encoder's pretrained weights.
        head (dict, optional): Head config. Defaults to mmpretrain's ``LinearClsHead``;
            ``num_classes``, ``in_channels`` (the encoder's feature width) and ``loss`` are
            filled in when missing.
        loss (dict): Loss of the default head (e.g. ``dict(type='CrossEntropyLoss')``,
            mmltbin's balanced softmax or label-aware smoothing). Defaults to cross-entropy.
        resolutions (Sequence[int], optional): Sizes (pixels, shorter side) at which the encoder
            sees every input; ``None`` uses the inputs unchanged.
        resize_mode (str): ``F.interpolate`` mode. Defaults to ``'bilinear'``.
        feature_mode (str): The encoder's feature (see ``FrozenTeacher``). Defaults to
            ``'pooled'``.
        cache_features (bool): Memoise encoder features per sample (see above).
            Defaults to False.
        adapt_encoder (Sequence[str]): Encoder submodules trained with the head, e.g.
            ``('model.blocks.6', 'model.conv_head', 'model.bn2')`` (the last stage of a timm
            EfficientNet; see ``FrozenTeacher``'s ``trainable``). A calibration beyond the
            paper's frozen form; needs ``cache_features=False``. Their weights are saved as
            ``encoder.*`` like the rest, so the calibrated teacher loads them unchanged.
            Defaults to ``()``: the paper's frozen encoder.
        revise_keys (list[tuple[str, str]]): Key rewrites for ``encoder_checkpoint``.
        train_cfg (dict, optional): ``dict(augments=...)`` batch augmentations, as in
            mmpretrain's ``ImageClassifier``.
        data_preprocessor (dict, optional): Defaults to the encoder's data preprocessor, so the
            inputs are normalised the way the encoder was trained. Another normalisation is
            converted to the encoder's inside the model.
        init_cfg (dict, optional): Initialisation config of this module.

    Example:
        >>> import torch
        >>> from mmltbin.models.classifiers import LinearProbeClassifier
        >>> probe = LinearProbeClassifier(
        ...     encoder=dict(type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18),
        ...                  neck=dict(type='GlobalAveragePooling'),
        ...                  data_preprocessor=dict(mean=[127.5] * 3, std=[128.0] * 3)),
        ...     num_classes=10, resolutions=(32, 64))
        >>> probe(torch.rand(2, 3, 32, 32)).shape
        torch.Size([2, 10])
        >>> [n for n, p in probe.named_parameters() if p.requires_grad]
        ['head.fc.weight', 'head.fc.bias']
    """

    def __init__(self,
                 encoder: dict,
                 num_classes: int,
                 encoder_checkpoint: Optional[str] = None,
                 head: Optional[dict] = None,
                 loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 resolutions: Optional[Sequence[int]] = None,
                 resize_mode: str = 'bilinear',
                 feature_mode: str = 'pooled',
                 cache_features: bool = False,
                 adapt_encoder: Sequence[str] = (),
                 revise_keys: ReviseKeys = ((r'^module\.', ''), ),
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if not isinstance(encoder, dict):
            raise TypeError('LinearProbeClassifier: encoder must be a classifier config dict, '
                            f'got {type(encoder).__name__}')
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f'LinearProbeClassifier: num_classes must be a positive int, '
                             f'got {num_classes!r}')
        if cache_features and adapt_encoder:
            raise ValueError('LinearProbeClassifier: cache_features memoises frozen features, '
                             f'but adapt_encoder={tuple(adapt_encoder)} trains part of the '
                             'encoder, so its features change every step: set '
                             'model.cache_features=False (and drop a FeatureCachePrefillHook)')
        if data_preprocessor is None:
            data_preprocessor = copy.deepcopy(dict(encoder.get('data_preprocessor') or {}))
            data_preprocessor['num_classes'] = num_classes
        data_preprocessor = dict(data_preprocessor)
        data_preprocessor.setdefault('type', 'ClsDataPreprocessor')
        if train_cfg is not None and 'augments' in train_cfg:
            data_preprocessor['batch_augments'] = train_cfg
        with mmpretrain_scope():
            super().__init__(init_cfg=init_cfg, data_preprocessor=data_preprocessor)

        self.encoder_checkpoint = encoder_checkpoint
        self.num_classes = num_classes
        self.cache_features = cache_features
        self.encoder = FrozenTeacher(encoder, checkpoint=None, resolutions=resolutions,
                                     resize_mode=resize_mode, revise_keys=revise_keys,
                                     feature_mode=feature_mode, keep_encoder_head=False,
                                     trainable=adapt_encoder)
        # inputs arrive as this model's preprocessor makes them
        self.encoder.match_input_norm(self.data_preprocessor)
        self.feat_dim = self.encoder.feat_dim

        head = copy.deepcopy(dict(head or dict(type='LinearClsHead')))
        head.setdefault('num_classes', num_classes)
        head.setdefault('in_channels', self.feat_dim)
        head.setdefault('loss', loss)
        if head['num_classes'] != num_classes:
            raise ValueError(f'LinearProbeClassifier: head.num_classes ({head["num_classes"]}) '
                             f'differs from num_classes ({num_classes})')
        self.head = MODELS.build(head)

        self._cache: Dict[str, Dict[int, Tuple[float, Tensor]]] = {'train': {}, 'eval': {}}
        self._fingerprint_proj: Dict[int, Tensor] = {}

    # ----------------------------------------------------------------------------------------
    # weights

    def init_weights(self) -> None:
        """Initialise the head, then load ``encoder_checkpoint`` into the frozen encoder."""
        super().init_weights()
        if self.encoder_checkpoint is not None:
            self.encoder.load_checkpoint(self.encoder_checkpoint)
        self.clear_feature_cache()

    def feature_cache(self, split: str = 'train') -> Dict[int, Tuple[float, Tensor]]:
        """The memoised features of ``split`` (``'train'`` or ``'eval'``): sample id ->
        (input fingerprint, feature); entries may be added (e.g. from other processes)."""
        return self._cache[split]

    def clear_feature_cache(self) -> None:
        """Forget every memoised feature (done automatically when encoder weights load)."""
        for cache in self._cache.values():
            cache.clear()

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self.clear_feature_cache()

    # ----------------------------------------------------------------------------------------
    # features

    def _fingerprint(self, views: List[Tensor]) -> Tensor:
        """One float64 number per sample that changes whenever its input changes."""
        total = 0
        for view in views:
            flat = view.detach().flatten(1).double()
            numel = flat.shape[1]
            if numel not in self._fingerprint_proj:
                gen = torch.Generator().manual_seed(numel)
                self._fingerprint_proj[numel] = torch.randn(numel, generator=gen,
                                                            dtype=torch.float64)
            total = total + flat @ self._fingerprint_proj[numel].to(flat.device)
        return total.cpu()

    @staticmethod
    def _sample_ids(data_samples: Optional[List[DataSample]]) -> Optional[List[int]]:
        if not data_samples:
            return None
        ids = [ds.metainfo.get('sample_idx') for ds in data_samples]
        return None if any(i is None for i in ids) else [int(i) for i in ids]

    def extract_feat(self, inputs: Views,
                     data_samples: Optional[List[DataSample]] = None) -> Tensor:
        """Frozen encoder features ``[N, D]`` of a batch (or of several views of it).

        With ``cache_features`` and data samples carrying ``sample_idx``, features of unchanged
        inputs come from the cache.
        """
        views = as_views(inputs, 'LinearProbeClassifier')
        ids = self._sample_ids(data_samples) if self.cache_features else None
        if ids is None:
            return self.encoder.extract_feat(views)
        cache = self._cache['train' if self.training else 'eval']
        prints = self._fingerprint(views)
        hits = [i for i, (sid, fp) in enumerate(zip(ids, prints.tolist()))
                if sid in cache and abs(cache[sid][0] - fp) <= 1e-9 * (1.0 + abs(fp))]
        hit_set = set(hits)
        misses = [i for i in range(len(ids)) if i not in hit_set]
        device = views[0].device
        out = torch.empty(len(ids), self.feat_dim, device=device)
        if misses:
            index = torch.tensor(misses, device=device)
            fresh = self.encoder.extract_feat([v.index_select(0, index) for v in views])
            out[index] = fresh
            for row, i in enumerate(misses):
                cache[ids[i]] = (float(prints[i]), fresh[row].detach().cpu().clone())
        for i in hits:
            out[i] = cache[ids[i]][1].to(device)
        return out

    # ----------------------------------------------------------------------------------------
    # classifier API

    def forward(self, inputs: Views, data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """mmengine's entry: ``'tensor'`` (logits), ``'loss'`` or ``'predict'``."""
        if mode == 'tensor':
            return self.head((self.extract_feat(inputs, data_samples), ))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'LinearProbeClassifier: invalid mode "{mode}"')

    def loss(self, inputs: Views, data_samples: List[DataSample]) -> dict:
        """Loss of the head on the frozen features."""
        return self.head.loss((self.extract_feat(inputs, data_samples), ), data_samples)

    def predict(self, inputs: Views,
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        """Predictions of the calibrated head."""
        return self.head.predict((self.extract_feat(inputs, data_samples), ), data_samples)
