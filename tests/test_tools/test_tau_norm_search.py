"""tools/analysis_tools/tau_norm_search.py on a real long-tailed run (sklearn digits)."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.datasets import build_dataset_from_cfg, gt_labels_of
from lt_runner import digits_lt_config
from toolrun import REPO_ROOT

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'tau_norm_search.py')


def _load_tool():
    spec = importlib.util.spec_from_file_location('tau_norm_search', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A config file and the checkpoint of a short run on digits-LT."""
    work_dir = tmp_path_factory.mktemp('tau_search')
    cfg = digits_lt_config(work_dir, max_epochs=6)
    cfg.train_cfg.val_interval = 100  # no validation during the run
    Runner.from_cfg(cfg).train()
    path = str(work_dir / 'config.py')
    cfg.dump(path)
    return path, str(work_dir / 'epoch_6.pth')


@pytest.mark.slow
def test_held_out_split_is_balanced_and_disjoint_from_the_lt_subset(trained):
    from mmengine.config import Config
    tool = _load_tool()
    train_set = build_dataset_from_cfg(Config.fromfile(trained[0]), 'train_dataloader')
    chosen = tool.held_out_indices(train_set, per_class=30, seed=0)
    assert not set(chosen.tolist()) & set(train_set.indices.tolist())
    labels = gt_labels_of(train_set.dataset)[chosen]
    assert np.bincount(labels).tolist() == [30] * 10
    assert np.array_equal(chosen, tool.held_out_indices(train_set, per_class=30, seed=0))
    assert not np.array_equal(chosen, tool.held_out_indices(train_set, per_class=30, seed=1))
    with pytest.raises(ValueError, match='fewer than --per-class 1000'):
        tool.held_out_indices(train_set, per_class=1000, seed=0)


@pytest.mark.slow
def test_scores_agree_with_the_tau_norm_head(trained, tmp_path):
    config, checkpoint = trained
    tool = _load_tool()
    out = str(tmp_path / 'result.json')
    result = tool.main([config, checkpoint, '--taus', '0', '1', '--per-class', '30',
                        '--out', out])
    assert json.load(open(out))['best_tau'] == result['best_tau']
    assert [row['tau'] for row in result['results']] == [0.0, 1.0]
    best = max(result['results'], key=lambda r: r['mean_per_class'])
    assert result['best_tau'] == best['tau'] and result['num_images'] == 300
    assert best['mean_per_class'] > 15  # above chance (10): the comparison below means something

    # the same held-out images through the model with TauNormClsHead(tau=1) give the same score
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(config)
    dataset, _ = tool.build_split(cfg, 'held-out', 30, 0)
    model_cfg = cfg.model
    model_cfg.data_preprocessor = cfg.data_preprocessor
    model_cfg.head.type = 'TauNormClsHead'
    model_cfg.head.tau = 1.0
    model = MODELS.build(model_cfg)
    load_checkpoint(model, checkpoint, map_location='cpu')
    model.eval()
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    with torch.no_grad():
        preds = model.val_step(batch)
    pred = torch.cat([p.pred_label for p in preds])
    gt = torch.cat([p.gt_label for p in preds])
    per_class = [100.0 * (pred[gt == c] == c).double().mean().item() for c in range(10)]
    assert result['results'][1]['mean_per_class'] == pytest.approx(np.mean(per_class))


@pytest.mark.slow
def test_logit_adjust_and_val_split(trained):
    config, checkpoint = trained
    tool = _load_tool()
    result = tool.main([config, checkpoint, '--method', 'logit-adjust', '--taus', '0', '1',
                        '--split', 'val'])
    assert result['method'] == 'logit-adjust' and result['split'] == 'val'
    assert result['num_images'] == 359  # the digits test split


def test_missing_files_are_named(trained, capsys):
    tool = _load_tool()
    with pytest.raises(SystemExit, match='checkpoint file "nope.pth" does not exist'):
        tool.main([trained[0], 'nope.pth'])
