"""mmltbin.analysis.loading: readers of checkpoints, class counts, metrics and scalars.json."""
import json
import os.path as osp

import mmengine
import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

import mmltbin  # noqa: F401
from mmltbin.analysis.loading import (CLASSIFIER_WEIGHT_KEYS, class_counts_from_checkpoint,
                                      class_counts_from_config, classifier_weight_norms,
                                      labelled_paths, load_class_counts, load_lambda_curve,
                                      load_per_class_accuracy)
from mmltbin.datasets import long_tail_counts
from mmltbin.evaluation import ShotAccuracy
from mmltbin.utils import UnsafeCheckpointError
from toolrun import TEST_DATA

# Fashion-MNIST-LT counts, deliberately not in label order: label 3 is the head, label 0 a tail
COUNTS = [27, 599, 10, 1000, 215, 77, 359, 16, 129, 46]
TINY = dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8, num_stages=2,
            strides=(1, 2), dilations=(1, 1), out_indices=(1, ))


def save_checkpoint(path, state_dict, class_counts=None):
    """An mmengine-style checkpoint: weights under state_dict, train metainfo in meta."""
    meta = {'epoch': 1}
    if class_counts is not None:
        meta['dataset_meta'] = {'classes': tuple(f'c{i}' for i in range(len(class_counts))),
                                'class_counts': list(class_counts)}
    torch.save({'meta': meta, 'state_dict': state_dict}, str(path))
    return str(path)


# ------------------------------------------------------------------------- weight norms
def test_norms_are_the_row_norms_of_the_head_weight(tmp_path):
    torch.manual_seed(0)
    weight = torch.randn(10, 16) * torch.linspace(0.5, 3.0, 10)[:, None]
    path = save_checkpoint(tmp_path / 'ckpt.pth', {'backbone.conv.weight': torch.randn(4, 3),
                                                   'head.fc.weight': weight,
                                                   'head.fc.bias': torch.zeros(10)})
    norms = classifier_weight_norms(path)
    np.testing.assert_allclose(norms, torch.linalg.norm(weight, dim=1).numpy(), rtol=1e-6)
    assert norms.shape == (10, ) and norms.dtype == np.float64


def test_norms_of_real_mmpretrain_and_mmltbin_models(tmp_path):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        classifier = MODELS.build(dict(
            type='ImageClassifier', backbone=TINY, neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=5, in_channels=16)))
        # the encoder keeps its own 7-class head: the probe's new 5-class head must be read
        probe = MODELS.build(dict(
            type='LinearProbeClassifier', num_classes=5,
            encoder=dict(type='ImageClassifier', backbone=TINY,
                         neck=dict(type='GlobalAveragePooling'),
                         head=dict(type='LinearClsHead', num_classes=7, in_channels=16),
                         data_preprocessor=dict(mean=[127.5] * 3, std=[128.0] * 3))))
    for model in (classifier, probe):
        path = str(tmp_path / f'{type(model).__name__}.pth')
        torch.save({'state_dict': model.state_dict()}, path)
        expected = torch.linalg.norm(model.head.fc.weight.detach(), dim=1).numpy()
        np.testing.assert_allclose(classifier_weight_norms(path), expected, rtol=1e-6)


def test_key_detection_order_prefix_and_explicit_key():
    student, teacher, other = torch.ones(3, 4), torch.full((3, 8), 2.0), torch.eye(2)
    # a distiller saved with its teacher: the student's head (head.fc.weight) wins
    state = {'teacher.model.head.fc.weight': teacher, 'head.fc.weight': student}
    np.testing.assert_allclose(classifier_weight_norms({'state_dict': state}), [2.0] * 3)
    # a DDP prefix and a saved FrozenTeacher (model.head.fc.weight)
    np.testing.assert_allclose(
        classifier_weight_norms({'module.model.head.fc.weight': teacher}), [4 * 2 ** 0.5] * 3)
    np.testing.assert_allclose(classifier_weight_norms({'fc.weight': other}), [1.0, 1.0])
    np.testing.assert_allclose(
        classifier_weight_norms({'state_dict': state}, key='teacher.model.head.fc.weight'),
        [4 * 2 ** 0.5] * 3)


def test_missing_classifier_names_the_file_and_the_keys(tmp_path):
    path = save_checkpoint(tmp_path / 'nohead.pth', {'neck.proj.weight': torch.ones(3, 3),
                                                    'backbone.bias': torch.ones(3)})
    with pytest.raises(KeyError) as err:
        classifier_weight_norms(path)
    message = err.value.args[0]
    assert path in message and 'neck.proj.weight' in message
    assert all(key in message for key in CLASSIFIER_WEIGHT_KEYS)
    with pytest.raises(KeyError, match='tried head.missing.weight'):
        classifier_weight_norms(path, key='head.missing.weight')
    with pytest.raises(ValueError, match=r'"backbone.bias" is \(3,\), expected'):
        classifier_weight_norms(path, key='backbone.bias')
    with pytest.raises(FileNotFoundError, match='absent.pth'):
        classifier_weight_norms(str(tmp_path / 'absent.pth'))


def test_checkpoints_are_loaded_with_weights_only(tmp_path):
    path = str(tmp_path / 'code.pth')
    torch.save({'state_dict': {'head.fc.weight': torch.ones(2, 2)}, 'hook': print}, path)
    with pytest.raises(UnsafeCheckpointError, match='code.pth'):
        classifier_weight_norms(path)


# ----------------------------------------------------------------------------- counts
def test_class_counts_from_checkpoint_file_and_config(tmp_path):
    ckpt = save_checkpoint(tmp_path / 'c.pth', {}, class_counts=COUNTS)
    assert class_counts_from_checkpoint(ckpt) == (COUNTS, [f'c{i}' for i in range(10)])
    assert load_class_counts(ckpt)[0] == COUNTS
    (tmp_path / 'list.json').write_text(json.dumps(COUNTS))
    (tmp_path / 'meta.json').write_text(json.dumps({'class_counts': COUNTS, 'classes': 'ab'}))
    (tmp_path / 'counts.txt').write_text('\n'.join(map(str, COUNTS)) + '\n')
    assert load_class_counts(tmp_path / 'list.json') == (COUNTS, None)
    assert load_class_counts(tmp_path / 'meta.json') == (COUNTS, ['a', 'b'])
    assert load_class_counts(tmp_path / 'counts.txt') == (COUNTS, None)
    (tmp_path / 'bad.txt').write_text('1000 many 10\n')
    with pytest.raises(ValueError, match='bad.txt" holds no list of class counts'):
        load_class_counts(tmp_path / 'bad.txt')
    with pytest.raises(ValueError, match='no class_counts'):
        class_counts_from_checkpoint(save_checkpoint(tmp_path / 'nometa.pth', {}))

    lt_digits = dict(_delete_=True, type='LongTailDataset', n_max=40, rho=10,
                     dataset=dict(type='SklearnDigits', split='train'))
    counts, names = class_counts_from_config(osp.join(TEST_DATA, 'digits_tiny.py'),
                                             {'train_dataloader.dataset': lt_digits})
    assert counts == long_tail_counts(10, 40, 10) and names == [str(i) for i in range(10)]
    with pytest.raises(ValueError, match='no metainfo\\["class_counts"\\]'):
        class_counts_from_config(osp.join(TEST_DATA, 'digits_tiny.py'))
    with pytest.raises(FileNotFoundError, match='missing.py'):
        class_counts_from_config(str(tmp_path / 'missing.py'))



def test_labelled_paths():
    assert labelled_paths(['FP=a/b.pth', 'x/y/epoch_3.pth', 'a=b=c']) == {
        'FP': 'a/b.pth', 'epoch_3': 'x/y/epoch_3.pth', 'a': 'b=c'}
    with pytest.raises(ValueError, match='label "FP" is given twice'):
        labelled_paths(['FP=a.pth', 'FP=b.pth'])
    with pytest.raises(ValueError, match='expected LABEL=PATH'):
        labelled_paths(['=a.pth'])


# ---------------------------------------------------------------------- per-class accuracy
def write_metrics(path, class_counts, pairs, **kwargs) -> dict:
    """ShotAccuracy on (pred, gt) pairs, dumped the way tools/test.py --out does."""
    metric = ShotAccuracy(class_counts=class_counts, **kwargs)
    metric.process(None, [dict(pred_label=torch.tensor([p]), gt_label=torch.tensor([g]))
                          for p, g in pairs])
    metrics = metric.evaluate(len(pairs))
    mmengine.dump(metrics, str(path))
    return metrics


def test_per_class_accuracy_reads_what_shot_accuracy_writes(tmp_path):
    path = tmp_path / 'metrics.json'
    # class 2 has no test image: NaN
    metrics = write_metrics(path, [300, 50, 5], [(0, 0), (0, 0), (1, 1), (0, 1)])
    acc = load_per_class_accuracy(path)
    np.testing.assert_array_equal(acc, [100.0, 50.0, np.nan])
    assert metrics['accuracy/per_class'][:2] == acc[:2].tolist()


def test_per_class_accuracy_errors_name_the_file_and_keys(tmp_path):
    path = tmp_path / 'top1only.json'
    write_metrics(path, [300, 50], [(0, 0), (1, 1)], per_class=False)
    with pytest.raises(KeyError) as err:
        load_per_class_accuracy(path)
    assert 'top1only.json" has no per-class accuracy' in err.value.args[0]
    assert 'accuracy/top1' in err.value.args[0]
    two = tmp_path / 'two.json'
    two.write_text(json.dumps({'a/per_class': [1.0], 'b/per_class': [2.0]}))
    with pytest.raises(KeyError, match='several per-class entries'):
        load_per_class_accuracy(two)
    assert load_per_class_accuracy(two, key='b/per_class').tolist() == [2.0]
    (tmp_path / 'lines.json').write_text('{"a": 1}\n{"a": 2}\n')
    with pytest.raises(ValueError, match='is not a JSON file'):
        load_per_class_accuracy(tmp_path / 'lines.json')
    with pytest.raises(FileNotFoundError, match='absent.json'):
        load_per_class_accuracy(tmp_path / 'absent.json')


# ------------------------------------------------------------------------------ lambda
class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return dict(loss=self.fc(torch.stack(inputs)).pow(2).mean())


class _LogLambda(Hook):
    """Logs lambda exactly as AdversarialBalanceHook does (message hub, train/ prefix)."""

    def __init__(self, values):
        self.values = values

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        mean, std = self.values[runner.iter]
        runner.message_hub.update_scalar('train/lambda_mean', mean)
        runner.message_hub.update_scalar('train/lambda_std', std)


def test_lambda_reader_returns_what_the_runner_logged(tmp_path):
    values = [(0.5, 0.0), (0.55, 0.01), (0.6, 0.02), (0.7, 0.03), (0.75, 0.02), (0.8, 0.01)]
    runner = Runner(
        model=_ToyModel(), work_dir=str(tmp_path),
        train_dataloader=dict(dataset=[dict(inputs=torch.ones(2))] * 6, batch_size=2,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1), checkpoint=None),
        custom_hooks=[_LogLambda(values)], log_processor=dict(window_size=1),
        visualizer=dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')]),
        log_level='WARNING', default_scope='mmengine')
    runner.train()
    curve = load_lambda_curve(tmp_path)  # the work dir: found under <timestamp>/vis_data
    assert curve.iters.tolist() == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(curve.mean, [m for m, _ in values])
    np.testing.assert_allclose(curve.std, [s for _, s in values])


def write_scalars(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(row) + '\n' for row in rows))


def test_lambda_reader_merges_resumed_runs_and_names_files_without_lambda(tmp_path):
    first = tmp_path / 'work' / '20240101_000000' / 'vis_data' / 'scalars.json'
    second = tmp_path / 'work' / '20240102_000000' / 'vis_data' / 'scalars.json'
    write_scalars(first, [dict(lambda_mean=0.5, iter=10, step=10), {'accuracy/top1': 1, 'step': 1},
                          dict(lambda_mean=0.6, iter=20, step=20),
                          dict(lambda_mean=0.9, iter=30, step=30)])
    # resumed from iteration 20: its iteration 30 replaces the first run's
    write_scalars(second, [dict(lambda_mean=0.65, iter=30, step=30),
                           dict(lambda_mean=0.7, iter=40, step=40)])
    curve = load_lambda_curve(tmp_path / 'work')
    assert curve.iters.tolist() == [10, 20, 30, 40]
    assert curve.mean.tolist() == [0.5, 0.6, 0.65, 0.7] and curve.std is None

    plain = tmp_path / 'plain' / 'vis_data' / 'scalars.json'
    write_scalars(plain, [dict(loss=1.0, iter=1, step=1), {'accuracy/top1': 1.0, 'step': 1}])
    with pytest.raises(ValueError, match=f'no lambda entries .*{plain}'):
        load_lambda_curve(plain)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='empty" has no vis_data/scalars.json'):
        load_lambda_curve(tmp_path / 'empty')
    with pytest.raises(FileNotFoundError, match='nowhere'):
        load_lambda_curve(tmp_path / 'nowhere')
