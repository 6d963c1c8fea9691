"""tools/analysis_tools/plot_weight_norms.py and plot_results.py on small synthetic inputs."""
import importlib.util
import json
import os.path as osp

import mmengine
import numpy as np
import pytest
import torch
from PIL import Image

import mmltbin  # noqa: F401
from mmltbin.datasets import long_tail_counts
from toolrun import REPO_ROOT, TEST_DATA, python_tool

COUNTS = [27, 599, 10, 1000, 215, 77, 359, 16, 129, 46]


def load_tool(name: str):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO_ROOT, 'tools', 'analysis_tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


norms_tool = load_tool('plot_weight_norms')
results_tool = load_tool('plot_results')


def png_size(path) -> tuple:
    with Image.open(path) as img:
        return img.size


@pytest.fixture
def checkpoints(tmp_path):
    """Three mmengine-style checkpoints whose heads have known weights; counts in their meta."""
    torch.manual_seed(0)
    paths, weights = {}, {}
    for label, growth in (('FP', 0.0), ('CE', 1.5), ('CD', 0.3)):
        rank = torch.tensor(np.argsort(np.argsort(-np.array(COUNTS), kind='stable')),
                            dtype=torch.float32)
        weight = torch.randn(10, 8)
        weight = weight / weight.norm(dim=1, keepdim=True) * (1 + growth * rank[:, None] / 9)
        weights[label] = weight
        paths[label] = str(tmp_path / f'{label}.pth')
        torch.save({'meta': {'dataset_meta': {'classes': [f'c{i}' for i in range(10)],
                                              'class_counts': COUNTS}},
                    'state_dict': {'head.fc.weight': weight, 'head.fc.bias': torch.zeros(10)}},
                   paths[label])
    return paths, weights


def test_weight_norms_from_checkpoints_with_gap(checkpoints, tmp_path, capsys):
    paths, weights = checkpoints
    out = str(tmp_path / 'norms.png')
    norms = norms_tool.main([*(f'--ckpt={label}={path}' for label, path in paths.items()),
                             '--out', out, '--gap', 'FP', 'CE'])
    assert 'wrote' in capsys.readouterr().out
    for label, weight in weights.items():
        np.testing.assert_allclose(norms[label], torch.linalg.norm(weight, dim=1), rtol=1e-6)
    assert png_size(out) == (1140, 900)  # two panels, legends beside them


@pytest.mark.slow
def test_weight_norms_class_counts_sources(checkpoints, tmp_path):
    paths, _ = checkpoints
    counts_file = tmp_path / 'counts.txt'
    counts_file.write_text('\n'.join(map(str, COUNTS)))
    norms_tool.main(['--ckpt', f'CE={paths["CE"]}', '--class-counts', str(counts_file),
                     '--out', str(tmp_path / 'file.png')])
    assert png_size(tmp_path / 'file.png') == (1140, 504)
    # a config whose training set is digits-LT (10 classes): counts from its LongTailDataset
    config = tmp_path / 'digits_lt.py'
    config.write_text(
        f'_base_ = [{osp.join(TEST_DATA, "digits_tiny.py")!r}]\n'
        "train_dataloader = dict(dataset=dict(_delete_=True, type='LongTailDataset', n_max=40,\n"
        "    rho=10, dataset=dict(type='SklearnDigits', split='train')))\n")
    norms_tool.main(['--ckpt', f'CE={paths["CE"]}', '--config', str(config),
                     '--out', str(tmp_path / 'cfg.png')])
    assert osp.isfile(tmp_path / 'cfg.png')
    (tmp_path / 'three.json').write_text(json.dumps([5, 3, 1]))
    with pytest.raises(SystemExit, match='has 10 classes, the class counts 3'):
        norms_tool.main(['--ckpt', f'CE={paths["CE"]}', '--class-counts',
                         str(tmp_path / 'three.json'), '--out', str(tmp_path / 'x.png')])


def test_weight_norms_errors_name_what_is_missing(checkpoints, tmp_path):
    paths, _ = checkpoints
    out = str(tmp_path / 'x.png')
    with pytest.raises(SystemExit, match=r'CE\.pth" has no classifier weight: tried head\.w;'):
        norms_tool.main(['--ckpt', f'CE={paths["CE"]}', '--key', 'head.w', '--out', out])
    with pytest.raises(SystemExit, match='checkpoint file ".*absent.pth" does not exist'):
        norms_tool.main(['--ckpt', f'A={tmp_path / "absent.pth"}', '--out', out])
    with pytest.raises(SystemExit, match=r"--gap labels \['FP', 'BIN'\] must be --ckpt labels"):
        norms_tool.main(['--ckpt', f'FP={paths["FP"]}', '--gap', 'FP', 'BIN', '--out', out])
    bare = str(tmp_path / 'bare.pth')
    torch.save({'head.fc.weight': torch.ones(10, 2)}, bare)
    with pytest.raises(SystemExit, match='bare.pth" carries no meta.*give --config or '
                       '--class-counts'):
        norms_tool.main(['--ckpt', f'B={bare}', '--out', out])
    assert not osp.exists(out)


def write_metrics(path, per_class):
    """What tools/test.py --out writes for a ShotAccuracy evaluator."""
    mmengine.dump({'accuracy/top1': float(np.nanmean(per_class)),
                   'accuracy/per_class': [float(v) for v in per_class]}, str(path))
    return str(path)


def test_results_accuracy_and_gap(checkpoints, tmp_path):
    paths, _ = checkpoints
    fp = write_metrics(tmp_path / 'fp.json', np.linspace(95, 85, 10))
    ce = write_metrics(tmp_path / 'ce.json', np.linspace(90, 20, 10))
    results_tool.main(['accuracy', '--result', f'FP={fp}', '--result', f'CE={ce}',
                       '--class-counts', paths['FP'], '--out', str(tmp_path / 'acc.png'),
                       '--smooth', '3'])
    assert png_size(tmp_path / 'acc.png') == (1140, 504)
    results_tool.main(['gap', '--fp', f'FP={fp}', '--binary', f'CE={ce}', '--class-counts',
                       paths['FP'], '--out', str(tmp_path / 'gap.png'), '--many-thr', '300',
                       '--few-thr', '50'])
    assert osp.isfile(tmp_path / 'gap.png')
    top1 = tmp_path / 'top1.json'
    top1.write_text(json.dumps({'accuracy/top1': 50.0}))
    with pytest.raises(SystemExit, match='top1.json" has no per-class accuracy. Its keys: '
                       'accuracy/top1'):
        results_tool.main(['accuracy', '--result', f'x={top1}', '--class-counts', paths['FP'],
                           '--out', str(tmp_path / 'x.png')])
    with pytest.raises(SystemExit, match='--few-thr \\(200\\) must be <= --many-thr'):
        results_tool.main(['gap', '--fp', fp, '--binary', ce, '--class-counts', paths['FP'],
                           '--few-thr', '200', '--out', str(tmp_path / 'x.png')])


def test_results_lambda_from_work_dirs(tmp_path):
    scalars = tmp_path / 'work' / '20240101_000000' / 'vis_data' / 'scalars.json'
    scalars.parent.mkdir(parents=True)
    scalars.write_text(''.join(
        json.dumps(dict(loss=1.0, lambda_mean=0.5 + 0.005 * i, lambda_std=0.02, epoch=1,
                        iter=10 * i, step=10 * i)) + '\n' for i in range(1, 61)))
    results_tool.main(['lambda', '--run', f'adv={tmp_path / "work"}', '--out',
                       str(tmp_path / 'lambda.png')])
    assert png_size(tmp_path / 'lambda.png') == (1260, 504)
    no_lambda = tmp_path / 'ce' / 'vis_data' / 'scalars.json'
    no_lambda.parent.mkdir(parents=True)
    no_lambda.write_text(json.dumps(dict(loss=1.0, iter=1, step=1)) + '\n')
    with pytest.raises(SystemExit, match='no lambda entries .*ce/vis_data/scalars.json'):
        results_tool.main(['lambda', '--run', f'ce={tmp_path / "ce"}', '--out',
                           str(tmp_path / 'x.png')])


@pytest.mark.slow
def test_tools_run_from_the_command_line(checkpoints, tmp_path):
    paths, _ = checkpoints
    out = str(tmp_path / 'cli_norms.png')
    proc = python_tool('analysis_tools/plot_weight_norms.py', '--ckpt', f'FP={paths["FP"]}',
                       '--ckpt', f'CE={paths["CE"]}', '--gap', 'FP', 'CE', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f'wrote {out}' in proc.stdout and png_size(out) == (1140, 900)
    counts = long_tail_counts(10, 1000, 100)
    metrics = write_metrics(tmp_path / 'm.json', np.linspace(90, 30, 10))
    (tmp_path / 'counts.json').write_text(json.dumps(counts))
    proc = python_tool('analysis_tools/plot_results.py', 'accuracy', '--result', metrics,
                       '--class-counts', str(tmp_path / 'counts.json'), '--out',
                       str(tmp_path / 'cli_acc.png'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.isfile(tmp_path / 'cli_acc.png')
    proc = python_tool('analysis_tools/plot_results.py', 'accuracy', '--result', metrics,
                       '--out', str(tmp_path / 'x.png'))
    assert proc.returncode == 2 and 'one of the arguments --config --class-counts' in proc.stderr
