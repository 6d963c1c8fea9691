"""A plain mmengine Runner (no mmltbin component) saves, loads and resumes with mmltbin imported."""
import os.path as osp

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.registry import DefaultScope
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

import mmltbin  # noqa: F401  (what is under test: the import's effect on mmengine and torch)


class _Points(Dataset):
    """64 fixed points of a noisy line."""

    def __init__(self) -> None:
        gen = torch.Generator().manual_seed(0)
        self.x = torch.randn(64, 3, generator=gen)
        self.y = self.x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(64, generator=gen)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, idx: int) -> dict:
        return dict(x=self.x[idx], y=self.y[idx])


class _Regressor(BaseModel):

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x, y, mode='tensor'):
        out = self.fc(x).squeeze(1)
        return dict(loss=((out - y)**2).mean()) if mode == 'loss' else out


@pytest.fixture(autouse=True)
def _no_leaked_scope():
    """A Runner makes its default scope ('mmengine') current: drop it after the test."""
    before = set(DefaultScope._instance_dict)
    yield
    for name in set(DefaultScope._instance_dict) - before:
        del DefaultScope._instance_dict[name]


def _runner(work_dir: str, max_epochs: int, **kwargs) -> Runner:
    torch.manual_seed(0)  # the model is built before the runner seeds
    return Runner(
        model=_Regressor(), work_dir=work_dir,
        train_dataloader=dict(dataset=_Points(), batch_size=8, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        param_scheduler=dict(type='CosineAnnealingLR', T_max=3, begin=0, end=3, by_epoch=True),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1),
                           logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0), log_level='WARNING', **kwargs)


def test_plain_runner_saves_loads_and_resumes_exactly(tmp_path):
    straight = _runner(str(tmp_path / 'straight'), max_epochs=3)
    straight.train()

    first = _runner(str(tmp_path / 'resumed'), max_epochs=2)
    first.train()
    checkpoint = osp.join(str(tmp_path / 'resumed'), 'epoch_2.pth')
    # mmengine's own checkpoint (message hub with history buffers, numpy values) is plain data
    state = torch.load(checkpoint, weights_only=True)
    assert isinstance(state['message_hub']['log_scalars']['train/loss'], HistoryBuffer)

    resumed = _runner(str(tmp_path / 'resumed'), max_epochs=3, resume=True,
                      load_from=checkpoint)
    resumed.train()
    assert resumed.epoch == 3
    assert resumed.message_hub.get_scalar('train/loss').mean() > 0
    for (name, a), (_, b) in zip(straight.model.state_dict().items(),
                                 resumed.model.state_dict().items()):
        assert torch.equal(a, b), name
    # load_from alone (no resume): the weights of the file
    loaded = _runner(str(tmp_path / 'loaded'), max_epochs=1)
    loaded.load_checkpoint(checkpoint)
    assert torch.equal(loaded.model.fc.weight, first.model.fc.weight)


def test_importing_mmltbin_leaves_mmengine_classes_unchanged():
    """The history buffer's pickling goes through copyreg, not a replaced method."""
    assert HistoryBuffer.__getstate__.__module__ == 'mmengine.logging.history_buffer'
