"""Every dataset runs the one benchmarked method: the method settings of each
``configs/ltbin/reactnet*.py`` equal the Fashion-MNIST-LT default's, apart from a documented
list of per-dataset keys, and each ablation or preset differs only in the keys it names."""
import glob
import os.path as osp
from typing import Any, Dict

import pytest
from mmengine.config import Config

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LTBIN = osp.join(REPO_ROOT, 'configs', 'ltbin')
DEFAULT = 'reactnet_fashion-mnist-lt.py'

# What "the method" is: the settings a leaf must not change.
METHOD_KEYS = (
    'model.type', 'model.teacher.type', 'model.teacher.model.type', 'model.teacher.head.type',
    'model.teacher_input', 'model.train_cfg',
    'model.kd_loss', 'model.feature_loss', 'model.projector', 'model.balancer',
    'model.task_loss', 'model.teacher_cache', 'model.teacher.resolutions',
    'model.teacher.autocast', 'model.teacher.runtime',
    'train_dataloader.sampler', 'train_dataloader.batch_size', 'custom_hooks',
    'default_hooks.teacher_cache_prefill', 'optim_wrapper', 'param_scheduler',
)
# Per-dataset keys allowed to differ from the default (besides the dataset, the number of
# classes, the teacher checkpoint, the schedule's length and the student's size, which are not
# method keys): 224 px images run one teacher resolution
# (configs/ltbin/_base_/calibrated-distill_224px.py).
PER_DATASET_224PX = {'model.teacher.resolutions'}
CACHED = 'reactnet_fashion-mnist-lt_cached.py'
# The cached form against the online default: a cache and its prefill, a float32 teacher, no
# Mixup (train_cfg)
CACHE_KEYS = {'model.teacher_cache', 'default_hooks.teacher_cache_prefill', 'model.train_cfg',
              'model.teacher.autocast'}
# Ablations of the Fashion-MNIST-LT method (benchmark rows): the config they vary and the keys
# each one changes.
VARIANTS = {
    CACHED: (DEFAULT, CACHE_KEYS),
    'reactnet_fashion-mnist-lt_32px.py': (CACHED, {'model.teacher.resolutions'}),
    'reactnet_fashion-mnist-lt_32px-fixed-lambda.py': (CACHED, {'model.teacher.resolutions',
                                                                'model.balancer'}),
    'reactnet_fashion-mnist-lt_balanced-sampling.py': (CACHED, {
        'model.kd_loss', 'model.task_loss', 'train_dataloader.sampler'}),
    'reactnet_fashion-mnist-lt_ce-teacher.py': (CACHED, set()),
    'reactnet_fashion-mnist-lt_instance-sampling.py': (CACHED, {
        'model.kd_loss', 'model.task_loss', 'train_dataloader.sampler'}),
    'reactnet_fashion-mnist-lt_no-task-loss.py': (CACHED, {'model.task_loss'}),
    'reactnet_fashion-mnist-lt_4res.py': (CACHED, {'model.teacher.resolutions'}),
    'reactnet_fashion-mnist-lt_no-cache.py': (DEFAULT, {'model.train_cfg',
                                                        'model.teacher.autocast'}),
    'reactnet_fashion-mnist-lt_online-mixup.py': (DEFAULT, {'model.teacher.autocast',
                                                            'model.teacher.runtime'}),
    'reactnet_fashion-mnist-lt_torch-teacher.py': (DEFAULT, {'model.teacher.runtime'}),
    'reactnet_fashion-mnist-lt_online-cutmix.py': (DEFAULT, {'model.train_cfg',
                                                            'model.teacher.autocast'}),
    'reactnet_fashion-mnist-lt_one-res.py': (DEFAULT, {
        'model.train_cfg', 'model.teacher.autocast', 'model.teacher_input',
        'model.teacher.resolutions'}),
}
# (and no Mixup: model.train_cfg, unless its reference is the cached form, which has none)
PAPER_FORM_KEYS = {'model.kd_loss', 'model.balancer', 'model.task_loss',
                   'train_dataloader.sampler'}

METHOD_CONFIGS = sorted(osp.basename(p) for p in glob.glob(osp.join(LTBIN, 'reactnet*.py')))
DATASET_CONFIGS = [c for c in METHOD_CONFIGS if c not in VARIANTS]
PAPER_FORM = sorted(glob.glob(osp.join(LTBIN, 'paper-form', 'reactnet-paper_*.py')))


def _get(cfg: Config, key: str) -> Any:
    node: Any = cfg.to_dict()
    for part in key.split('.'):
        if not isinstance(node, dict) or part not in node:
            return '<absent>'
        node = node[part]
    return node


def method_settings(cfg: Config) -> Dict[str, Any]:
    return {key: _get(cfg, key) for key in METHOD_KEYS}


def drift(config: str, reference: str = DEFAULT) -> set:
    """The method keys whose value in ``config`` differs from ``reference``'s."""
    ours = method_settings(Config.fromfile(osp.join(LTBIN, config)))
    theirs = method_settings(Config.fromfile(osp.join(LTBIN, reference)))
    return {key for key in METHOD_KEYS if ours[key] != theirs[key]}


def test_every_dataset_has_a_method_and_a_calibration_config():
    datasets = {c[len('reactnet_'):-3] for c in DATASET_CONFIGS if c.startswith('reactnet_')}
    # the 15 datasets of the paper and the CPU benchmark
    assert len(datasets) == 16, sorted(datasets)
    for name in datasets:
        assert osp.isfile(osp.join(LTBIN, f'calibrate_effnet-lite0_{name}.py')), name
        assert osp.isfile(osp.join(LTBIN, 'paper-form', f'reactnet-paper_{name}.py')), name


@pytest.mark.parametrize('config', DATASET_CONFIGS)
def test_dataset_configs_run_the_default_method(config):
    cfg = Config.fromfile(osp.join(LTBIN, config))
    allowed = PER_DATASET_224PX if cfg.model.backbone.stem_stride == 2 else set()
    assert drift(config) <= allowed, f'{config} drifts from {DEFAULT}'
    # the student's head and the teacher's head both have the dataset's classes
    classes = cfg.data_preprocessor.num_classes
    assert cfg.model.head.num_classes == classes
    assert cfg.model.teacher.head.num_classes == classes
    assert cfg.param_scheduler[0].get('T_max') is None  # follows train_cfg.max_epochs
    # the student's BatchNorm statistics re-estimated after the last epoch (default_runtime.py)
    assert cfg.default_hooks.precise_bn.type == 'FinalPreciseBNHook'


@pytest.mark.parametrize('config', sorted(VARIANTS))
def test_variants_change_only_what_they_name(config):
    reference, keys = VARIANTS[config]
    assert drift(config, reference) == keys


@pytest.mark.parametrize('path', PAPER_FORM, ids=osp.basename)
def test_paper_form_is_the_preset_on_the_dataset_default(path):
    name = osp.basename(path)[len('reactnet-paper_'):]
    config = osp.relpath(path, LTBIN)
    cached = f'reactnet_{name[:-3]}_cached.py'
    if osp.isfile(osp.join(LTBIN, cached)):  # as its benchmark row measured it
        assert drift(config, cached) == PAPER_FORM_KEYS
    else:
        assert drift(config, f'reactnet_{name}') == PAPER_FORM_KEYS | {'model.train_cfg'}
    cfg = Config.fromfile(path)
    assert cfg.model.kd_loss.prior_adjust == 'none' and cfg.model.task_loss is None
    assert (cfg.model.balancer.lo, cfg.model.balancer.hi) == (0.0, 1.0)
    assert not cfg.model.balancer.normalize_terms and cfg.model.balancer.reg_weight == 0.0
    assert cfg.train_dataloader.sampler.type == 'DefaultSampler'
    teacher = cfg.model.teacher.checkpoint
    calib = osp.basename(osp.dirname(teacher))
    calib_cfg = Config.fromfile(glob.glob(osp.join(LTBIN, '**', calib + '.py'),
                                          recursive=True)[0])
    assert calib_cfg.model.loss.type == 'LabelAwareSmoothingLoss'
    assert calib_cfg.train_dataloader.sampler.mode == 'balanced'


def test_drift_is_detected(tmp_path):
    """The comparison fails for a leaf that changes a method key."""
    leaf = osp.join(LTBIN, '_drift_check.py')
    try:
        with open(leaf, 'w') as f:
            f.write("_base_ = './reactnet_cifar10-lt.py'\n"
                    'model = dict(kd_loss=dict(prior_strength=1.0))\n')
        assert drift('_drift_check.py') == {'model.kd_loss'}
    finally:
        import os
        os.remove(leaf)
