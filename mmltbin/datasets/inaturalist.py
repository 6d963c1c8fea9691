"""iNaturalist 2018 read from its official COCO-style annotation files."""
import json
import os.path as osp
from typing import List

from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class INaturalist2018(BaseDataset):
    """iNaturalist 2018 from ``train2018.json`` / ``val2018.json`` as released.

    The files hold ``images`` (``id``, ``file_name`` relative to the data root, e.g.
    ``train_val2018/Plantae/7477/<id>.jpg``), ``annotations`` (``image_id``, ``category_id``) and
    ``categories`` (``id``, ``name``); category ids are the labels (0 .. 8141). The class names
    (``metainfo['classes']``) are the categories' names in id order. The LT literature's list
    files (``relpath label`` lines) stay readable with ``CustomDataset``
    (``configs/_base_/datasets/inat2018.py``).

    Args:
        data_root (str): The folder that holds the json files and ``train_val2018/``.
        ann_file (str): The json file, relative to ``data_root``. Defaults to
            ``'train2018.json'``.
        require_every_category (bool): Refuse a file in which a listed category has no
            annotated image (a training split must give every class an image). Defaults to True.
        **kwargs: Other arguments of mmpretrain's ``BaseDataset`` (pipeline, test_mode, ...).

    Example:
        >>> import json, os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> ann = dict(images=[dict(id=7, file_name='train_val2018/a/0/7.jpg')],
        ...            annotations=[dict(id=1, image_id=7, category_id=0)],
        ...            categories=[dict(id=0, name='Aa aa')])
        >>> json.dump(ann, open(os.path.join(root, 'train2018.json'), 'w'))
        >>> ds = INaturalist2018(root, lazy_init=False)
        >>> ds.get_data_info(0)['gt_label'], ds.metainfo['classes']
        (0, ('Aa aa',))
    """

    def __init__(self,
                 data_root: str,
                 ann_file: str = 'train2018.json',
                 require_every_category: bool = True,
                 **kwargs) -> None:
        self.require_every_category = require_every_category
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def _read(self) -> dict:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'INaturalist2018: annotation file "{self.ann_file}" does not exist (the '
                'official train2018.json / val2018.json, see docs/datasets.md)')
        with open(self.ann_file) as f:
            ann = json.load(f)
        missing = [key for key in ('images', 'annotations', 'categories') if key not in ann]
        if missing:
            raise ValueError(f'INaturalist2018: {self.ann_file} has no {missing} (an iNaturalist '
                             'training or validation file has images, annotations, categories)')
        return ann

    def load_data_list(self) -> List[dict]:
        ann = self._read()
        ids = sorted(c['id'] for c in ann['categories'])
        if ids != list(range(len(ids))):
            raise ValueError(f'INaturalist2018: {self.ann_file}: category ids must be 0 .. '
                             f'{len(ids) - 1} (they are the labels), got {ids[:5]} ...')
        names = {c['id']: c['name'] for c in ann['categories']}
        self._metainfo['classes'] = tuple(names[i] for i in ids)
        files = {image['id']: image['file_name'] for image in ann['images']}
        data_list, seen = [], set()
        for a in ann['annotations']:
            label, image = a['category_id'], a['image_id']
            if label not in names:
                raise ValueError(f'INaturalist2018: {self.ann_file}: annotation {a.get("id")} '
                                 f'names category {label}, which is not in "categories"')
            if image not in files:
                raise ValueError(f'INaturalist2018: {self.ann_file}: annotation {a.get("id")} '
                                 f'names image {image}, which is not in "images"')
            seen.add(label)
            data_list.append(dict(img_path=osp.join(self.data_root, files[image]),
                                  gt_label=int(label)))
        empty = sorted(set(ids) - seen)
        if empty and self.require_every_category:
            raise ValueError(
                f'INaturalist2018: {self.ann_file}: {len(empty)} of {len(ids)} categories have no '
                f'annotated image (ids {empty[:5]}{" ..." if len(empty) > 5 else ""}); a training '
                'split needs every class (require_every_category=False to allow it)')
        return data_list
