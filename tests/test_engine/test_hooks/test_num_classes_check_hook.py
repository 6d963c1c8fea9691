"""NumClassesCheckHook: the heads' num_classes checked against the dataset before the first
step, for a classifier and a distiller (student and teacher), on real digits."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from mmltbin.engine.hooks.num_classes_check_hook import class_outputs
from mmpretrain.registry import MODELS
from lt_runner import DISTILL_DIGITS, digits_lt_config, save_digits_teacher


@pytest.mark.parametrize('num_classes', [5, 100])
def test_a_classifier_head_of_the_wrong_size_stops_before_the_first_step(tmp_path, num_classes):
    """5 classes used to fail at the first step with an index error; 100 trained silently."""
    cfg = digits_lt_config(tmp_path, **{'model.head.num_classes': num_classes})
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as info:
        runner.train()
    assert (f'model.head.num_classes is {num_classes}, but the dataset of train_dataloader '
            '(LongTailDataset) has 10 classes') in str(info.value)
    assert 'set model.head.num_classes=10' in str(info.value)
    assert runner.iter == 0


def test_a_right_head_trains(tmp_path):
    runner = Runner.from_cfg(digits_lt_config(tmp_path, max_epochs=1))
    runner.train()
    assert runner.iter > 0


def test_a_distiller_is_checked_for_student_and_teacher(tmp_path):
    teacher = save_digits_teacher(str(tmp_path / 'teacher.pth'))
    cfg = Config.fromfile(DISTILL_DIGITS)
    cfg.model.teacher.checkpoint = teacher
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    assert class_outputs(runner.model) == [('model.head.num_classes', 10),
                                           ('model.teacher.head.num_classes', 10)]
    # student and teacher both built for 12 classes (they agree, so the distiller builds) on
    # the 10 digits: refused before the first step, naming the key
    torch.manual_seed(1)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        wide = MODELS.build(dict(cfg.teacher_classifier,
                                 head=dict(cfg.teacher_classifier.head, num_classes=12)))
    torch.save({'state_dict': wide.state_dict()}, str(tmp_path / 'wide.pth'))
    cfg.model.teacher.model.head.num_classes = 12
    cfg.model.teacher.checkpoint = str(tmp_path / 'wide.pth')
    cfg.model.head.num_classes = 12
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=r'model.head.num_classes is 12, but .* has 10 classes'):
        runner.train()
    assert runner.iter == 0
