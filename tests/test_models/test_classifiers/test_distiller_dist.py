"""CalibratedDistiller with MultiResPipeline and the adversarial balancer under DDP (2 CPU
processes, gloo): both ranks end equal, and equal to one process with the same global batch."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmpretrain.registry import MODELS
from toolrun import assert_ok, checkpoint_state_dict, dist_train, python_tool

CONFIG = osp.join(osp.dirname(__file__), 'data', 'distill_digits.py')


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    teacher = str(tmp_path / 'teacher.pth')
    torch.manual_seed(1)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(Config.fromfile(CONFIG).teacher_classifier)
    torch.save(model.state_dict(), teacher)
    # running term scales are per-rank buffers (DDP broadcasts rank 0's): off for exactness;
    # 160 images: every batch (32, or 2 x 16) is full, so both runs see the same batches
    options = ['train_cfg.max_epochs=1', f'model.teacher.checkpoint={teacher}',
               'model.balancer.normalize_terms=False', 'train_dataloader.dataset.profile=counts',
               'train_dataloader.dataset.counts=[40,30,24,18,14,11,8,6,5,4]']
    single, dist = str(tmp_path / 'single'), str(tmp_path / 'dist')
    assert_ok(python_tool('train.py', CONFIG, '--work-dir', single, '--cfg-options', *options))
    config = tmp_path / 'with_hook.py'
    config.write_text(f"_base_ = ['{CONFIG}']\n"
                      "custom_imports = dict(imports=['mmltbin', 'mmltbin_test_hooks'])\n"
                      "custom_hooks = [dict(type='AdversarialBalanceHook'), "
                      "dict(type='DumpRankWeightsHook')]\n")
    assert_ok(dist_train(config, 2, '--work-dir', dist, '--cfg-options', *options,
                         'train_dataloader.batch_size=16'))
    rank0, rank1 = (checkpoint_state_dict(f'{dist}/rank{r}.pth') for r in (0, 1))
    reference = checkpoint_state_dict(f'{single}/epoch_1.pth')
    assert not any(k.startswith('teacher.') for k in reference)
    assert any(k.startswith('balancer.mlp') for k in reference)
    for key in reference:
        assert torch.equal(rank0[key], rank1[key]), f'ranks differ at {key}'
        torch.testing.assert_close(rank0[key], reference[key], rtol=1e-3, atol=1e-4,
                                   msg=f'distributed and single-process runs differ at {key}')
