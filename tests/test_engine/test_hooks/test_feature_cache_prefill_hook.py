"""FeatureCachePrefillHook: the calibration's frozen features computed before training, on real
Fashion-MNIST-LT with the ImageNet EfficientNet-Lite0 encoder."""
import glob
import json
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks import FeatureCachePrefillHook
from mmltbin.models.classifiers import LinearProbeClassifier
from toolrun import REPO_ROOT

CALIBRATE = osp.join(REPO_ROOT, 'configs/ltbin/calibrate_effnet-lite0_fashion-mnist-lt.py')
EFFNET = osp.join(REPO_ROOT, 'checkpoints', 'efficientnet-lite0_in1k_timm.pth')


def _runner(model) -> SimpleNamespace:
    return SimpleNamespace(model=model)


def _probe(**kwargs) -> LinearProbeClassifier:
    encoder = dict(type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18),
                   neck=dict(type='GlobalAveragePooling'),
                   data_preprocessor=dict(mean=[127.5] * 3, std=[128.0] * 3))
    return LinearProbeClassifier(encoder=encoder, num_classes=10, **kwargs)


def test_refuses_a_model_without_a_feature_cache():
    with pytest.raises(TypeError, match='LinearProbeClassifier'):
        FeatureCachePrefillHook()._probe(_runner(torch.nn.Linear(2, 2)))
    with pytest.raises(ValueError, match='model.cache_features'):
        FeatureCachePrefillHook()._probe(_runner(_probe(cache_features=False)))
    mixed = _probe(cache_features=True,
                   train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)))
    with pytest.raises(ValueError, match='model.train_cfg.augments'):
        FeatureCachePrefillHook()._probe(_runner(mixed))
    with pytest.raises(ValueError, match='batch_size'):
        FeatureCachePrefillHook(batch_size=0)


def _run(work_dir, prefill: bool) -> Runner:
    if not osp.isfile(EFFNET):
        pytest.skip('the converted teacher is missing: run '
                    'tools/model_converters/efficientnet_lite_to_timm.py')
    cfg = Config.fromfile(CALIBRATE)
    cfg.work_dir = str(work_dir)
    cfg.model.encoder_checkpoint = EFFNET
    cfg.model.resolutions = [32]
    cfg.train_dataloader.dataset.n_max = 40
    cfg.train_dataloader.dataset.rho = 10
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    if not prefill:
        cfg.default_hooks.pop('feature_cache_prefill')
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _losses(work_dir) -> list:
    path = glob.glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json'))[0]
    return [json.loads(line) for line in open(path)]


@pytest.mark.slow
def test_prefill_fills_every_image_and_changes_no_result(tmp_path, fashion_mnist_root):
    prefilled = _run(tmp_path / 'prefilled', prefill=True)
    cache = prefilled.model.feature_cache('train')
    assert len(cache) == len(prefilled.train_dataloader.dataset)
    _run(tmp_path / 'lazy', prefill=False)
    with_hook, without = _losses(tmp_path / 'prefilled'), _losses(tmp_path / 'lazy')
    assert [r['loss'] for r in with_hook if 'loss' in r] == \
        [r['loss'] for r in without if 'loss' in r]
    assert any('feature_cache_prefill_s' in r for r in with_hook)
    # the training iterations no longer pay for the encoder: the first epoch's are as cheap as
    # the second's (without the hook the first epoch's carry the whole feature pass)
    times = {e: [r['time'] for r in with_hook if r.get('epoch') == e and 'time' in r]
             for e in (1, 2)}
    lazy = {e: [r['time'] for r in without if r.get('epoch') == e and 'time' in r]
            for e in (1, 2)}
    assert max(times[1]) < 5 * max(times[2]) + 0.05
    assert sum(lazy[1]) > sum(times[1])
