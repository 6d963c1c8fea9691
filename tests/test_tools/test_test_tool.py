"""tools/test.py takes mmpretrain's flags with mmpretrain's meanings; tools/slurm_test.sh."""
import os
import os.path as osp
import stat

import mmengine
import pytest
import torch

from toolrun import REPO_ROOT, TEST_DATA, assert_ok, python_tool, run_tool

TINY = osp.join(TEST_DATA, 'digits_tiny.py')
NUM_TEST = 359  # sklearn digits' test split in configs/_base_/datasets/digits.py


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('train'))
    assert_ok(python_tool('train.py', TINY, '--work-dir', work_dir, '--cfg-options',
                          'train_cfg.max_epochs=1'))
    return f'{work_dir}/epoch_1.pth'


def _test(tmp_path, checkpoint, *flags):
    return python_tool('test.py', TINY, checkpoint, '--work-dir', str(tmp_path), *flags,
                       cwd=str(tmp_path))


@pytest.mark.slow
def test_out_pkl_holds_every_prediction_and_tta_averages_flips(tmp_path, checkpoint):
    plain, tta = str(tmp_path / 'plain.pkl'), str(tmp_path / 'tta.pkl')
    assert_ok(_test(tmp_path, checkpoint, '--out', plain))
    assert_ok(_test(tmp_path, checkpoint, '--out', tta, '--tta'))
    plain, tta = mmengine.load(plain), mmengine.load(tta)
    assert len(plain) == len(tta) == NUM_TEST
    assert {'pred_score', 'pred_label', 'gt_label', 'sample_idx'} <= set(plain[0])
    assert [p['sample_idx'] for p in plain] == [p['sample_idx'] for p in tta]
    scores = torch.stack([p['pred_score'] for p in plain])
    tta_scores = torch.stack([p['pred_score'] for p in tta])
    # the flipped view changes the scores, and each is still a distribution over the classes
    assert not torch.allclose(scores, tta_scores)
    torch.testing.assert_close(tta_scores.sum(1), torch.ones(NUM_TEST))


@pytest.mark.slow
def test_out_item_metrics_amp_and_show_dir(tmp_path, checkpoint):
    metrics = str(tmp_path / 'metrics.yaml')
    proc = _test(tmp_path, checkpoint, '--out', metrics, '--out-item', 'metrics', '--amp',
                 '--show-dir', 'vis', '--interval', '100')
    assert_ok(proc)
    assert 0.0 < mmengine.load(metrics)['accuracy/top1'] <= 100.0
    # one drawing per 100 samples, where mmpretrain puts them (relative to the current folder)
    assert sorted(os.listdir(tmp_path / 'vis')) == ['0_0.png', '100_0.png', '200_0.png',
                                                    '300_0.png']


@pytest.mark.parametrize('flags, message', [
    (['--out', 'preds.txt'], 'ending with .json'),
    (['--out', 'preds.json', '--out-item', 'pred'], 'ending with .pkl'),
    (['--out-item', 'pred'], '--out-item needs --out'),
])
def test_bad_out_flags_are_refused_before_loading_anything(tmp_path, flags, message):
    proc = python_tool('test.py', TINY, 'missing.pth', *flags)
    assert proc.returncode != 0 and message in proc.stderr


def test_slurm_test_passes_config_checkpoint_and_flags_to_test_py(tmp_path):
    """A stand-in ``srun`` records what the script would start on the cluster."""
    srun = tmp_path / 'srun'
    srun.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n')
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / 'srun.log'
    proc = run_tool(['bash', osp.join(REPO_ROOT, 'tools', 'slurm_test.sh'), 'part', 'job',
                     'cfg.py', 'ckpt.pth', '--tta'],
                    extra_env={'PATH': f'{tmp_path}:{os.environ["PATH"]}', 'GPUS': '4',
                               'GPUS_PER_NODE': '4', 'SRUN_LOG': str(log)})
    assert_ok(proc)
    argv = log.read_text().split('\n')[:-1]
    assert argv[:3] == ['-p', 'part', '--job-name=job'] and '--ntasks=4' in argv
    assert argv[-6:] == [osp.join(REPO_ROOT, 'tools', 'test.py'), 'cfg.py', 'ckpt.pth',
                         '--tta', '--launcher', 'slurm']
