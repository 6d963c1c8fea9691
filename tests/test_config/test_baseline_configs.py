"""Every LT baseline config on ReActNet-A builds and trains briefly on real Fashion-MNIST-LT."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.utils import load_checkpoint_safely
from mmpretrain.registry import MODELS
from toolrun import FASHION_MNIST_ROOT, REPO_ROOT

CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'baselines')
CONFIGS = sorted(osp.basename(p)[:-3] for p in glob.glob(
    osp.join(CONFIG_DIR, 'reactnet-a_*_fashion-mnist-lt.py')))
STAGE1 = 'reactnet-a_ce_fashion-mnist-lt'
# stage-2 configs and the key that names their stage-1 checkpoint
STAGE2 = {
    'reactnet-a_crt_fashion-mnist-lt': 'model.backbone.init_cfg.checkpoint',
    'reactnet-a_lws_fashion-mnist-lt': 'load_from',
    'reactnet-a_mislas-stage2_fashion-mnist-lt': 'load_from',
    'reactnet-a_wb-stage2_fashion-mnist-lt': 'load_from',
}
EXPECTED = {  # the component each method is about
    'balanced-softmax': ('loss', 'BalancedSoftmaxLoss'),
    'logit-adjust': ('head', 'LogitAdjustedLinearClsHead'),
    'tau-norm': ('head', 'TauNormClsHead'),
    'ldam-drw': ('inner', 'LDAMLoss'),
    'cb-ce': ('inner', 'CrossEntropyLoss'),
    'cb-focal': ('inner', 'FocalLoss'),
    'las': ('loss', 'LabelAwareSmoothingLoss'),
    'mislas-stage2': ('loss', 'LabelAwareSmoothingLoss'),
    'lws': ('head', 'LWSClsHead'),
    'wb-stage2': ('inner', 'CrossEntropyLoss'),
}


def load(name: str) -> Config:
    return Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py'))


def test_every_method_of_the_issue_has_a_config():
    methods = {name.split('_')[1] for name in CONFIGS}
    assert set(EXPECTED) | {'ce', 'crt', 'mislas-stage1', 'wb-stage1'} == methods


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_the_intended_model(name):
    cfg = load(name)
    init_default_scope('mmpretrain')
    model_cfg = cfg.model
    model_cfg.backbone.pop('init_cfg', None)  # the stage-1 checkpoint is not needed here
    model = MODELS.build(model_cfg)
    assert type(model.backbone).__name__ == 'ReActNet'
    assert cfg.train_dataloader.dataset.type == 'LongTailDataset'
    assert cfg.default_hooks.precise_bn.type == 'FinalPreciseBNHook'
    method = name.split('_')[1]
    if method in EXPECTED:
        where, expected = EXPECTED[method]
        component = {'head': model.head, 'loss': model.head.loss_module,
                     'inner': getattr(model.head.loss_module, 'loss', None)}[where]
        assert type(component).__name__ == expected
    if name in STAGE2:  # frozen backbone: only the head trains
        trainable = {n.split('.')[0] for n, p in model.named_parameters() if p.requires_grad}
        assert trainable == {'head'}


def _tiny(cfg: Config, work_dir) -> Config:
    """A few iterations on a small real subset: n_max 20, rho 10; 100 test images."""
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.dataset.dataset.data_root = FASHION_MNIST_ROOT
    cfg.train_dataloader.dataset.dataset.serialize_data = False  # saves pickling 60k images
    cfg.val_dataloader.dataset.data_root = FASHION_MNIST_ROOT
    cfg.train_dataloader.dataset.n_max = 20
    cfg.train_dataloader.dataset.rho = 10
    for key in ('train_dataloader', 'val_dataloader'):
        cfg[key].update(batch_size=16, num_workers=0, persistent_workers=False)
    cfg.val_dataloader.dataset.indices = 100
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(scope='module')
def stage1(tmp_path_factory):
    """A stage-1 (CE) checkpoint of the tiny run, for the stage-2 configs."""
    if not osp.isfile(osp.join(FASHION_MNIST_ROOT, 'train-labels-idx1-ubyte')):
        pytest.skip('Fashion-MNIST is not prepared: run `bash tools/prepare_data.sh`')
    work_dir = tmp_path_factory.mktemp(STAGE1)
    Runner.from_cfg(_tiny(load(STAGE1), work_dir)).train()
    return str(work_dir / 'epoch_1.pth')


@pytest.mark.slow
@pytest.mark.parametrize('name', [n for n in CONFIGS if n != STAGE1])
def test_config_trains_briefly_on_fashion_mnist_lt(name, stage1, tmp_path):
    cfg = _tiny(load(name), tmp_path)
    if name in STAGE2:
        cfg.merge_from_dict({STAGE2[name]: stage1})
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.message_hub.get_scalar('val/accuracy/top1')
    assert metrics is not None
    state = load_checkpoint_safely(str(tmp_path / 'epoch_1.pth'))['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())
    if name in STAGE2:  # the backbone is exactly the stage-1 one
        reference = load_checkpoint_safely(stage1)['state_dict']
        backbone = [k for k in reference if k.startswith('backbone.')]
        assert backbone and all(torch.equal(state[k], reference[k]) for k in backbone)


def test_fp_twin_config_is_the_ce_baseline_with_real_layers():
    """The Binary-FP gap's reference: the cross-entropy baseline with backbone binary=False."""
    from mmltbin.models.layers import BinaryConv2d
    twin, binary = load('reactnet-a-fp_ce_fashion-mnist-lt'), load(STAGE1)
    assert twin.model.backbone.pop('binary') is False
    assert twin.model.to_dict() == binary.model.to_dict()
    init_default_scope('mmpretrain')
    model = MODELS.build(load('reactnet-a-fp_ce_fashion-mnist-lt').model)
    assert not any(isinstance(m, BinaryConv2d) for m in model.modules())
