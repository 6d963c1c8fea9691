"""Op counting: ReActNet-A and Bi-Real Net at 224x224 against independent and published counts.

Published figures (ImageNet, 224x224, 1000 classes) as commonly reported; they were not
re-checked against the papers' text for this test:
* ReActNet-A: 4.82e9 BOPs, 0.12e8 FLOPs, 0.87e8 OPs (4.82e9 / 64 + 0.12e8 = 0.873e8);
* Bi-Real Net-18: 1.68e9 BOPs, 1.63e8 OPs; Bi-Real Net-34: 3.53e9 BOPs, 1.93e8 OPs.
The exact counts asserted below come from the layer list written out by hand.
"""
import json
import os.path as osp

import pytest
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

from mmltbin.analysis import count_ops, format_op_count
from mmltbin.models.layers import BinaryConv2d
from toolrun import REPO_ROOT, python_tool

REACTNET_CFG = osp.join(REPO_ROOT, 'configs/_base_/models/reactnet-a.py')
IMAGENET = dict(model=dict(backbone=dict(stem_stride=2), head=dict(num_classes=1000)))

# ReActNet-A's blocks written out by hand: (in, out, stride)
REACTNET_A_BLOCKS = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1),
                     (256, 512, 2)] + [(512, 512, 1)] * 5 + [(512, 1024, 2), (1024, 1024, 1)]


def reactnet_a_by_hand(size: int = 224, classes: int = 1000) -> dict:
    """Counts from the layer list alone (no model involved)."""
    side = size // 2  # stride-2 stem
    fp_params = 3 * 32 * 9 + 2 * 32 + 1024 * classes + classes  # stem conv + BN, linear head
    flops = 3 * 32 * 9 * side * side + 1024 * classes
    binary_params = bops = 0
    for cin, cout, stride in REACTNET_A_BLOCKS:
        side //= stride
        weights = 9 * cin * cin + cin * cout  # 3x3 in->in; 1x1 in->in (twice if doubling)
        binary_params += weights
        bops += weights * side * side
        # 3x3 unit: RSign (1), BN (2), RPReLU (3) per channel; 1x1 unit: RSign on cin,
        # BN and RPReLU on cout
        fp_params += 6 * cin + cin + 5 * cout
    return dict(binary_params=binary_params, fp_params=fp_params, bops=bops, flops=flops)


def bireal_by_hand(depth: int, classes: int = 1000) -> dict:
    """Bi-Real Net-18/34 at 224x224 from its layer list: every 3x3 conv of ResNet binary."""
    blocks = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}[depth]
    fp_params = 3 * 64 * 49 + 2 * 64 + 512 * classes + classes  # 7x7 stem conv + BN, head
    flops = 3 * 64 * 49 * 112 * 112 + 512 * classes
    binary_params = bops = 0
    cin, side = 64, 56  # after the stride-2 stem conv and the stride-2 max pool
    for stage, num_blocks in enumerate(blocks):
        width = 64 * 2**stage
        if stage > 0:
            side //= 2
            # real downsampling shortcut: 2x2 avg pool, 1x1 conv cin -> width, BN
            fp_params += cin * width + 2 * width
            flops += cin * width * side * side
        for _ in range(2 * num_blocks):  # two binary 3x3 units per basic block, a BN each
            binary_params += 9 * cin * width
            bops += 9 * cin * width * side * side
            fp_params += 2 * width
            cin = width
    return dict(binary_params=binary_params, fp_params=fp_params, bops=bops, flops=flops)


def _build(cfg_file: str, options: dict) -> nn.Module:
    cfg = Config.fromfile(cfg_file)
    cfg.merge_from_dict(options)
    init_default_scope('mmpretrain')
    return MODELS.build(cfg.model)


def test_reactnet_a_at_224_matches_the_layer_list_and_the_published_ops():
    count = count_ops(_build(REACTNET_CFG, IMAGENET), (3, 224, 224))
    expected = reactnet_a_by_hand()
    assert count.binary_params == expected['binary_params'] == 28_253_184
    assert count.fp_params == expected['fp_params']
    assert count.bops == expected['bops']
    assert count.flops == expected['flops']
    assert round(count.bops / 1e9, 2) == 4.82
    assert round(count.flops / 1e8, 2) == 0.12
    assert round(count.ops / 1e8, 2) == 0.87
    assert count.binary_scales == sum(cin + cout for cin, cout, _ in REACTNET_A_BLOCKS)
    assert count.size_bytes == count.binary_params / 8 + 4 * (count.fp_params
                                                               + count.binary_scales)
    assert count.fp32_size_bytes / count.size_bytes > 14  # 1 bit vs 32 bits, FP head kept


@pytest.mark.parametrize('depth,published_ops,published_bops', [(18, 1.63e8, 1.68e9),
                                                                (34, 1.93e8, 3.53e9)])
def test_bireal_net_at_224_matches_the_published_ops(depth, published_ops, published_bops):
    cfg = osp.join(REPO_ROOT, f'configs/_base_/models/binary-resnet{depth}.py')
    model = _build(cfg, dict(model=dict(backbone=dict(stem_type='imagenet'),
                                        head=dict(num_classes=1000))))
    count = count_ops(model, (3, 224, 224))
    expected = bireal_by_hand(depth)
    for key in ('binary_params', 'fp_params', 'bops', 'flops'):
        assert getattr(count, key) == expected[key], key
    assert abs(count.ops / published_ops - 1) < 0.01
    assert round(count.bops / 1e9, 2) == round(published_bops / 1e9, 2)
    # the FP part: 7x7 stem at 112x112, three 1x1 downsampling convs, the linear head
    assert count.flops == 3 * 64 * 49 * 112**2 + 3 * (64 * 128 * 28**2) + 512 * 1000


def test_counting_rules_on_a_small_model():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),  # FP: 8*27 per pixel
        BinaryConv2d(8, 8, 3, padding=1),  # binary activations and weights: BOPs
        BinaryConv2d(8, 8, 3, padding=1, input_mode='real'),  # real activations: FLOPs
        BinaryConv2d(8, 8, 3, padding=1, groups=4),  # grouped: 2 inputs per group
        nn.BatchNorm2d(8), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
    count = count_ops(model, (3, 6, 6))
    pixels = 36
    assert count.bops == pixels * 8 * (8 * 9) + pixels * 8 * (2 * 9)
    assert count.flops == pixels * 8 * 27 + pixels * 8 * (8 * 9) + 8 * 5
    binary = 8 * 8 * 9 * 2 + 8 * 2 * 9
    assert count.binary_params == binary
    assert count.fp_params == sum(p.numel() for p in model.parameters()) - binary
    assert [row.kind for row in count.layers] == ['fp', 'binary', 'fp', 'binary', 'fp']
    assert 'OPs = BOPs/64 + FLOPs' in format_op_count(count, per_layer=True)
    with pytest.raises(ValueError, match='input_shape'):
        count_ops(model, (6, 6))


@pytest.mark.slow
def test_get_ops_tool_prints_and_writes_the_counts(tmp_path):
    out = tmp_path / 'ops.json'
    proc = python_tool('analysis_tools/get_ops.py', REACTNET_CFG, '--shape', '224', '224',
                       '--json', str(out), '--cfg-options', 'model.backbone.stem_stride=2',
                       'model.head.num_classes=1000')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'OPs = BOPs/64 + FLOPs: 8.713e+07' in proc.stdout
    result = json.loads(out.read_text())
    expected = reactnet_a_by_hand()
    for key in ('binary_params', 'fp_params', 'bops', 'flops'):
        assert result[key] == expected[key], key
    assert result['input_shape'] == [3, 224, 224]


def test_time_train_step_restores_the_model():
    from mmltbin.analysis import time_train_step
    model = _build(REACTNET_CFG, dict(model=dict(backbone=dict(widen_factor=0.25),
                                                  head=dict(in_channels=256))))
    model.eval()
    seconds = time_train_step(model, (3, 32, 32), batch_size=4, repeats=1)
    assert seconds > 0
    assert not model.training
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(ValueError, match='batch_size'):
        time_train_step(model, (3, 32, 32), batch_size=0)
