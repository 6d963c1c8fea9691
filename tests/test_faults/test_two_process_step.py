"""One training step of the method's pipeline (random SlottedAugment, teacher-output cache,
square-root ClassAwareSampler) in 2 gloo CPU processes x 16 images equals 1 process x 32:
augmentations depend on (seed, epoch, sample), not on the process or worker (real digits)."""
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from lt_runner import DISTILL_DIGITS, save_digits_teacher
from toolrun import assert_ok, checkpoint_state_dict, dist_train

PIPELINE = [
    dict(type='SlottedAugment', num_slots=4, transforms=[
        dict(type='RandomCrop', crop_size=8, padding=2),
        dict(type='RandomFlip', prob=0.5, direction='horizontal')]),
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_shape', 'aug_key')),
]


@pytest.mark.slow
def test_one_step_in_two_processes_equals_one_process(tmp_path):
    teacher = save_digits_teacher(str(tmp_path / 'teacher.pth'))
    leaf = tmp_path / 'method_digits.py'
    # 32 images: one step of 32 (or 2 x 16); running term scales are per-process buffers
    # (off for exactness, as in the other 2-process tests)
    leaf.write_text(
        f"_base_ = ['{DISTILL_DIGITS}']\n"
        "custom_imports = dict(imports=['mmltbin', 'mmltbin_test_hooks'])\n"
        f"model = dict(teacher=dict(checkpoint='{teacher}'), "
        "teacher_cache=dict(type='TeacherOutputCache'), balancer=dict(normalize_terms=False))\n"
        "train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler', "
        "mode='sqrt'), "
        "dataset=dict(profile='counts', counts=[8, 6, 4, 3, 3, 2, 2, 2, 1, 1], "
        f"dataset=dict(pipeline={PIPELINE!r})))\n"
        "default_hooks = dict(teacher_cache_prefill=dict(type='TeacherCachePrefillHook'))\n"
        "train_cfg = dict(max_epochs=1, val_interval=100)\n"
        "custom_hooks = [dict(type='AdversarialBalanceHook'), dict(type='DumpRankWeightsHook')]\n")
    dist = str(tmp_path / 'dist')
    assert_ok(dist_train(str(leaf), 2, '--work-dir', dist, '--cfg-options',
                         'train_dataloader.batch_size=16'))
    cfg = Config.fromfile(str(leaf), import_custom_modules=False)
    cfg.custom_imports = dict(imports=['mmltbin'])
    cfg.custom_hooks = [dict(type='AdversarialBalanceHook')]
    cfg.work_dir = str(tmp_path / 'single')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    reference = runner.model.state_dict()
    rank0, rank1 = (checkpoint_state_dict(f'{dist}/rank{r}.pth') for r in (0, 1))
    assert rank0.keys() == rank1.keys() == reference.keys()
    for key in reference:
        assert torch.equal(rank0[key], rank1[key]), f'ranks differ at {key}'
        torch.testing.assert_close(rank0[key], reference[key], rtol=1e-3, atol=1e-4,
                                   msg=f'2 processes and 1 differ at {key}')
