"""docs/tools.md's TensorBoard example records lambda and the loss terms as scalars."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmltbin  # noqa: F401
from lt_runner import DISTILL_DIGITS, save_digits_teacher
from toolrun import REPO_ROOT

pytest.importorskip('tensorboard', reason='the tensorboard extra is not installed')


def _documented_example() -> str:
    doc = open(osp.join(REPO_ROOT, 'docs', 'tools.md')).read()
    section = doc.split('## TensorBoard', 1)[1]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


def test_documented_vis_backends_log_lambda_and_loss_terms_to_tensorboard(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    example = _documented_example()
    assert "dict(type='TensorboardVisBackend')" in example
    # the documented lines on the tiny real-data distillation config instead of the CPU benchmark
    lines = example.splitlines()
    assert lines[0].startswith('_base_ = ')
    config = tmp_path / 'tensorboard_example.py'
    config.write_text('\n'.join([f"_base_ = ['{DISTILL_DIGITS}']", *lines[1:]]) + '\n')
    cfg = Config.fromfile(str(config))
    cfg.model.teacher.checkpoint = save_digits_teacher(str(tmp_path / 'teacher.pth'))
    cfg.train_cfg.max_epochs = 1
    cfg.work_dir = str(tmp_path / 'run')
    Runner.from_cfg(cfg).train()

    events = glob.glob(f'{tmp_path}/run/*/vis_data/events.out.tfevents.*')
    assert len(events) == 1
    scalars = EventAccumulator(events[0])
    scalars.Reload()
    tags = set(scalars.Tags()['scalars'])
    assert {'loss', 'loss_kd', 'loss_feat', 'loss_task', 'loss_balancer_reg', 'kd_term',
            'feat_term', 'lambda_mean', 'lambda_std', 'lr', 'accuracy/top1'} <= tags
    lambdas = [event.value for event in scalars.Scalars('lambda_mean')]
    assert len(lambdas) == 5 and all(0.0 < value < 1.0 for value in lambdas)
