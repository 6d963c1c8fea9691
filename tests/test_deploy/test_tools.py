"""tools/deployment: export a checkpoint, then test the exported model with the config's loop."""
import json
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from toolrun import REPO_ROOT, python_tool

DIGITS_32 = osp.join(REPO_ROOT, 'tests/test_models/test_backbones/data/digits_32px.py')


@pytest.mark.slow
def test_export_then_test_tool(tmp_path, digits_images):
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

    out = tmp_path / 'exported'
    proc = python_tool('deployment/export_openvino.py', str(config), str(checkpoint), str(out),
                       '--check-images', '16')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '26 BinaryConvolution layers' in proc.stdout
    assert 'top-1 agreement' in proc.stdout and 'kernel:' in proc.stdout

    metrics = tmp_path / 'metrics.json'
    proc = python_tool('deployment/test_openvino.py', str(config), str(out), '--checkpoint',
                       str(checkpoint), '--out', str(metrics), '--work-dir', str(tmp_path / 'w'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads(metrics.read_text())
    assert 0 <= record['metrics']['accuracy/top1'] <= 100
    comparison = record['comparison']
    assert comparison['images'] > 300  # the digits test split
    assert comparison['top1_agreement'] >= 0.99
    assert comparison['within_tolerance'] >= 0.99 * comparison['images']
