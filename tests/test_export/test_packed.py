"""Packed 1-bit export: real bits, a round trip equal on real images, the tools, the errors."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

from mmltbin.export import (export_packed, first_test_images, load_packed, max_output_difference,
                            model_config, pack_model, read_packed, state_dict_bytes)
from mmltbin.models.backbones import ReActNet
from mmltbin.models.layers import BinaryConv2d
from toolrun import REPO_ROOT, python_tool

DIGITS_32 = osp.join(REPO_ROOT, 'tests/test_models/test_backbones/data/digits_32px.py')
MODELS_DIR = osp.join(REPO_ROOT, 'configs/_base_/models')
SMALL = {
    'reactnet-a': dict(backbone=dict(widen_factor=0.25), head=dict(in_channels=256)),
    'binary-resnet18': dict(backbone=dict(variant='react', stem_channels=16, base_channels=16),
                            head=dict(in_channels=128)),
}


def _config(name: str, data: str = DIGITS_32) -> Config:
    cfg = Config.fromfile(data)
    cfg.model = Config.fromfile(osp.join(MODELS_DIR, f'{name}.py')).model
    cfg.merge_from_dict({'model': SMALL[name]})
    return cfg


def _trained(cfg: Config, steps: int = 6):
    """A model after a few Adam steps on real digits (moved thresholds, norms, latent weights)."""
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(model_config(cfg))
    model.init_weights()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-2))
    model.train()
    for i, batch in enumerate(Runner.build_dataloader(cfg.train_dataloader, seed=0)):
        model.train_step(batch, optim)
        if i + 1 == steps:
            break
    return model.eval()


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(SMALL))
def test_round_trip_is_exact_on_real_digits(tmp_path, name):
    cfg = _config(name)
    model = _trained(cfg)
    path = str(tmp_path / 'model.npz')
    export_packed(model, path, model_cfg=model_config(cfg))
    loaded = load_packed(path)  # rebuilt from the config stored in the file
    assert type(loaded) is type(model) and loaded is not model
    inputs, _ = first_test_images(cfg, model, 64)
    max_diff, max_ref = max_output_difference(model, loaded, inputs)
    assert max_ref > 0.1
    assert max_diff <= 1e-6 * max_ref  # in practice 0: the same binary weights are used


@pytest.mark.slow
def test_round_trip_on_real_fashion_mnist(tmp_path, fashion_mnist_root):
    data = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/datasets/fashion_mnist.py'))
    cfg = _config('reactnet-a')
    cfg.data_preprocessor = data.data_preprocessor
    cfg.test_dataloader = data.test_dataloader
    cfg.test_dataloader.dataset.data_root = fashion_mnist_root
    model = _trained(cfg)
    path = str(tmp_path / 'model.npz')
    export_packed(model, path)
    loaded = load_packed(path, model=MODELS.build(model_config(cfg)))
    inputs, _ = first_test_images(cfg, model, 64)
    max_diff, max_ref = max_output_difference(model, loaded, inputs)
    assert max_diff <= 1e-6 * max_ref


def test_packed_file_holds_one_bit_per_binary_weight(tmp_path):
    model = _trained(_config('reactnet-a'), steps=2)
    arrays = pack_model(model)
    meta = json.loads(arrays['__meta__'].tobytes())
    convs = {n: m for n, m in model.named_modules() if isinstance(m, BinaryConv2d)}
    assert [layer['name'] for layer in meta['binary']] == list(convs) and len(convs) == 26
    bits, scales = arrays['bits'], arrays['scales']
    assert bits.dtype == np.uint8 and scales.dtype == np.float32
    assert bits.size == sum(-(-c.weight.numel() // 8) for c in convs.values())
    for layer in meta['binary']:
        weight = convs[layer['name']].weight.detach()
        count = weight.numel()
        signs = np.unpackbits(bits[layer['bits']:], count=count).reshape(weight.shape)
        assert np.array_equal(signs, (weight >= 0).numpy().astype(np.uint8))
        np.testing.assert_array_equal(scales[layer['scales']:layer['scales'] + weight.shape[0]],
                                      weight.abs().mean(dim=(1, 2, 3)).numpy())
    real_keys = {entry['key'] for entry in meta['real']}
    assert not any(f'{name}.weight' in real_keys for name in convs)
    assert real_keys | {f'{n}.weight' for n in convs} == set(model.state_dict())

    path = str(tmp_path / 'model.npz')
    size = export_packed(model, path)
    payload = sum(a.nbytes for a in arrays.values())
    assert payload <= size < payload + 4096  # only a few archive headers on top
    assert state_dict_bytes(model) / size > 10
    assert read_packed(path)['__meta__']['format'] == 'mmltbin-packed-v1'


def test_bit_layout_by_hand():
    """The documented layout, checked byte by byte without numpy's unpacking: per layer,
    row-major over (out, in, kh, kw), first weight in the most significant bit, bit 1 for
    W >= 0, zero padding to the next byte; the next layer starts on a fresh byte."""
    model = torch.nn.Sequential(BinaryConv2d(1, 2, (1, 5)), BinaryConv2d(2, 1, 1, bias=True))
    first = torch.tensor([0.5, -0.1, 0.0, -2.0, 3.0, -0.2, -0.3, 0.1, 0.2, -0.4])
    model[0].weight.data = first.view(2, 1, 1, 5)
    model[1].weight.data = torch.tensor([-1.0, 0.25]).view(1, 2, 1, 1)
    model[1].bias.data = torch.tensor([0.5])
    arrays = pack_model(model)
    # layer 0: bits 1 0 1 0 1 | 0 0 1 1 0, then 6 zero bits of padding
    # layer 1: bits 0 1, then 6 zero bits
    assert arrays['bits'].tolist() == [0b10101001, 0b10000000, 0b01000000]
    assert arrays['scales'].tolist() == pytest.approx([(0.5 + 0.1 + 0 + 2 + 3) / 5,
                                                       (0.2 + 0.3 + 0.1 + 0.2 + 0.4) / 5,
                                                       (1 + 0.25) / 2])
    meta = json.loads(arrays['__meta__'].tobytes())
    assert [(layer['name'], layer['shape'], layer['bits'], layer['scales'])
            for layer in meta['binary']] == [('0', [2, 1, 1, 5], 0, 0), ('1', [1, 2, 1, 1], 2, 2)]
    assert meta['real'] == [dict(key='1.bias', dtype='float32', shape=[1], offset=0)]
    assert arrays['real.float32'].tolist() == [0.5]


def test_errors_name_the_problem(tmp_path):
    path = str(tmp_path / 'model.npz')
    export_packed(ReActNet(widen_factor=0.25), path)
    with pytest.raises(ValueError, match='stores no model config'):
        load_packed(path)
    with pytest.raises(ValueError, match='binary layers do not match'):
        load_packed(path, model=ReActNet(arch=dict(stem_channels=8, stages=[[(16, 1)]]),
                                           out_indices=(0, )))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_packed(str(tmp_path / 'missing.npz'))
    np.savez(str(tmp_path / 'other.npz'), x=np.zeros(3))
    with pytest.raises(ValueError, match='not an mmltbin packed model'):
        load_packed(str(tmp_path / 'other.npz'), model=ReActNet())
    with pytest.raises(ValueError, match='no BinaryConv2d'):
        pack_model(torch.nn.Conv2d(3, 3, 1))
    with pytest.raises(ValueError, match='.npz'):
        export_packed(ReActNet(widen_factor=0.25), str(tmp_path / 'model.bin'))


@pytest.mark.slow
def test_pack_tool_checks_outputs_and_unpacked_checkpoint_tests_the_same(tmp_path):
    """tools/model_converters/export_packed.py pack / unpack, then tools/test.py."""
    cfg_file = tmp_path / 'reactnet_digits.py'
    cfg_file.write_text(f"_base_ = ['{DIGITS_32}', '{MODELS_DIR}/reactnet-a.py']\n"
                        f"model = {SMALL['reactnet-a']!r}\n")
    cfg = Config.fromfile(str(cfg_file))
    model = _trained(cfg, steps=8)
    ckpt = str(tmp_path / 'trained.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    packed, unpacked = str(tmp_path / 'trained.npz'), str(tmp_path / 'unpacked.pth')

    proc = python_tool('model_converters/export_packed.py', 'pack', str(cfg_file), ckpt, packed)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'max |logit difference| = 0.000e+00' in proc.stdout
    assert 'ratio x' in proc.stdout
    proc = python_tool('model_converters/export_packed.py', 'unpack', packed, unpacked)
    assert proc.returncode == 0, proc.stderr[-3000:]

    metrics = str(tmp_path / 'metrics.json')
    proc = python_tool('test.py', str(cfg_file), unpacked, '--work-dir', str(tmp_path / 'w'),
                       '--out', metrics)
    assert proc.returncode == 0, proc.stderr[-3000:]
    correct = total = 0
    with torch.no_grad():
        for batch in Runner.build_dataloader(cfg.test_dataloader):
            data = model.data_preprocessor(batch, False)
            pred = model(data['inputs'], mode='tensor').argmax(1)
            correct += sum(int(p) == int(s.gt_label) for p, s in zip(pred, data['data_samples']))
            total += len(pred)
    accuracy = json.load(open(metrics))['accuracy/top1']
    assert accuracy == pytest.approx(100.0 * correct / total, abs=1e-6)
