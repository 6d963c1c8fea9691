"""AtomicCheckpointHook and AtomicLocalBackend: whole checkpoints or none, and a
``last_checkpoint`` that `--resume auto` can follow (in-process; the kill during a real save is
in tests/test_faults/test_kill_resume.py)."""
import logging
import os
import os.path as osp

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks import AtomicCheckpointHook
from mmltbin.engine.hooks.atomic_checkpoint_hook import is_complete_checkpoint
from mmltbin.fileio import AtomicLocalBackend, atomic_write
from lt_runner import digits_lt_config


class Interrupted(Exception):
    pass


def _interrupt_half_way(f, data):
    f.write(data[:len(data) // 2])
    raise Interrupted


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    atomic_write(b'old', path)
    with pytest.raises(Interrupted):
        atomic_write(b'new content', path, write=_interrupt_half_way)
    assert open(path, 'rb').read() == b'old'
    assert os.listdir(tmp_path) == ['epoch_1.pth']  # the temporary file is gone too


def test_the_backend_is_what_checkpoints_are_saved_through(tmp_path):
    backend = get_file_backend(str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    hook = AtomicCheckpointHook(interval=1)
    assert hook.backend_args == dict(backend='atomic_local')
    runner = Runner.from_cfg(digits_lt_config(tmp_path, max_epochs=1))
    assert any(isinstance(h, AtomicCheckpointHook) for h in runner.hooks)  # the default
    runner.train()
    assert is_complete_checkpoint(str(tmp_path / 'epoch_1.pth'))
    with pytest.raises(ValueError, match='max_keep_ckpts to 2 or more'):
        AtomicCheckpointHook(interval=1, max_keep_ckpts=1)


def _checkpoints(tmp_path):
    for epoch in (1, 2):
        torch.save({'meta': {'epoch': epoch}}, str(tmp_path / f'epoch_{epoch}.pth'))
    return str(tmp_path / 'epoch_1.pth'), str(tmp_path / 'epoch_2.pth')


@pytest.mark.parametrize('damage', ['empty pointer', 'truncated checkpoint', 'missing'])
def test_a_broken_last_checkpoint_is_pointed_at_the_newest_whole_one(tmp_path, damage, caplog):
    first, second = _checkpoints(tmp_path)
    third = str(tmp_path / 'epoch_3.pth')
    data = open(second, 'rb').read()
    with open(third, 'wb') as f:  # what a non-atomic save leaves when killed
        f.write(data[:len(data) // 2])
    pointer = tmp_path / 'last_checkpoint'
    pointer.write_text({'empty pointer': '', 'truncated checkpoint': third,
                        'missing': str(tmp_path / 'epoch_4.pth')}[damage])
    (tmp_path / '.epoch_3.pth.abc.tmp').write_bytes(b'partial')
    logger = logging.getLogger('test_atomic_checkpoint_hook')
    with caplog.at_level(logging.WARNING, logger=logger.name):
        assert AtomicCheckpointHook.repair_last_checkpoint(str(tmp_path), logger) == second
    assert pointer.read_text() == second
    assert 'newest complete checkpoint' in caplog.text
    assert not (tmp_path / '.epoch_3.pth.abc.tmp').exists()
    assert not is_complete_checkpoint(third) and is_complete_checkpoint(first)


def test_a_sound_last_checkpoint_is_left_alone(tmp_path):
    first, _ = _checkpoints(tmp_path)
    (tmp_path / 'last_checkpoint').write_text(first)  # not the newest, but whole: the user's
    assert AtomicCheckpointHook.repair_last_checkpoint(str(tmp_path)) == first
    assert (tmp_path / 'last_checkpoint').read_text() == first


def test_no_whole_checkpoint_means_starting_again(tmp_path):
    (tmp_path / 'epoch_1.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    assert AtomicCheckpointHook.repair_last_checkpoint(str(tmp_path)) is None
    assert not osp.exists(tmp_path / 'last_checkpoint')
