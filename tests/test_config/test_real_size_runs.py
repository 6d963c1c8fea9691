"""Every method and calibration config trains at its real size on data in its own format.

For each ``configs/ltbin/reactnet*.py`` and ``configs/ltbin/calibrate_*.py``: a few images are
fabricated in the dataset's on-disk format (mmltbin.testing.fabricate_dataset), the Runner is
built from the unmodified config, run from the folder that holds the fabricated ``data/``, with
only counts changed (batch size 2, no worker processes, 1 iteration, a long-tailed ``n_max`` /
``rho`` that the few images can give, no checkpoint or validation during the step), and
trains at the config's own resolution and model size: ReActNet-A width 1.0 at 224 px with the
EfficientNet-Lite0 teacher for the 224 px sets. The calibrated teacher a method config names is
the checkpoint of its calibration config's run. Then one batch of the validation loader (the
test pipeline) goes through the trained model.

The cache prefill hooks (the calibration's frozen features, the method's teacher outputs) pass
every training image at real size through EfficientNet-Lite0 before the first step, which is
most of a run's cost and the same code path for configs that differ only in their data. So the
prefill runs for one config per prefill signature (the model with class counts and checkpoint
paths blanked, the training pipeline but for its loading step, and the prefill hooks): the one
with the fewest classes. The other configs of the signature train their real-size step without
those hooks (the step then computes the features or teacher outputs itself); each config still
builds its own data, model and teacher and trains and evaluates as above.
"""
import glob
import json
import math
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Set
from unittest import mock

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmltbin.testing import accept_fabricated_cifar, fabricate_dataset
from toolrun import REPO_ROOT

LTBIN = osp.join(REPO_ROOT, 'configs', 'ltbin')
CALIBRATION = sorted(glob.glob(osp.join(LTBIN, 'calibrate_*.py')))
METHOD = sorted(glob.glob(osp.join(LTBIN, 'reactnet*.py')))
PER_CLASS = 10  # training images per class (the derived sets' rho 10 needs 10 for the tail)
# n_max and rho of the sets that set n_max (CIFAR, Fashion-MNIST): the tail class keeps 1 image,
# and the teacher-cache prefill (every image x 4 slots) stays short for CIFAR-100's 100 classes
SMALL_N_MAX = 4
PREFILL_HOOKS = ('FeatureCachePrefillHook', 'TeacherCachePrefillHook')


def _loaders(cfg: Config):
    return [cfg[name] for name in ('train_dataloader', 'val_dataloader', 'test_dataloader')
            if cfg.get(name)]


def _blank_data_keys(obj: object) -> object:
    """``obj`` with the values that follow from the data set (class counts, the calibrated
    teacher's checkpoint path) set to None."""
    if isinstance(obj, dict):
        return {k: None if k in ('num_classes', 'checkpoint') else _blank_data_keys(v)
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_blank_data_keys(v) for v in obj]
    return obj


def _prefill_hooks(cfg: Config) -> Dict[str, dict]:
    return {k: v for k, v in cfg.default_hooks.items()
            if v and v.get('type') in PREFILL_HOOKS}


def prefill_signature(cfg: Config) -> Optional[str]:
    """What the cache prefill depends on besides the data; None without a prefill hook."""
    hooks = _prefill_hooks(cfg)
    if not hooks:
        return None
    dataset = cfg.train_dataloader.dataset
    while 'dataset' in dataset:  # the wrapped set's pipeline (LongTailDataset wraps it)
        dataset = dataset.dataset
    # how the files are decoded is the data's format, which every config's own step reads
    pipeline = [t for t in dataset.get('pipeline', []) if not t['type'].startswith('Load')]
    return json.dumps(_blank_data_keys(Config(dict(
        model=cfg.model, pipeline=pipeline, hooks=hooks)).to_dict()),
        sort_keys=True, default=str)


def prefilling_configs(configs: List[str]) -> Set[str]:
    """Per prefill signature, the config with the fewest classes (then the first by name)."""
    chosen: Dict[str, tuple] = {}
    for config in sorted(configs):
        cfg = Config.fromfile(config)
        signature = prefill_signature(cfg)
        key = (cfg.data_preprocessor.num_classes, config)
        if signature is not None and (signature not in chosen or key < chosen[signature]):
            chosen[signature] = key
    return {config for _, config in chosen.values()}


def smoke_counts(cfg: Config, work_dir: str, iters: int = 1,
                 prefill: bool = True) -> Config:
    """Only counts changed: small batches in-process, ``iters`` iterations, a long-tailed
    subset the fabricated images can give, no checkpoint and no validation in the run;
    without ``prefill`` the cache prefill hooks are left out."""
    cfg.work_dir = work_dir
    for loader in _loaders(cfg):
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    subset = cfg.train_dataloader.dataset
    if subset.get('type') == 'LongTailDataset' and subset.get('profile', 'exp') == 'exp' \
            and subset.get('n_max') is not None:
        subset.n_max = SMALL_N_MAX
        subset.rho = min(subset.get('rho', 100), SMALL_N_MAX)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = None
    if cfg.default_hooks.get('precise_bn'):  # two batches, not a pass over the training set
        cfg.default_hooks.precise_bn.num_samples = 4
    if not prefill:
        for key in _prefill_hooks(cfg):
            cfg.default_hooks.pop(key)
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type') == 'TeacherCalibrationHook':
            hook.epochs = 1
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(scope='module')
def world(tmp_path_factory) -> Iterator[Dict[str, object]]:
    """A folder to run from: fabricated ``data/``, ``checkpoints/`` of the repository (the
    converted EfficientNet-Lite0), ``work_dirs/`` for the calibrated teachers; ``prefilling``:
    the configs whose runs keep the cache prefill hooks."""
    root = str(tmp_path_factory.mktemp('real_size'))
    ckpt = osp.join(REPO_ROOT, 'checkpoints', 'efficientnet-lite0_in1k_timm.pth')
    if not osp.isfile(ckpt):
        pytest.skip('run tools/model_converters/efficientnet_lite_to_timm.py first')
    os.symlink(osp.dirname(ckpt), osp.join(root, 'checkpoints'))
    # Each Runner logs and dumps its config formatted by yapf, which takes seconds per config;
    # nothing here reads that text, so the plain repr stands in for it.
    with mock.patch.object(Config, 'pretty_text', property(lambda cfg: repr(cfg._cfg_dict))):
        yield dict(root=root, fabricated=set(),
                   prefilling=prefilling_configs(CALIBRATION + METHOD))


def _fabricate(cfg: Config, world: dict) -> None:
    roots = tuple(sorted({str(loader.dataset) for loader in _loaders(cfg)}))
    if roots in world['fabricated']:
        return
    subset = cfg.train_dataloader.dataset
    # sets long-tailed already (profile 'all') need one image per class, not ten
    per_class = 1 if subset.get('profile') == 'all' else PER_CLASS
    fabricate_dataset(cfg, world['root'], per_class=per_class, test_per_class=1)
    world['fabricated'].add(roots)


def _train(config: str, world: dict) -> Runner:
    """Build the runner of ``config`` with smoke counts, train it and check the step. A
    calibration config's model is saved where its full run's last checkpoint would be
    (``work_dirs/<config name>/epoch_<max_epochs>.pth``), the file method configs name."""
    cfg = Config.fromfile(config)
    name = osp.splitext(osp.basename(config))[0]
    _fabricate(cfg, world)
    teacher_ckpt = cfg.model.get('teacher', {}).get('checkpoint')
    if teacher_ckpt and not osp.isfile(teacher_ckpt):
        calibration = osp.join(LTBIN, osp.basename(osp.dirname(teacher_ckpt)) + '.py')
        assert osp.isfile(calibration), f'{name}: no calibration config for {teacher_ckpt}'
        _train(calibration, world)
        assert osp.isfile(teacher_ckpt), f'{name}: {calibration} does not give {teacher_ckpt}'
    last_epoch = cfg.train_cfg.get('max_epochs')
    runner = Runner.from_cfg(smoke_counts(cfg, osp.join(world['root'], 'runs', name),
                                          prefill=config in world['prefilling']))
    before = {n: p.detach().clone() for n, p in runner.model.named_parameters()
              if p.requires_grad}
    runner.train()
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss), f'{name}: loss {loss}'
    after = dict(runner.model.named_parameters())
    changed = [n for n, p in before.items() if not torch.equal(p, after[n].detach())]
    assert changed, f'{name}: no parameter changed in the training step'
    if name.startswith('calibrate_'):
        runner.save_checkpoint(osp.join('work_dirs', name), f'epoch_{last_epoch}.pth')
    return runner


@pytest.mark.slow
@pytest.mark.parametrize('config', CALIBRATION + METHOD, ids=osp.basename)
def test_real_size_run(config, world, monkeypatch):
    monkeypatch.chdir(world['root'])
    with accept_fabricated_cifar():
        runner = _train(config, world)
        # the test pipeline and the eval-mode forward on one validation batch
        cfg = Config.fromfile(config)
        loader = cfg.val_dataloader
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        batch = next(iter(runner.build_dataloader(loader)))
    runner.model.eval()
    with torch.no_grad():
        outputs = runner.model.val_step(batch)
    num_classes = cfg.data_preprocessor.num_classes
    assert len(outputs) == 2
    assert outputs[0].pred_score.shape == (num_classes, )
    assert torch.isfinite(outputs[0].pred_score).all()
    if cfg.model.get('teacher_cache') and cfg.default_hooks.get('teacher_cache_prefill') \
            and config in world['prefilling']:
        # the prefill hook ran over every training image x slot before the first step
        # (the training step alone would leave at most 2 entries)
        images = len(runner.train_dataloader.dataset)
        assert len(runner.model.teacher_cache) >= images > 2
