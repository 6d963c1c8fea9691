"""mmltbin.utils.config_keys: a key no component takes is refused, naming the key and the file;
every config of the repository and legitimate additions pass."""
import argparse
import glob
import os.path as osp

import pytest
from mmengine.config import Config

import mmltbin  # noqa: F401  (registers the components the configs name)
from mmltbin.utils import UnknownConfigKeyError, check_config_keys, load_config
from mmltbin.utils.config_keys import find_unknown_keys
from toolrun import REPO_ROOT

METHOD = osp.join(REPO_ROOT, 'configs', 'ltbin', 'reactnet_fashion-mnist-lt.py')


def _leaf(tmp_path, body: str, base: str = METHOD, name: str = 'leaf.py') -> str:
    path = tmp_path / name
    path.write_text(f'_base_ = {base!r}\n{body}\n')
    return str(path)


def _refusal(filename: str) -> str:
    with pytest.raises(UnknownConfigKeyError) as err:
        check_config_keys(Config.fromfile(filename))
    return str(err.value)


CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True))
# one of each kind: the small- and 224 px method, the paper's form, a calibration, a baseline
KINDS = ('ltbin/reactnet_fashion-mnist-lt.py', 'ltbin/reactnet_inat.py',
         'ltbin/calibrate_effnet-lite0_cifar100-lt.py', 'ltbin/reactnet-w0.25_cifar10-lt.py')


def _rel(path: str) -> str:
    return osp.relpath(path, osp.join(REPO_ROOT, 'configs'))


@pytest.mark.parametrize('config', KINDS)
def test_main_configs_pass(config):
    assert find_unknown_keys(Config.fromfile(osp.join(REPO_ROOT, 'configs', config))) == []


@pytest.mark.slow  # loads every config of the repository
@pytest.mark.parametrize('config', CONFIGS, ids=_rel)
def test_every_repository_config_passes(config):
    assert find_unknown_keys(Config.fromfile(config)) == []


def test_misspelt_loss_argument_names_key_file_and_fix(tmp_path):
    leaf = _leaf(tmp_path, 'model = dict(kd_loss=dict(prior_strenght=0.5))')
    message = _refusal(leaf)
    assert 'config key model.kd_loss.prior_strenght' in message
    assert f'(set in {leaf})' in message
    assert 'KDLoss (MODELS)' in message and "did you mean 'prior_strength'?" in message


@pytest.mark.parametrize('body,key,component', [
    ("model = dict(teacher=dict(checkpont='x.pth'))", 'model.teacher.checkpont',
     'FrozenTeacher'),
    ('model = dict(kd_los=dict(tau=2.0))', 'model.kd_los', 'CalibratedDistiller'),
    ('train_dataloader = dict(batch_sise=8)', 'train_dataloader.batch_sise', 'DataLoader'),
    ("train_dataloader = dict(dataset=dict(rh0=10))", 'train_dataloader.dataset.rh0',
     'LongTailDataset'),
    ("default_hooks = dict(teacher_cache_prefill=dict(type='TeacherCachePrefillHook', "
     'batchsize=8))',
     'default_hooks.teacher_cache_prefill.batchsize', 'TeacherCachePrefillHook'),
    ('train_cfg = dict(max_epoch=200)', 'train_cfg.max_epoch', 'EpochBasedTrainLoop'),
])
def test_unknown_keys_anywhere_are_named(tmp_path, body, key, component):
    message = _refusal(_leaf(tmp_path, body))
    assert f'config key {key} ' in message and component in message


def test_key_set_in_an_intermediate_base_names_that_file(tmp_path):
    middle = _leaf(tmp_path, 'model = dict(balancer=dict(hii=0.8))', name='middle.py')
    leaf = _leaf(tmp_path, 'train_cfg = dict(max_epochs=2)', base=middle)
    message = _refusal(leaf)
    assert f'config key model.balancer.hii (set in {middle})' in message


def test_every_unknown_key_is_listed(tmp_path):
    leaf = _leaf(tmp_path, "model = dict(kd_loss=dict(tua=1.0), teacher=dict(strcit=False))")
    message = _refusal(leaf)
    assert 'model.kd_loss.tua' in message and 'model.teacher.strcit' in message


def test_legitimate_additions_pass(tmp_path):
    leaf = _leaf(tmp_path, '\n'.join([
        'my_schedule_note = dict(anything=1)',  # a new top-level variable
        "custom_hooks = [dict(type='DRWHook', start_epoch=2, priority='LOW'),",  # a new hook
        "                dict(type='EMAHook', momentum=0.001, any_ema_argument=1)]",  # **kwargs
        "model = dict(teacher=dict(model=dict(encoder=dict(drop_rate=0.1))),",  # timm **kwargs
        "             backbone=dict(init_cfg=dict(type='Kaiming', layer='Conv2d')))",
        'train_dataloader = dict(pin_memory=True, drop_last=True)',
    ]))
    check_config_keys(Config.fromfile(leaf))


def test_load_config_refuses_before_anything_is_built(tmp_path):
    leaf = _leaf(tmp_path, 'model = dict(kd_loss=dict(prior_strenght=0.5))')
    args = argparse.Namespace(config=leaf, launcher='none', work_dir=None, local_rank=0)
    with pytest.raises(KeyError, match='model.kd_loss.prior_strenght'):
        load_config(args)
    good = argparse.Namespace(config=METHOD, launcher='none', work_dir=None, local_rank=0)
    assert load_config(good).model.kd_loss.prior_strength == 0.5
