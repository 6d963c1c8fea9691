"""EpochSeedHook: training images depend on (seed, epoch, sample) only, whichever worker made
them and whatever it made before (real digits, random crop and flip, persistent workers)."""
import copy

import numpy as np
import pytest
import torch
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.datasets.transforms import EpochSeeded, SlottedAugment
from mmltbin.engine.hooks import EpochSeedHook
from lt_runner import digits_lt_config

RANDOM = [dict(type='RandomCrop', crop_size=8, padding=2),
          dict(type='RandomFlip', prob=0.5, direction='horizontal')]
PIPELINES = {
    'plain': [*RANDOM, dict(type='PackInputs')],
    'slotted': [dict(type='SlottedAugment', num_slots=4, transforms=RANDOM),
                dict(type='PackInputs', meta_keys=('sample_idx', 'aug_key'))],
}


def _runner(tmp_path, pipeline, num_workers):
    cfg = digits_lt_config(tmp_path, max_epochs=3)
    cfg.train_dataloader.dataset.dataset.pipeline = copy.deepcopy(pipeline)
    cfg.train_dataloader.update(num_workers=num_workers, persistent_workers=num_workers > 0,
                                batch_size=8)
    return Runner.from_cfg(cfg)


def _epochs(runner, epochs):
    """Images by sample index, per epoch, as the train loop would make them."""
    hook = next(h for h in runner.hooks if isinstance(h, EpochSeedHook))
    hook.before_train(runner)
    out = []
    for epoch in epochs:
        runner.train_loop._epoch = epoch
        hook.before_train_epoch(runner)
        runner.train_dataloader.sampler.set_epoch(epoch)
        images = {}
        for batch in runner.train_dataloader:
            for img, sample in zip(batch['inputs'], batch['data_samples']):
                images[sample.sample_idx] = img
        out.append(images)
    return out


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow  # starts data-loader worker processes
def test_images_depend_on_epoch_and_sample_not_on_worker_or_history(tmp_path):
    for name, pipeline in PIPELINES.items():
        # 2 persistent workers through epochs 0, 1, 2 ...
        runs = _epochs(_runner(tmp_path / name / 'a', pipeline, 2), [0, 1, 2])
        # ... against a fresh loader (a resumed run) at epoch 2, in the main process
        resumed = _epochs(_runner(tmp_path / name / 'b', pipeline, 0), [2])[0]
        assert _same(runs[2], resumed), name
        assert not _same(runs[0], runs[1]), f'{name}: epochs should differ'


def test_an_iteration_based_loop_is_left_alone(tmp_path):
    runner = _runner(tmp_path, PIPELINES['plain'], 0)
    cfg = copy.deepcopy(runner.cfg)
    cfg.train_cfg = dict(by_epoch=False, max_iters=2, val_interval=100)
    cfg.param_scheduler = []
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    pipeline = runner.train_dataloader.dataset.dataset.pipeline.transforms
    assert not any(isinstance(t, EpochSeeded) for t in pipeline)


def test_the_pipeline_is_wrapped_once_and_the_main_process_reseeded(tmp_path):
    runner = _runner(tmp_path, PIPELINES['slotted'], 0)
    hook = next(h for h in runner.hooks if isinstance(h, EpochSeedHook))
    hook.before_train(runner)
    hook.before_train(runner)
    pipeline = runner.train_dataloader.dataset.dataset.pipeline.transforms
    assert len(pipeline) == 1 and isinstance(pipeline[0], EpochSeeded)
    slotted = pipeline[0].transforms[0]
    assert isinstance(slotted, SlottedAugment)
    runner.train_loop._epoch = 5
    hook.before_train_epoch(runner)
    assert slotted.epoch.get() == 5 and pipeline[0].epoch.get() == 5
    draws = np.random.rand(), torch.rand(1)
    hook.before_train_epoch(runner)
    assert draws[0] == np.random.rand() and torch.equal(draws[1], torch.rand(1))


def test_starting_the_data_loader_leaves_the_main_process_draws_alone(tmp_path):
    """The loader draws its workers' base seed when it starts them (once, with persistent
    workers: in a resumed run's first epoch, not the uninterrupted run's): from a generator of
    its own, reseeded per epoch, not from the one Mixup's permutation comes from."""
    runner = _runner(tmp_path, PIPELINES['plain'], 0)
    hook = next(h for h in runner.hooks if isinstance(h, EpochSeedHook))
    hook.before_train(runner)
    loader = runner.train_dataloader
    assert loader.generator is not None
    base_seeds = []
    for _ in range(2):
        runner.train_loop._epoch = 3
        hook.before_train_epoch(runner)
        expected = torch.random.get_rng_state()
        base_seeds.append(iter(loader)._base_seed)
        assert torch.equal(torch.random.get_rng_state(), expected)
    assert base_seeds[0] == base_seeds[1]
