"""verify_images: every missing, empty or undecodable image listed at once (tool, dataset
option), on a folder of real digits images with a few broken files among them."""
import importlib.util
import os.path as osp

import mmcv
import numpy as np
import pytest

import mmltbin  # noqa: F401
from mmltbin.datasets import SklearnDigits
from mmltbin.datasets.verify_images import find_bad_images
from mmpretrain.registry import DATASETS
from toolrun import REPO_ROOT


@pytest.fixture
def image_folder(tmp_path):
    """10 classes x 3 real digit images as PNG files, plus an empty and a corrupt file."""
    digits = SklearnDigits(split='train')
    seen = {}
    for i in range(len(digits)):
        info = digits.get_data_info(i)
        label = int(info['gt_label'])
        if seen.get(label, 0) < 3:
            seen[label] = seen.get(label, 0) + 1
            img = (np.asarray(info['img'], dtype=np.float64) * 255 / 16).astype(np.uint8)
            mmcv.imwrite(img, str(tmp_path / str(label) / f'{i}.png'))
    (tmp_path / '1' / 'empty.png').write_bytes(b'')
    (tmp_path / '2' / 'corrupt.png').write_bytes(b'not a png at all')
    return tmp_path


BROKEN = {('1', 'empty.png'): 'empty file (0 bytes)', ('2', 'corrupt.png'): 'cannot be decoded'}


def _custom(folder):
    return dict(type='CustomDataset', data_root=str(folder), pipeline=[])


def test_every_bad_image_is_listed_at_once(image_folder):
    dataset = DATASETS.build(_custom(image_folder))
    bad = dict(find_bad_images(dataset))
    assert len(dataset) == 32 and len(bad) == 2
    for (label, name), problem in BROKEN.items():
        assert bad[osp.join(str(image_folder), label, name)].startswith(problem)
    assert find_bad_images(dataset, num_workers=2) == find_bad_images(dataset)


def test_the_dataset_option_refuses_before_training(image_folder):
    with pytest.raises(ValueError) as info:
        DATASETS.build(dict(type='LongTailDataset', profile='all', verify_images=True,
                            dataset=_custom(image_folder)))
    message = str(info.value)
    assert 'LongTailDataset(verify_images=True): 2 of 32 images' in message
    assert 'empty.png: empty file' in message and 'corrupt.png: cannot be decoded' in message
    # off by default; in-memory images (digits) pass
    DATASETS.build(dict(type='LongTailDataset', profile='all', dataset=_custom(image_folder)))
    DATASETS.build(dict(type='LongTailDataset', n_max=20, rho=2, verify_images=True,
                        dataset=dict(type='SklearnDigits')))


def test_the_tool_prints_every_bad_image_and_fails(image_folder, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'verify_images_tool', osp.join(REPO_ROOT, 'tools', 'dataset_converters',
                                       'verify_images.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    config = tmp_path / 'folder.py'
    config.write_text("default_scope = 'mmpretrain'\n"
                      "custom_imports = dict(imports=['mmltbin'])\n"
                      f'train_dataloader = dict(dataset={_custom(image_folder)!r})\n')
    assert tool.main([str(config)]) == 1
    out = capsys.readouterr().out
    assert 'empty.png: empty file (0 bytes)' in out and 'corrupt.png: cannot be decoded' in out
    assert '2 of 32 images of CustomDataset (train) cannot be used' in out
    for _, name in BROKEN:
        (image_folder / ('1' if name == 'empty.png' else '2') / name).unlink()
    assert tool.main([str(config)]) == 0
    assert 'all 30 images of CustomDataset (train) read' in capsys.readouterr().out
