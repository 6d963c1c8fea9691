"""Every checkpoint path loads with weights_only=True; pickled code is refused, clearly."""
import os
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

import mmltbin  # noqa: F401
from mmltbin.utils import UnsafeCheckpointError, load_checkpoint_safely
from mmpretrain.registry import MODELS
from toolrun import TEST_DATA, python_tool


class _RunsCode:
    """Unpickling this object calls os.system (what a malicious checkpoint does)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.fixture
def malicious_checkpoint(tmp_path):
    marker = str(tmp_path / 'code_ran')
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {'backbone.conv1.weight': torch.zeros(8, 1, 3, 3)},
                'payload': _RunsCode(marker)}, path)
    return path, marker


def _tiny_model(init_cfg=None):
    # whatever default scope an earlier test left current (a Runner leaves its own)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return _build_tiny_model(init_cfg)


def _build_tiny_model(init_cfg):
    return MODELS.build(dict(
        type='ImageClassifier', init_cfg=init_cfg,
        backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=8,
                      base_channels=8, num_stages=1, strides=(1, ), dilations=(1, ),
                      out_indices=(0, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=8)))


def test_direct_load_refuses_pickled_callable(malicious_checkpoint):
    path, marker = malicious_checkpoint
    with pytest.raises(UnsafeCheckpointError, match='evil.pth') as err:
        load_checkpoint_safely(path)
    assert 'posix.system' in str(err.value) or 'system' in str(err.value)
    assert not osp.exists(marker)


def test_mmengine_load_checkpoint_refuses_pickled_callable(malicious_checkpoint):
    """`load_from` and `Runner.load_checkpoint` go through this path."""
    path, marker = malicious_checkpoint
    with pytest.raises(UnsafeCheckpointError, match='weights_only=True'):
        load_checkpoint(_tiny_model(), path, map_location='cpu')
    assert not osp.exists(marker)


def test_pretrained_init_cfg_refuses_pickled_callable(malicious_checkpoint):
    path, marker = malicious_checkpoint
    model = _tiny_model(init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(UnsafeCheckpointError):
        model.init_weights()
    assert not osp.exists(marker)


@pytest.mark.slow
def test_train_tool_load_from_refuses_pickled_callable(malicious_checkpoint, tmp_path):
    path, marker = malicious_checkpoint
    proc = python_tool('train.py', osp.join(TEST_DATA, 'digits_tiny.py'), '--work-dir',
                       str(tmp_path / 'run'), '--cfg-options', f'load_from={path}',
                       'train_cfg.max_epochs=1')
    assert proc.returncode != 0
    assert 'UnsafeCheckpointError' in proc.stderr and 'evil.pth' in proc.stderr
    assert not osp.exists(marker)


def test_plain_state_dict_still_loads(tmp_path):
    model = _tiny_model()
    path = str(tmp_path / 'good.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {'epoch': 3}}, path)
    other = _tiny_model()
    load_checkpoint(other, path, map_location='cpu')
    for key, value in model.state_dict().items():
        assert torch.equal(value, other.state_dict()[key])


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_checkpoint_safely(str(tmp_path / 'missing.pth'))


def test_no_process_wide_switch():
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ
    assert 'TORCH_FORCE_WEIGHTS_ONLY_LOAD' not in os.environ or \
        os.environ['TORCH_FORCE_WEIGHTS_ONLY_LOAD'] not in ('0', 'false')


def test_url_checkpoints_are_loaded_safely_too(malicious_checkpoint, tmp_path, monkeypatch):
    """`load_from='https://...'`: the download is unpickled with weights_only=True as well."""
    import shutil

    import torch.hub
    from mmengine.runner.checkpoint import CheckpointLoader
    path, marker = malicious_checkpoint
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    monkeypatch.setattr(torch.hub, 'download_url_to_file',
                        lambda url, dst, progress=False: shutil.copyfile(path, dst))
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint('https://example.invalid/weights/evil.pth',
                                         map_location='cpu')
    assert osp.isfile(tmp_path / 'hub' / 'checkpoints' / 'evil.pth')
    assert not osp.exists(marker)


def test_missing_checkpoint_names_the_command_that_writes_it(tmp_path):
    """A student config's teacher checkpoint, not yet calibrated: the error says how to make it."""
    from mmengine.config import Config

    from toolrun import REPO_ROOT
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/ltbin/reactnet_cifar10-lt.py')
    missing = str(tmp_path / cfg.model.teacher.checkpoint)
    with pytest.raises(FileNotFoundError) as err:
        load_checkpoint_safely(missing)
    assert 'python tools/train.py configs/ltbin/calibrate_effnet-lite0_cifar10-lt.py' in str(err)
    with pytest.raises(FileNotFoundError) as err:
        load_checkpoint_safely(str(tmp_path / 'work_dirs' / 'no_such_config' / 'epoch_1.pth'))
    assert 'written by' not in str(err.value)
