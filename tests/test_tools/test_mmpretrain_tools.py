"""mmpretrain's own tools (shipped in its wheel) on mmltbin configs, at small scale."""
import glob
import json
import os
import os.path as osp
import sys

import mmpretrain
import pytest

from toolrun import REPO_ROOT, assert_ok, python_tool, run_tool

MMPRETRAIN_TOOLS = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools')
BASELINE = osp.join(REPO_ROOT, 'configs', 'baselines', 'reactnet-a_ce_fashion-mnist-lt.py')
METHOD = osp.join(REPO_ROOT, 'configs', 'ltbin', 'reactnet_fashion-mnist-lt.py')
IN_PROCESS_LOADERS = [f'{loader}_dataloader.{key}' for loader in ('train', 'val')
                      for key in ('num_workers=0', 'persistent_workers=False')]


def mmpretrain_tool(script, *args, cwd=REPO_ROOT):
    return run_tool([sys.executable, osp.join(MMPRETRAIN_TOOLS, script), *args], cwd=cwd)


@pytest.mark.slow
def test_browse_dataset_draws_long_tailed_training_images(tmp_path, fashion_mnist_root):
    """It replaces the dataset's pipeline to record every image: a LongTailDataset passes that
    on to the dataset it wraps (before, it had no `pipeline`)."""
    out = tmp_path / 'browse'
    assert_ok(mmpretrain_tool('visualization/browse_dataset.py', METHOD, '-m', 'original',
                              '-n', '3', '-o', str(out), '--not-show'))
    assert sorted(os.listdir(out)) == ['0.jpg', '1.jpg', '2.jpg']


@pytest.mark.slow
@pytest.mark.parametrize('config', [BASELINE, METHOD])
def test_get_flops_counts_the_student(config):
    proc = mmpretrain_tool('analysis_tools/get_flops.py', config, '--shape', '32', '32')
    assert_ok(proc)
    assert 'Flops:' in proc.stdout and 'Input shape: (3, 32, 32)' in proc.stdout


@pytest.mark.slow
def test_analyze_logs_reads_an_mmltbin_training_log(tmp_path, fashion_mnist_root):
    work_dir = str(tmp_path / 'run')
    assert_ok(python_tool(
        'train.py', BASELINE, '--work-dir', work_dir, '--cfg-options',
        'train_dataloader.dataset.n_max=8', 'train_dataloader.dataset.rho=2',
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
        'val_dataloader.dataset.indices=64', *IN_PROCESS_LOADERS))
    log = glob.glob(f'{work_dir}/*/vis_data/2*.json')[0]
    rows = [json.loads(line) for line in open(log)]
    assert any('loss' in row for row in rows) and any('accuracy/few' in row for row in rows)

    curve = str(tmp_path / 'curve.png')
    proc = mmpretrain_tool('analysis_tools/analyze_logs.py', 'plot_curve', log, '--keys', 'loss',
                           'accuracy/top1', '--out', curve)
    assert_ok(proc)
    assert osp.getsize(curve) > 0
    proc = mmpretrain_tool('analysis_tools/analyze_logs.py', 'cal_train_time', log)
    assert_ok(proc)
    assert 'average iter time' in proc.stdout
