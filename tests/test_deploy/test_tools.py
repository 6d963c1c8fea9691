"""tools/deployment: export a checkpoint, then test the exported model with the config's loop."""
import json
import os
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from toolrun import REPO_ROOT, TEST_DATA, python_tool, run_tool

DIGITS_32 = osp.join(REPO_ROOT, 'tests/test_models/test_backbones/data/digits_32px.py')
# the first images of the digits test split: each runs one at a time (export, torch at batch 1,
# the first flipped sign); the 0.99 bounds then let 1 image differ, as they let 3 of all 359
TEST_IMAGES = 100


def _trained_checkpoint(tmp_path, digits_images) -> tuple:
    """A digits config of a small ReActNet-A and a checkpoint of it after a few Adam steps."""
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    config = tmp_path / 'reactnet_digits.py'
    config.write_text(f"_base_ = ['{DIGITS_32}']\n" + '''
model = dict(type='ImageClassifier',
             backbone=dict(type='ReActNet', widen_factor=0.25, stem_stride=1),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=10, in_channels=256))
''')
    cfg = Config.fromfile(str(config))
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    model.init_weights()
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    images, labels = digits_images(32, count=160, offset=1000)
    for x, y in zip(images.split(32), labels.split(32)):  # BatchNorm statistics, thresholds
        optim.zero_grad()
        F.cross_entropy(model(x, mode='tensor'), y).backward()
        optim.step()
    checkpoint = tmp_path / 'model.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    return str(config), str(checkpoint)


@pytest.mark.slow
def test_export_then_test_tool(tmp_path, digits_images):
    config, checkpoint = _trained_checkpoint(tmp_path, digits_images)
    out = tmp_path / 'exported'
    proc = python_tool('deployment/export_openvino.py', config, checkpoint, str(out),
                       '--check-images', '16')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '26 BinaryConvolution layers' in proc.stdout
    assert 'top-1 agreement' in proc.stdout and 'kernel:' in proc.stdout

    metrics, summary = tmp_path / 'metrics.json', tmp_path / 'summary.md'
    # few latency rounds: this test reads no latency (the quickstart test below does)
    proc = python_tool('deployment/test_openvino.py', config, str(out), '--checkpoint',
                       checkpoint, '--out', str(metrics), '--markdown', str(summary),
                       '--torch-batch1', '--work-dir', str(tmp_path / 'w'), '--rounds', '5',
                       '--cfg-options', f'test_dataloader.dataset.indices={TEST_IMAGES}')
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads(metrics.read_text())
    assert 0 <= record['metrics']['accuracy/top1'] <= 100
    comparison = record['comparison']
    assert comparison['images'] == TEST_IMAGES
    assert comparison['top1_agreement'] >= 0.99
    assert comparison['within_tolerance'] >= 0.99 * comparison['images']
    # torch at batch 1: every image beyond the tolerance is traced to its first flipped sign
    flips = comparison['beyond_tolerance_torch_batch1']
    assert comparison['within_tolerance_of_torch_batch1'] + len(flips) == comparison['images']
    assert comparison['max_abs_diff_torch_batch1_within'] <= comparison['tolerance']
    assert 0 <= comparison['images_with_ties'] <= comparison['images']
    for flip in flips:
        assert flip['max_abs_diff'] > comparison['tolerance'] and 'layer' in flip
    assert 'The export against torch at batch 1' in summary.read_text()


@pytest.mark.slow
def test_quickstart_step_prints_both_models(tmp_path, digits_images):
    config, checkpoint = _trained_checkpoint(tmp_path, digits_images)
    out = tmp_path / 'deploy'
    proc = run_tool(['bash', 'tools/deployment/quickstart_deploy.sh', config, checkpoint,
                     str(out)], extra_env={'PY': sys.executable})
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    exported = next(line for line in lines if line.startswith('exported (OpenVINO)'))
    torch_row = next(line for line in lines if line.startswith('torch '))
    assert len(exported.split()) == len(torch_row.split()) + 1  # 2 words in the model's name
    assert json.loads((out / 'test_metrics.json').read_text())['latency_batch1']['exported']


def _without_openvino(tmp_path) -> dict:
    """An environment in which ``import openvino`` fails, as without the deploy extra."""
    hidden = tmp_path / 'hide' / 'openvino'
    hidden.mkdir(parents=True)
    (hidden / '__init__.py').write_text("raise ImportError('openvino hidden by the test')\n")
    return {'PYTHONPATH': os.pathsep.join([str(hidden.parent), TEST_DATA, REPO_ROOT]),
            'PY': sys.executable}


def test_quickstart_step_skips_without_openvino(tmp_path):
    out = tmp_path / 'deploy'
    proc = run_tool(['bash', 'tools/deployment/quickstart_deploy.sh', 'any_config.py',
                     'any.pth', str(out)], extra_env=_without_openvino(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('Skipped the OpenVINO export: OpenVINO is not installed')
    assert 'deploy' in proc.stdout and not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize('tool', ['export_openvino.py', 'test_openvino.py'])
def test_tools_say_how_to_install_openvino(tmp_path, tool):
    from mmltbin.deploy import INSTALL_HINT
    args = ['c.py', 'ckpt.pth', 'out'] if tool == 'export_openvino.py' else ['c.py', 'out']
    proc = python_tool(f'deployment/{tool}', *args, extra_env=_without_openvino(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith(INSTALL_HINT)
