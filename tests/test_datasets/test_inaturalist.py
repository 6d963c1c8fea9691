"""INaturalist2018 reads the official json files: the same samples as the LT literature's list
files read by CustomDataset, and clear errors for inconsistent files."""
import json
import os.path as osp

import cv2
import pytest

import mmltbin  # noqa: F401
from mmltbin.datasets import INaturalist2018, LongTailDataset, SklearnDigits
from mmpretrain.datasets import CustomDataset

SUPER = ('Plantae', 'Aves', 'Insecta')


@pytest.fixture(scope='module')
def inat_root(tmp_path_factory):
    """Real images (sklearn digits) laid out as iNaturalist 2018: train2018.json and
    train_val2018/<supercategory>/<category id>/<image id>.jpg, images listed out of order."""
    root = tmp_path_factory.mktemp('inat')
    digits = SklearnDigits(split='test')
    images, annotations = [], []
    for i in range(60):
        info = digits.get_data_info(i)
        label = int(info['gt_label'])
        image_id = 1000 + (i * 37) % 60  # ids unrelated to the order
        rel = f'train_val2018/{SUPER[label % 3]}/{label}/{image_id}.jpg'
        (root / osp.dirname(rel)).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / rel), cv2.resize(info['img'], (32, 32)))
        images.append(dict(id=image_id, file_name=rel, width=32, height=32))
        annotations.append(dict(id=i, image_id=image_id, category_id=label))
    categories = [dict(id=c, name=f'Species {c}', supercategory=SUPER[c % 3])
                  for c in range(10)]
    ann = dict(images=images[::-1], annotations=annotations, categories=categories)
    (root / 'train2018.json').write_text(json.dumps(ann))
    return root, ann


def _list_file(root, ann) -> str:
    """The LT literature's list (`relpath label`), written from the json independently."""
    files = {im['id']: im['file_name'] for im in ann['images']}
    path = root / 'iNaturalist18_train.txt'
    path.write_text(''.join(f'{files[a["image_id"]]} {a["category_id"]}\n'
                            for a in ann['annotations']))
    return str(path)


def test_json_gives_the_samples_of_the_list_file(inat_root):
    root, ann = inat_root
    ours = INaturalist2018(str(root))
    theirs = CustomDataset(data_root=str(root), ann_file=_list_file(root, ann), with_label=True)
    pairs = lambda ds: sorted((ds.get_data_info(i)['img_path'], int(ds.get_data_info(i)[  # noqa
        'gt_label'])) for i in range(len(ds)))
    assert pairs(ours) == pairs(theirs) and len(ours) == 60
    assert ours.metainfo['classes'][3] == 'Species 3' and len(ours.metainfo['classes']) == 10
    # an image really is there and decodes
    assert cv2.imread(ours.get_data_info(0)['img_path']) is not None
    lt = LongTailDataset(ours, profile='all')
    assert sum(lt.metainfo['class_counts']) == 60


def _write(root, ann, name):
    (root / name).write_text(json.dumps(ann))
    return name


def test_a_category_without_images_is_named(inat_root):
    root, ann = inat_root
    bad = dict(ann, categories=ann['categories'] + [dict(id=10, name='Species 10')])
    name = _write(root, bad, 'extra_category.json')
    with pytest.raises(ValueError, match=r'extra_category.json: 1 of 11 categories have no '
                                         r'annotated image \(ids \[10\]\)'):
        INaturalist2018(str(root), ann_file=name)
    assert len(INaturalist2018(str(root), ann_file=name, require_every_category=False)) == 60


@pytest.mark.parametrize('change,match', [
    (dict(annotations=[dict(id=5, image_id=1000, category_id=12)]),
     'annotation 5 names category 12, which is not in "categories"'),
    (dict(annotations=[dict(id=6, image_id=1, category_id=0)]),
     'annotation 6 names image 1, which is not in "images"'),
    (dict(categories=[dict(id=3, name='x')]), 'category ids must be 0 .. 0'),
])
def test_inconsistent_files_are_refused_with_the_file_named(inat_root, change, match):
    root, ann = inat_root
    name = _write(root, dict(ann, **change), 'bad.json')
    with pytest.raises(ValueError, match=match):
        INaturalist2018(str(root), ann_file=name, require_every_category=False)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='train2018.json" does not exist'):
        INaturalist2018(str(tmp_path))
