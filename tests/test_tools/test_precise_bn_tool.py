"""tools/analysis_tools/precise_bn.py: a checkpoint's BatchNorm statistics re-estimated."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from lt_runner import BN_DIGITS, digits_lt_config, stem_input_mean
from toolrun import REPO_ROOT


def _tool():
    path = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'precise_bn.py')
    spec = importlib.util.spec_from_file_location('precise_bn_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_a_checkpoint_gets_the_statistics_of_its_weights_and_keeps_the_rest(tmp_path):
    cfg = digits_lt_config(tmp_path / 'run', max_epochs=1, **BN_DIGITS)
    runner = Runner.from_cfg(cfg)
    runner.train()
    expected = stem_input_mean(runner)
    config = str(tmp_path / 'config.py')
    cfg.dump(config)
    # a checkpoint whose first BatchNorm statistics are far off (as after a bad last epoch)
    ckpt = torch.load(tmp_path / 'run' / 'epoch_1.pth', weights_only=False)
    key = f'backbone.{runner.model.backbone.norm1_name}.running_mean'
    ckpt['state_dict'][key] = torch.full_like(ckpt['state_dict'][key], 100.0)
    broken = str(tmp_path / 'broken.pth')
    torch.save(ckpt, broken)

    out = str(tmp_path / 'fixed' / 'precise.pth')
    _tool().main([config, broken, out, '--num-samples', '10000'])
    fixed = torch.load(out, weights_only=True)
    assert set(fixed) == {'state_dict', 'meta'}
    assert fixed['meta']['dataset_meta'] == ckpt['meta']['dataset_meta']
    torch.testing.assert_close(fixed['state_dict'][key], expected, rtol=1e-4, atol=1e-5)
    for name, value in ckpt['state_dict'].items():  # weights untouched
        if 'running_' not in name and 'num_batches' not in name:
            torch.testing.assert_close(fixed['state_dict'][name], value, msg=name)


@pytest.mark.slow
def test_a_model_without_batchnorm_is_refused_by_name(tmp_path):
    cfg = digits_lt_config(tmp_path / 'run', max_epochs=1)  # GroupNorm
    Runner.from_cfg(cfg).train()
    config = str(tmp_path / 'config.py')
    cfg.dump(config)
    with pytest.raises(ValueError, match='no BatchNorm layer in training mode'):
        _tool().main([config, str(tmp_path / 'run' / 'epoch_1.pth'), str(tmp_path / 'o.pth')])
    assert not osp.exists(tmp_path / 'o.pth')
