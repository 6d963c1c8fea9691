"""Packed export: real layers in float16 (option), and the size floor."""
import json

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

from mmltbin.export import export_packed, load_packed, pack_model, packed_floor_bytes
from mmltbin.models.backbones import ReActNet
from mmltbin.models.layers import BinaryConv2d


def digits_32px(count: int = 64) -> torch.Tensor:
    images = torch.from_numpy(load_digits().images[:count]).float().unsqueeze(1)
    images = nn.functional.interpolate(images, size=(32, 32), mode='bilinear')
    return ((images - 4.9) / 6.0).repeat(1, 3, 1, 1)


def reactnet() -> nn.Module:
    torch.manual_seed(0)
    net = ReActNet(widen_factor=0.25, stem_stride=1)
    net.init_weights()
    net.train()
    with torch.no_grad():  # BatchNorm statistics from real images
        net(digits_32px(32))
    return net.eval()


def test_floor_by_hand():
    model = nn.Sequential(BinaryConv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Conv2d(4, 2, 1))
    # 108 bits -> 14 bytes, 4 float32 scales, BN: 4 x 4 float32 + an int64 counter, conv 8 + 2
    assert packed_floor_bytes(model) == 14 + 16 + 4 * 16 + 8 + 4 * 10
    assert packed_floor_bytes(model, fp16=True) == 14 + 16 + 4 * 16 + 8 + 2 * 10


def test_fp16_stores_real_layers_in_half_and_stays_close(tmp_path):
    net = reactnet()
    full, half = str(tmp_path / 'full.npz'), str(tmp_path / 'half.npz')
    full_size, half_size = export_packed(net, full), export_packed(net, half, fp16=True)
    assert half_size < full_size
    floor, half_floor = packed_floor_bytes(net), packed_floor_bytes(net, fp16=True)
    index = pack_model(net, fp16=True)['__meta__']
    # above the floor: the JSON index and a few archive headers
    assert floor <= full_size < floor + index.nbytes + 4096
    assert half_floor <= half_size < half_floor + index.nbytes + 4096
    meta = json.loads(index.tobytes())
    entries = {e['key']: e for e in meta['real']}
    assert entries['stem.conv.weight']['stored'] == 'float16'
    assert 'stored' not in entries['stem.bn.weight']  # norms and thresholds stay float32
    x = digits_32px(32)
    loaded = load_packed(half, model=ReActNet(widen_factor=0.25, stem_stride=1))
    assert loaded.stem.conv.weight.dtype == torch.float32
    with torch.no_grad():
        ref, out = net(x)[0], loaded(x)[0]
    assert not torch.equal(ref, out)  # lossy, as documented
    assert (out - ref).abs().max() < 0.5 * ref.abs().max()
    np.testing.assert_allclose(loaded.stem.conv.weight.detach().numpy(),
                               net.stem.conv.weight.detach().half().float().numpy())
