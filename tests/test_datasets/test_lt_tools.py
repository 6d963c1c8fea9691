"""tools/dataset_converters/make_lt_split.py and tools/analysis_tools/plot_class_distribution.py."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest

import mmltbin  # noqa: F401
from mmltbin.datasets import LongTailDataset, SklearnDigits, long_tail_counts
from toolrun import REPO_ROOT


def load_tool(relpath: str):
    spec = importlib.util.spec_from_file_location(osp.basename(relpath)[:-3],
                                                  osp.join(REPO_ROOT, 'tools', relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_lt_split = load_tool('dataset_converters/make_lt_split.py')
plot_tool = load_tool('analysis_tools/plot_class_distribution.py')
DIGITS_CFG = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', 'digits.py')


@pytest.fixture
def digits_lt_cfg(tmp_path):
    """A config whose training set is a shuffled-order LongTailDataset of the real digits."""
    path = tmp_path / 'digits_lt.py'
    path.write_text(
        f'_base_ = [{DIGITS_CFG!r}]\n'
        "custom_imports = dict(imports=['mmltbin'], allow_failed_imports=False)\n"
        "train_dataloader = dict(dataset=dict(_delete_=True, type='LongTailDataset',\n"
        "    dataset=dict(type='SklearnDigits', split='train'), n_max=50, rho=5,\n"
        "    class_order='shuffle', seed=2))\n")
    return str(path)


def test_make_lt_split_from_a_balanced_config(tmp_path, capsys):
    out = str(tmp_path / 'digits_lt.txt')
    make_lt_split.main([DIGITS_CFG, out, '--n-max', '60', '--rho', '10'])
    assert 'wrote' in capsys.readouterr().out
    rebuilt = LongTailDataset(SklearnDigits(split='train'), profile='file', ann_file=out)
    assert rebuilt.metainfo['class_counts'] == long_tail_counts(10, 60, 10)


def test_make_lt_split_keeps_the_config_settings_unless_overridden(digits_lt_cfg, tmp_path):
    out = str(tmp_path / 'same.txt')
    make_lt_split.main([digits_lt_cfg, out])
    direct = LongTailDataset(SklearnDigits(split='train'), n_max=50, rho=5,
                             class_order='shuffle', seed=2)
    direct.save_ann_file(str(tmp_path / 'direct.txt'))
    assert open(out).read() == open(tmp_path / 'direct.txt').read()
    make_lt_split.main([digits_lt_cfg, str(tmp_path / 'steeper.txt'), '--rho', '25'])
    steeper = LongTailDataset(SklearnDigits(split='train'), profile='file',
                              ann_file=str(tmp_path / 'steeper.txt'))
    assert sorted(steeper.metainfo['class_counts'], reverse=True) == long_tail_counts(10, 50, 25)


def group_pixels(png: str) -> dict:
    """Number of pixels drawn in each shot group's bar colour."""
    img = cv2.imread(png)[:, :, ::-1].astype(int)
    found = {}
    for name, hexcolor in plot_tool.GROUP_STYLE:
        rgb = np.array([int(hexcolor[i:i + 2], 16) for i in (1, 3, 5)])
        found[name] = int((np.abs(img - rgb).sum(-1) < 12).sum())
    return found


def test_plot_shows_the_groups_present(tmp_path):
    three = str(tmp_path / 'three.png')
    plot_tool.main(['--counts', *map(str, long_tail_counts(10, 1000, 100)), '--out', three])
    pixels = group_pixels(three)
    assert all(n > 200 for n in pixels.values()), pixels
    # CIFAR-10-LT rho 100 has no few-shot class: no bar in the few colour
    two = str(tmp_path / 'two.png')
    plot_tool.main(['--counts', *map(str, long_tail_counts(10, 5000, 100)), '--out', two,
                    '--linear'])
    pixels = group_pixels(two)
    assert pixels['many'] > 200 and pixels['medium'] > 200 and pixels['few'] < 20, pixels


def test_plot_from_config_and_annotation_file(digits_lt_cfg, tmp_path):
    png = str(tmp_path / 'cfg.png')
    plot_tool.main([digits_lt_cfg, '--out', png])
    assert cv2.imread(png).shape[2] == 3
    ann = str(tmp_path / 'lt.txt')
    LongTailDataset(SklearnDigits(split='train'), n_max=50, rho=5).save_ann_file(ann)
    assert plot_tool.counts_from_ann_file(ann) == long_tail_counts(10, 50, 5)
    plot_tool.main(['--ann-file', ann, '--out', str(tmp_path / 'ann.png')])
    assert osp.isfile(tmp_path / 'ann.png')
    with pytest.raises(SystemExit, match='no metainfo'):
        plot_tool.main([DIGITS_CFG, '--out', str(tmp_path / 'balanced.png')])
