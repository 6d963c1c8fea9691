"""FinalPreciseBNHook: BatchNorm statistics of the final weights, in the last checkpoint only."""
import pytest
import torch
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from lt_runner import BN_DIGITS, digits_lt_config, stem_input_mean
from mmltbin.engine.hooks import FinalPreciseBNHook

BN_DIGITS_FINAL = dict(BN_DIGITS, **{
    'default_hooks.precise_bn': dict(type='FinalPreciseBNHook', num_samples=10_000)})


@pytest.mark.slow
def test_the_last_checkpoint_holds_the_statistics_of_the_final_weights(tmp_path):
    cfg = digits_lt_config(tmp_path, max_epochs=2, **BN_DIGITS_FINAL)
    runner = Runner.from_cfg(cfg)
    runner.train()
    expected = stem_input_mean(runner)
    key = f'backbone.{runner.model.backbone.norm1_name}.running_mean'
    first = torch.load(tmp_path / 'epoch_1.pth', weights_only=False)['state_dict'][key]
    last = torch.load(tmp_path / 'epoch_2.pth', weights_only=False)['state_dict'][key]
    torch.testing.assert_close(last, expected, rtol=1e-4, atol=1e-5)
    # epoch 1 kept the running average of training (the hook ran once, at the end)
    assert (first - expected).abs().max() > 1e-3


def test_it_runs_once_at_the_last_iteration_of_an_iteration_based_run(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(FinalPreciseBNHook, '_perform_precise_bn',
                        lambda self, runner: calls.append(runner.iter))
    cfg = digits_lt_config(tmp_path, **BN_DIGITS_FINAL)
    cfg.train_cfg = dict(by_epoch=False, max_iters=5, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=100)
    Runner.from_cfg(cfg).train()
    assert calls == [4]


def test_a_model_without_batchnorm_in_training_mode_reads_no_image(tmp_path, monkeypatch):
    """The tiny digits CNN uses GroupNorm: nothing to re-estimate, the loader is not read."""
    calls = []
    monkeypatch.setattr(FinalPreciseBNHook, '_perform_precise_bn',
                        lambda self, runner: calls.append(runner.epoch))
    cfg = digits_lt_config(tmp_path, max_epochs=1,
                           **{'default_hooks.precise_bn': dict(type='FinalPreciseBNHook')})
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert any(isinstance(h, FinalPreciseBNHook) for h in runner.hooks)
    assert calls == []


class _Recorder(torch.nn.Module):
    """A BatchNorm model whose preprocessor adds 10 to the images in training mode (as a batch
    augment would change them) and records the mode it was called with."""

    def __init__(self):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(1)
        self.modes = []

    def data_preprocessor(self, data, training=False):
        self.modes.append(training)
        return dict(inputs=data['inputs'] + (10.0 if training else 0.0))

    def forward(self, inputs):
        return self.bn(inputs)


@pytest.mark.parametrize('batch_augments', [True, False])
def test_statistics_come_from_the_batches_training_saw(batch_augments):
    from torch.utils.data import DataLoader

    from mmltbin.engine.hooks.final_precise_bn_hook import reestimate_bn
    model = _Recorder().train()
    loader = DataLoader([dict(inputs=torch.tensor([float(i)])) for i in range(8)], batch_size=4)
    reestimate_bn(model, loader, 8, batch_augments=batch_augments)
    assert model.modes == [batch_augments] * 2
    expected = 3.5 + (10.0 if batch_augments else 0.0)
    assert model.bn.running_mean.item() == pytest.approx(expected)


def test_num_samples_0_turns_it_off_and_negative_is_refused(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(FinalPreciseBNHook, '_perform_precise_bn',
                        lambda self, runner: calls.append(runner.epoch))
    cfg = digits_lt_config(tmp_path, max_epochs=1, **dict(BN_DIGITS, **{
        'default_hooks.precise_bn': dict(type='FinalPreciseBNHook', num_samples=0)}))
    Runner.from_cfg(cfg).train()
    assert calls == []
    with pytest.raises(ValueError, match='num_samples must be >= 0'):
        FinalPreciseBNHook(num_samples=-1)
