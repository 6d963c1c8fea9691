"""tools/train.py, tools/test.py and tools/dist_train.sh on real data (sklearn digits)."""
import os.path as osp

import pytest
import torch

from toolrun import TEST_DATA, assert_ok, checkpoint_state_dict, dist_train, python_tool

TINY = osp.join(TEST_DATA, 'digits_tiny.py')


def _config_with_hook(tmp_path, hook: str) -> str:
    """A leaf config inheriting the tiny one and adding a test-only hook."""
    path = tmp_path / 'with_hook.py'
    path.write_text(f"_base_ = ['{TINY}']\n"
                    "custom_imports = dict(imports=['mmltbin', 'mmltbin_test_hooks'])\n"
                    f"custom_hooks = [{hook}]\n")
    return str(path)


@pytest.mark.slow
def test_dist_train_two_cpu_processes_match_single_process(tmp_path):
    """2 gloo processes x batch 16 == 1 process x batch 32: same samples per step, same update."""
    single, dist = str(tmp_path / 'single'), str(tmp_path / 'dist')
    # SGD, not the config's Adam: Adam scales every gradient to a step of about lr, so it hides
    # a sum in place of a mean, and it turns the rounding of another reduction order into
    # lr-sized steps on near-zero gradients (2e-3 apart after 2 epochs on an Intel Xeon)
    options = ('train_cfg.max_epochs=2', 'optim_wrapper.optimizer.type=SGD',
               'optim_wrapper.optimizer.lr=0.05', 'optim_wrapper.optimizer.momentum=0.9')
    proc = python_tool('train.py', TINY, '--work-dir', single, '--cfg-options', *options)
    assert_ok(proc)
    config = _config_with_hook(tmp_path, "dict(type='DumpRankWeightsHook')")
    assert_ok(dist_train(config, 2, '--work-dir', dist, '--cfg-options', *options,
                         'train_dataloader.batch_size=16'))
    rank0, rank1 = (checkpoint_state_dict(f'{dist}/rank{r}.pth') for r in (0, 1))
    reference = checkpoint_state_dict(f'{single}/epoch_2.pth')
    assert rank0.keys() == rank1.keys() == reference.keys()
    for key in reference:
        assert torch.equal(rank0[key], rank1[key]), f'ranks differ at {key}'
        torch.testing.assert_close(rank0[key], reference[key], rtol=1e-3, atol=1e-4,
                                   msg=f'distributed and single-process runs differ at {key}')
    # the logged validation accuracy agrees too
    def final_acc(work_dir):
        import glob
        import json
        log = sorted(glob.glob(f'{work_dir}/*/vis_data/scalars.json'))[-1]
        rows = [json.loads(line) for line in open(log)]
        return [r['accuracy/top1'] for r in rows if 'accuracy/top1' in r][-1]
    assert abs(final_acc(single) - final_acc(dist)) < 1.0


@pytest.mark.slow
def test_resume_after_sigkill_reproduces_uninterrupted_run(tmp_path):
    """A run killed mid-epoch resumes from its last checkpoint and ends with identical weights."""
    full, crashed = str(tmp_path / 'full'), str(tmp_path / 'crashed')
    assert_ok(python_tool('train.py', TINY, '--work-dir', full))
    # 45 iterations per epoch: iteration 110 is in the middle of epoch 3
    config = _config_with_hook(tmp_path, "dict(type='KillAtIterHook', kill_iter=110)")
    proc = python_tool('train.py', config, '--work-dir', crashed)
    assert proc.returncode == -9, 'the training process should have been killed'
    assert osp.isfile(f'{crashed}/epoch_2.pth') and not osp.exists(f'{crashed}/epoch_3.pth')
    proc = python_tool('train.py', TINY, '--work-dir', crashed, '--resume', 'auto')
    assert_ok(proc)
    assert 'resumed epoch: 2' in proc.stdout + proc.stderr
    expected = checkpoint_state_dict(f'{full}/epoch_4.pth')
    resumed = checkpoint_state_dict(f'{crashed}/epoch_4.pth')
    for key in expected:
        assert torch.equal(expected[key], resumed[key]), f'resumed run differs at {key}'


@pytest.mark.slow
def test_test_tool_evaluates_a_saved_checkpoint(tmp_path):
    work_dir = str(tmp_path / 'run')
    assert_ok(python_tool('train.py', TINY, '--work-dir', work_dir, '--cfg-options',
                           'train_cfg.max_epochs=1'))
    out = str(tmp_path / 'metrics.json')
    proc = python_tool('test.py', TINY, f'{work_dir}/epoch_1.pth', '--work-dir', work_dir,
                       '--out', out)
    assert_ok(proc)
    import json
    metrics = json.load(open(out))
    assert 0.0 < metrics['accuracy/top1'] <= 100.0


@pytest.mark.slow
@pytest.mark.parametrize('flag', ['--auto-scale-lr', '--no-validate'])
def test_train_flags_are_accepted(tmp_path, flag):
    proc = python_tool('train.py', TINY, '--work-dir', str(tmp_path), flag, '--cfg-options',
                       'train_cfg.max_epochs=1')
    assert_ok(proc)
    assert osp.isfile(tmp_path / 'epoch_1.pth')


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the CPU-only error')
def test_amp_on_cpu_fails_with_a_clear_error(tmp_path):
    proc = python_tool('train.py', TINY, '--work-dir', str(tmp_path), '--amp')
    assert proc.returncode != 0
    assert '--amp needs a GPU' in proc.stderr


@pytest.mark.slow
def test_missing_config_is_named(tmp_path):
    proc = python_tool('train.py', str(tmp_path / 'nope.py'))
    assert proc.returncode != 0
    assert 'nope.py' in proc.stderr and 'does not exist' in proc.stderr


@pytest.mark.slow
def test_test_tool_on_train_set_reads_the_training_images_with_the_test_pipeline(tmp_path):
    """--on-train-set: every image of the (long-tailed) training subset once, in order, with
    the test pipeline (the training pipeline here flips every image; the test one does not)."""
    config = tmp_path / 'digits_lt.py'
    config.write_text(
        f"_base_ = ['{TINY}']\n"
        "train_dataloader = dict(dataset=dict(_delete_=True, type='LongTailDataset', "
        "profile='exp', n_max=60, rho=10, seed=0, dataset=dict(type='SklearnDigits', "
        "split='train', pipeline=[dict(type='RandomFlip', prob=1.0, direction='horizontal'), "
        "dict(type='PackInputs')])))\n")
    work_dir = str(tmp_path / 'run')
    assert_ok(python_tool('train.py', str(config), '--work-dir', work_dir, '--cfg-options',
                          'train_cfg.max_epochs=1'))
    out = str(tmp_path / 'preds.pkl')
    assert_ok(python_tool('test.py', str(config), f'{work_dir}/epoch_1.pth', '--work-dir',
                          work_dir, '--on-train-set', '--out', out, '--out-item', 'pred'))

    import mmengine
    from mmengine.config import Config
    from mmpretrain.registry import DATASETS

    import mmltbin  # noqa: F401
    train_set = DATASETS.build(Config.fromfile(str(config)).train_dataloader.dataset)
    preds = mmengine.load(out)
    assert len(preds) == len(train_set) < 359  # the LT subset, not the 359-image test split
    assert [int(p['gt_label'][0]) for p in preds] == \
        [train_set.get_data_info(i)['gt_label'] for i in range(len(train_set))]
    assert not any('flip' in p for p in preds)
