"""Bad input: unknown layers, FP models, missing OpenVINO, a missing 1-bit kernel."""
import importlib
import warnings

import pytest
import torch.nn as nn

from mmltbin.deploy import (INSTALL_HINT, UnsupportedLayerError, build_openvino_model,
                            check_binary_kernel, export_openvino, import_openvino)
from mmltbin.models.layers import BinaryConv2d


def test_unknown_layer_is_named_and_nothing_is_written(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 8, 3), BinaryConv2d(8, 8, 3), nn.GELU())
    out = tmp_path / 'out'
    with pytest.raises(UnsupportedLayerError, match=r'layer "2" of type .*GELU'):
        export_openvino(model, str(out))
    assert not out.exists()


def test_subclass_is_not_taken_for_its_parent(tmp_path):
    class MyConv(BinaryConv2d):
        pass
    with pytest.raises(UnsupportedLayerError, match=r'"0" of type .*MyConv'):
        build_openvino_model(nn.Sequential(MyConv(8, 8, 3)))


def test_fp_model_is_refused_with_the_reason(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
    with pytest.raises(ValueError, match='no binary layer'):
        export_openvino(model, str(tmp_path / 'out'))
    assert not (tmp_path / 'out').exists()
    # weights-only binary convolutions multiply real activations: no 1-bit op applies either
    with pytest.raises(ValueError, match='no binary layer'):
        build_openvino_model(nn.Sequential(BinaryConv2d(3, 8, 3, input_mode='real')))


def test_missing_openvino_says_how_to_install(monkeypatch):
    real_import = importlib.import_module

    def no_openvino(name, *args):
        if name.startswith('openvino'):
            raise ImportError(f'No module named {name!r}')
        return real_import(name, *args)
    monkeypatch.setattr(importlib, 'import_module', no_openvino)
    with pytest.raises(ImportError, match='deploy'):
        import_openvino()
    assert 'pip install' in INSTALL_HINT


class _Op:
    def __init__(self, layer, kernel):
        self.info = {'layerType': _Str(layer), 'primitiveType': _Str(kernel)}

    def get_rt_info(self):
        return self.info


class _Str:
    def __init__(self, value):
        self.value = value

    def astype(self, _):
        return self.value


class _Compiled:
    """An execution graph as a CPU without the JIT 1-bit kernel reports it."""

    def __init__(self, kernels):
        self.ops = [_Op('BinaryConvolution', k) for k in kernels] + [_Op('Convolution', 'x')]

    def get_runtime_model(self):
        return self

    def get_ops(self):
        return self.ops


def test_missing_binary_kernel_warns_naming_the_fallback():
    with pytest.warns(UserWarning, match=r"2 of 2 .*\['ref_any_u1'\]"):
        ok, message = check_binary_kernel(_Compiled(['ref_any_u1', 'ref_any_u1']))
    assert not ok and 'falls back' in message
    with pytest.warns(UserWarning, match='no BinaryConvolution layer'):
        check_binary_kernel(_Compiled([]))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ok, _ = check_binary_kernel(_Compiled(['jit_avx512_u1']), expected_layers=1)
    assert ok
