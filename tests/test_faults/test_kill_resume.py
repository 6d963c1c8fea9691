"""Real training processes killed (SIGKILL) mid-epoch, during the teacher-cache prefill and
while a checkpoint is written; `--resume auto` must end with every tensor equal (torch.equal)
to the uninterrupted run's, for a baseline and for the method's default config (with the
cache), on a small Fashion-MNIST-LT subset with 2 persistent data-loader workers."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmpretrain.registry import MODELS
from toolrun import REPO_ROOT, assert_ok, checkpoint_state_dict, python_tool

pytestmark = pytest.mark.slow

BASELINE = osp.join(REPO_ROOT, 'configs', 'baselines', 'reactnet-a_ce_fashion-mnist-lt.py')
METHOD = osp.join(REPO_ROOT, 'configs', 'ltbin', 'reactnet_fashion-mnist-lt.py')
CACHED = osp.join(REPO_ROOT, 'configs', 'ltbin', 'reactnet_fashion-mnist-lt_cached.py')
# 20 ... 2 images per class (78): 3 batches of 32 per epoch, 2 epochs, no validation
TINY = ['train_dataloader.dataset.n_max=20', 'train_dataloader.dataset.rho=10',
        'train_cfg.max_epochs=2']
KILL_MID_EPOCH_2 = "dict(type='KillAtIterHook', kill_iter=5)"  # epoch 2, batch 2 of 3
BALANCE = ("dict(type='AdversarialBalanceHook', mode='reversal', warmup_iters=0, "
                      'interval=1, log_interval=1)')


def _with_test_hooks(tmp_path, base: str, name: str, hooks: str) -> str:
    """A leaf config of ``base`` that can use the test-only hooks and backend."""
    path = tmp_path / f'{name}.py'
    path.write_text(f"_base_ = ['{base}']\n"
                    "custom_imports = dict(imports=['mmltbin', 'mmltbin_test_hooks'])\n"
                    f'custom_hooks = [{hooks}]\n')
    return str(path)


def _train(config: str, work_dir: str, *options: str, resume: bool = False):
    args = ['train.py', config, '--work-dir', work_dir, '--no-validate']
    return python_tool(*args, *(['--resume', 'auto'] if resume else []), '--cfg-options',
                       *options)


def _assert_killed(proc) -> None:
    assert proc.returncode == -9, (f'the run should have been killed, exit {proc.returncode}\n'
                                   f'{proc.stderr[-3000:]}')


def _assert_same_weights(expected_ckpt: str, actual_ckpt: str) -> None:
    expected, actual = checkpoint_state_dict(expected_ckpt), checkpoint_state_dict(actual_ckpt)
    assert expected.keys() == actual.keys()
    differ = [k for k in expected if not torch.equal(expected[k], actual[k])]
    assert not differ, f'{len(differ)} of {len(expected)} tensors differ, e.g. {differ[:3]}'


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return osp.basename(f.read().strip())


def test_baseline_killed_mid_epoch_and_while_saving_resumes_exactly(tmp_path,
                                                                   fashion_mnist_root):
    full, crashed = str(tmp_path / 'full'), str(tmp_path / 'crashed')
    assert_ok(_train(BASELINE, full, *TINY))
    # killed in the middle of epoch 2: epoch 1's checkpoint is the last
    _assert_killed(_train(_with_test_hooks(tmp_path, BASELINE, 'kill', KILL_MID_EPOCH_2),
                          crashed, *TINY))
    assert _last_checkpoint(crashed) == 'epoch_1.pth'
    assert not osp.exists(osp.join(crashed, 'epoch_2.pth'))
    # resumed, and killed half-way through writing epoch 2's checkpoint
    saving = _with_test_hooks(tmp_path, BASELINE, 'save', '')
    _assert_killed(_train(saving, crashed, *TINY,
                          'default_hooks.checkpoint.backend_args.backend=killing_atomic_local',
                          'default_hooks.checkpoint.backend_args.kill_at=1', resume=True))
    assert glob.glob(osp.join(crashed, '.epoch_2.pth.*.tmp')), 'the save was not interrupted'
    assert not osp.exists(osp.join(crashed, 'epoch_2.pth'))  # no half-written checkpoint
    assert _last_checkpoint(crashed) == 'epoch_1.pth'
    proc = _train(BASELINE, crashed, *TINY, resume=True)
    assert_ok(proc)
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert not glob.glob(osp.join(crashed, '.*.tmp'))
    _assert_same_weights(f'{full}/epoch_2.pth', f'{crashed}/epoch_2.pth')


@pytest.fixture
def teacher_ckpt(tmp_path) -> str:
    """The method's teacher (EfficientNet-Lite0 + linear head) with seeded random weights:
    exactness does not depend on what the teacher learned."""
    torch.manual_seed(0)
    cfg = Config.fromfile(METHOD).model.teacher
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        # what a calibration run saves: LinearProbeClassifier's encoder.* and head.* keys
        probe = MODELS.build(dict(type='LinearProbeClassifier', encoder=cfg.model,
                                  num_classes=cfg.head.num_classes))
    path = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': probe.state_dict()}, path)
    return path


def _teacher_options(teacher_ckpt: str) -> list:
    return [*TINY, f'model.teacher.checkpoint={teacher_ckpt}', 'model.teacher.resolutions=[32]']


def _full_and_killed_mid_epoch_2(tmp_path, config: str, options: list) -> tuple:
    """The uninterrupted run's folder, and a run's killed in epoch 2 (epoch 1 saved)."""
    full, crashed = str(tmp_path / 'full'), str(tmp_path / 'crashed')
    assert_ok(_train(config, full, *options))
    _assert_killed(_train(_with_test_hooks(tmp_path, config, 'kill',
                                           f'{BALANCE}, {KILL_MID_EPOCH_2}'), crashed, *options))
    assert _last_checkpoint(crashed) == 'epoch_1.pth'
    return full, crashed


def test_method_killed_mid_epoch_and_in_cache_prefill_resumes_exactly(tmp_path, teacher_ckpt,
                                                                     fashion_mnist_root):
    # the teacher at one resolution (32 px) keeps the prefill short
    options = _teacher_options(teacher_ckpt)
    full, crashed = _full_and_killed_mid_epoch_2(tmp_path, CACHED, options)
    # resumed, and killed while the resumed run refills the teacher-output cache
    prefill = _with_test_hooks(tmp_path, CACHED, 'prefill',
                               f"{BALANCE}, dict(type='KillInPrefillHook', batches=3)")
    _assert_killed(_train(prefill, crashed, *options, resume=True))
    assert _last_checkpoint(crashed) == 'epoch_1.pth'
    proc = _train(CACHED, crashed, *options, resume=True)
    assert_ok(proc)
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    _assert_same_weights(f'{full}/epoch_2.pth', f'{crashed}/epoch_2.pth')


# the default (Mixup, the teacher in OpenVINO on a CPU), the same with the teacher in torch
# float32, and no Mixup
@pytest.mark.parametrize('leaf', ['', '_online-mixup', '_no-cache'])
def test_online_teacher_killed_mid_epoch_resumes_exactly(tmp_path, teacher_ckpt,
                                                         fashion_mnist_root, leaf):
    """No cache: the teacher runs on every batch, on the student's own (mixed) images; Mixup's
    draws come from the main process's generators, reseeded per epoch by EpochSeedHook."""
    config = osp.join(REPO_ROOT, 'configs', 'ltbin', f'reactnet_fashion-mnist-lt{leaf}.py')
    options = _teacher_options(teacher_ckpt)
    full, crashed = _full_and_killed_mid_epoch_2(tmp_path, config, options)
    proc = _train(config, crashed, *options, resume=True)
    assert_ok(proc)
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    _assert_same_weights(f'{full}/epoch_2.pth', f'{crashed}/epoch_2.pth')
