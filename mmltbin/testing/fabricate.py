"""Fabricated datasets in each benchmark dataset's own on-disk format, for smoke runs of configs.

:func:`fabricate_dataset` reads a config's train / val / test dataloaders and, for every dataset
they name, writes a few images with the annotation files exactly as that dataset's reader
expects them (the idx files of Fashion-MNIST, CIFAR's pickled batches, list files, the
iNaturalist json files, the ``.mat`` files of DTD / Flowers102 / Stanford Cars, ...), under
``out_dir/<data_root>``. The images are scikit-learn's handwritten digits, enlarged to the size
of the real images (28 / 32 px for the small sets, 256-500 px JPEGs for the 224 px sets) and
tinted per class, so the real pipelines (RandomResizedCrop, ResizeEdge + CenterCrop) run on
them (the list files of ``CustomDataset`` get 256-500 px JPEGs whatever the set: EuroSAT's real
images are 64 px). Each split holds ``per_class`` images of every class; the JPEG files beyond a
small pool of distinct ones are hard links, so thousands of classes cost little disk.

mmpretrain's CIFAR readers check the official md5 sums of their batch files, which fabricated
files cannot have: the writer records the md5 of each file it wrote in
``FABRICATED_MD5.json`` next to them, and :func:`accept_fabricated_cifar` lets the readers
check a file against that record instead (any other file is still checked against the
official sum).
"""
import contextlib
import hashlib
import json
import os
import os.path as osp
import pickle
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.config import Config

MD5_RECORD = 'FABRICATED_MD5.json'
_POOL = 6  # distinct JPEGs per split; the other files are hard links to them


class _Images:
    """Digit images enlarged to a requested size, tinted per class."""

    def __init__(self, seed: int) -> None:
        # scikit-learn's digits file, read directly: importing sklearn takes seconds
        import importlib.util
        sklearn_dir = importlib.util.find_spec('sklearn').submodule_search_locations[0]
        table = np.loadtxt(osp.join(sklearn_dir, 'datasets', 'data', 'digits.csv.gz'),
                           delimiter=',', dtype=np.float32)
        self.digits = table[:, :64].reshape(-1, 8, 8) / 16.0  # 8 x 8 in [0, 1]
        self.rng = np.random.default_rng(seed)

    def array(self, label: int, size: Tuple[int, int], channels: int = 3) -> np.ndarray:
        """An ``H x W x channels`` uint8 image (``size`` is ``(H, W)``)."""
        from PIL import Image
        digit = self.digits[int(self.rng.integers(len(self.digits)))]
        big = Image.fromarray((digit * 255).astype(np.uint8)).resize(size[::-1], Image.BILINEAR)
        grey = np.asarray(big, dtype=np.float32) / 255.0
        if channels == 1:
            return (grey * 255).astype(np.uint8)
        tint = np.array([(label * 53) % 256, (label * 97) % 256, (label * 151) % 256],
                        dtype=np.float32)
        background = self.rng.uniform(0, 80, size=3).astype(np.float32)
        img = background + grey[..., None] * (tint + 255.0) / 2.0
        img += self.rng.normal(0, 8, size=img.shape)
        return np.clip(img, 0, 255).astype(np.uint8)

    def jpeg_writer(self, min_side: int = 256, max_side: int = 500) -> Callable[[str, int], None]:
        """A function ``write(path, label)`` that writes a JPEG of random size in
        ``[min_side, max_side]``, or hard-links one of the first few it wrote."""
        from PIL import Image
        written: List[str] = []

        def write(path: str, label: int) -> None:
            if osp.exists(path):  # a file two lists name (e.g. ImageNet-LT's val and test)
                return
            os.makedirs(osp.dirname(path), exist_ok=True)
            if len(written) >= _POOL:
                source = written[label % _POOL]
                try:
                    os.link(source, path)
                    return
                except OSError:  # another file system: copy the bytes
                    with open(source, 'rb') as src, open(path, 'wb') as dst:
                        dst.write(src.read())
                    return
            h, w = (int(s) for s in self.rng.integers(min_side, max_side + 1, size=2))
            Image.fromarray(self.array(label, (h, w))).save(path, quality=90)
            written.append(path)

        return write


def _write_lines(path: str, lines: Sequence[str]) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def _savemat(path: str, content: dict) -> None:
    import scipy.io
    os.makedirs(osp.dirname(path), exist_ok=True)
    scipy.io.savemat(path, content)


# ------------------------------------------------------------------------------------------------
# one writer per reader: writer(root, splits, num_classes, images, classes)
# `splits` lists (dataset config, images per class, is the training set) of every dataset of the
# config on that root.

Split = Tuple[dict, int, bool]


def _write_mnist(root: str, splits: Sequence[Split], num_classes: int, images: _Images,
                 classes: Sequence[str]) -> None:
    for ds, n, _ in splits:
        prefix = 't10k' if ds.get('test_mode', False) else 'train'
        labels = np.repeat(np.arange(num_classes, dtype=np.uint8), n)
        imgs = np.stack([images.array(int(c), (28, 28), channels=1) for c in labels])
        os.makedirs(root, exist_ok=True)
        # idx format: magic 0x0803 (uint8, 3 dims) / 0x0801 (uint8, 1 dim), big-endian sizes
        with open(osp.join(root, f'{prefix}-images-idx3-ubyte'), 'wb') as f:
            f.write(np.array([2051, len(imgs), 28, 28], dtype='>i4').tobytes() + imgs.tobytes())
        with open(osp.join(root, f'{prefix}-labels-idx1-ubyte'), 'wb') as f:
            f.write(np.array([2049, len(labels)], dtype='>i4').tobytes() + labels.tobytes())


def _md5(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.md5(f.read()).hexdigest()


def _write_cifar(root: str, splits: Sequence[Split], num_classes: int, images: _Images,
                 classes: Sequence[str], hundred: bool) -> None:
    from mmpretrain.datasets import CIFAR10, CIFAR100
    reader = CIFAR100 if hundred else CIFAR10
    folder = osp.join(root, reader.base_folder)
    os.makedirs(folder, exist_ok=True)
    label_key = 'fine_labels' if hundred else 'labels'
    per_split = {'train': 1, 'test': 1}
    for ds, n, is_train in splits:
        per_split['train' if is_train else 'test'] = n
    for split, files in (('train', reader.train_list), ('test', reader.test_list)):
        labels = np.repeat(np.arange(num_classes), per_split[split])
        # rows: 3072 bytes, the red, green and blue planes of a 32 x 32 image
        data = np.stack([images.array(int(c), (32, 32)).transpose(2, 0, 1).reshape(-1)
                         for c in labels])
        for i, (name, _) in enumerate(files):  # spread over CIFAR-10's 5 training batches
            part = slice(i, None, len(files))
            entry = {'data': data[part], label_key: [int(c) for c in labels[part]]}
            if hundred:
                entry['coarse_labels'] = [int(c) // 5 for c in labels[part]]
            with open(osp.join(folder, name), 'wb') as f:
                pickle.dump(entry, f)
    with open(osp.join(folder, reader.meta['filename']), 'wb') as f:
        pickle.dump({reader.meta['key']: list(classes)}, f)
    names = [name for name, _ in reader.train_list + reader.test_list] + [reader.meta['filename']]
    with open(osp.join(folder, MD5_RECORD), 'w') as f:
        json.dump({name: _md5(osp.join(folder, name)) for name in names}, f, indent=1)


def _list_paths(ds: dict, classes: Sequence[str], n: int, test: bool) -> List[Tuple[str, int]]:
    """``(relpath, label)`` pairs for a list-file dataset, named like the real set's files."""
    split = 'val' if test else 'train'
    pairs = []
    for label, name in enumerate(classes):
        for i in range(n):
            if ds.get('type') == 'ImageNet':
                wnid = f'n{label:08d}'
                rel = (f'val/{wnid}/ILSVRC2012_val_{label * n + i + 1:08d}.JPEG' if test
                       else f'train/{wnid}/{wnid}_{i + 1}.JPEG')
            else:
                folder = str(name).replace(' ', '_').replace('/', '_')
                rel = f'{split}/{folder}/{folder}_{i + 1:05d}.jpg'
            pairs.append((rel, label))
    return pairs


def _write_list_files(root: str, splits: Sequence[Split], num_classes: int, images: _Images,
                      classes: Sequence[str]) -> None:
    for ds, n, is_train in splits:
        prefix = ds.get('data_prefix', '')
        prefix = prefix.get('img_path', '') if isinstance(prefix, dict) else prefix
        write = images.jpeg_writer()
        pairs = _list_paths(ds, classes, n, test=not is_train)
        for rel, label in pairs:
            write(osp.join(root, prefix, rel), label)
        _write_lines(osp.join(root, ds['ann_file']), [f'{rel} {label}' for rel, label in pairs])


def _write_inaturalist(root: str, splits: Sequence[Split], num_classes: int, images: _Images,
                       classes: Sequence[str]) -> None:
    kingdoms = ('Plantae', 'Insecta', 'Aves', 'Fungi')
    image_id = 0
    for ds, n, _ in splits:
        write = images.jpeg_writer(300, 500)
        ann = dict(images=[], annotations=[], categories=[
            dict(id=c, name=f'Species {c}', supercategory=kingdoms[c % len(kingdoms)])
            for c in range(num_classes)])
        for c in range(num_classes):
            for _ in range(n):
                image_id += 1
                rel = f'train_val2018/{kingdoms[c % len(kingdoms)]}/{c}/{image_id:08d}.jpg'
                write(osp.join(root, rel), c)
                ann['images'].append(dict(id=image_id, file_name=rel))
                ann['annotations'].append(dict(id=image_id, image_id=image_id, category_id=c))
        os.makedirs(root, exist_ok=True)
        with open(osp.join(root, ds['ann_file']), 'w') as f:
            json.dump(ann, f)


def _per_split(splits: Sequence[Split]) -> Dict[str, int]:
    """Images per class of each split the config reads (``'train'``, ``'trainval'``, ...)."""
    return {ds.get('split', 'train'): n for ds, n, _ in splits}


def _split_of(counts: Dict[str, int], *names: str) -> int:
    return max([counts.get(name, 0) for name in names] + [1])


def _write_named_folders(root: str, splits: Sequence[Split], classes: Sequence[str],
                         images: _Images, prefix: str, ann: Dict[str, str],
                         line: Callable[[str, str, int], str]) -> None:
    """Images ``root/prefix/<class>/<stem>.jpg`` and one list file per split (Caltech101,
    Food101: ``line(class folder, stem, label)``)."""
    counts = _per_split(splits)
    for split, ann_file in ann.items():
        write = images.jpeg_writer()
        lines = []
        for label, name in enumerate(classes):
            for i in range(counts.get(split, 1)):
                stem = f'{split}_{i + 1:04d}'
                write(osp.join(root, prefix, name, f'{stem}.jpg'), label)
                lines.append(line(name, stem, label))
        _write_lines(osp.join(root, ann_file), lines)


def _write_caltech101(root, splits, num_classes, images, classes) -> None:
    _write_named_folders(root, splits, classes, images, '101_ObjectCategories',
                         {'train': 'meta/train.txt', 'test': 'meta/test.txt'},
                         lambda name, stem, label: f'{name}/{stem}.jpg {label}')


def _write_food101(root, splits, num_classes, images, classes) -> None:
    _write_named_folders(root, splits, classes, images, 'images',
                         {'train': 'meta/train.txt', 'test': 'meta/test.txt'},
                         lambda name, stem, label: f'{name}/{stem}')


def _numbered(splits: Sequence[Split], num_classes: int,
              parts: Dict[str, Sequence[str]]) -> Iterator[Tuple[int, int, str]]:
    """``(image number from 1, label, part)`` for every image of every part (a part is a set
    of images that the reader's splits combine, e.g. DTD's train / val / test)."""
    counts = _per_split(splits)
    number = 0
    for part, split_names in parts.items():
        for label in range(num_classes):
            for _ in range(_split_of(counts, *split_names)):
                number += 1
                yield number, label, part


def _write_dtd(root, splits, num_classes, images, classes) -> None:
    write = images.jpeg_writer(300, 500)
    names, labels, sets = [], [], []
    parts = {1: ('train', 'trainval'), 2: ('val', 'trainval'), 3: ('test', )}
    for number, label, part in _numbered(splits, num_classes, parts):
        name = f'{classes[label]}/{classes[label]}_{number:04d}.jpg'
        write(osp.join(root, 'images', name), label)
        names.append(name)
        labels.append(label + 1)
        sets.append(part)
    _savemat(osp.join(root, 'imdb', 'imdb.mat'), {'images': {
        'name': np.array(names, dtype=object), 'class': np.array(labels),
        'set': np.array(sets)}})


def _write_flowers102(root, splits, num_classes, images, classes) -> None:
    write = images.jpeg_writer(500, 500)
    labels, ids = [], {'trnid': [], 'valid': [], 'tstid': []}
    parts = {'trnid': ('train', 'trainval'), 'valid': ('val', 'trainval'), 'tstid': ('test', )}
    for number, label, part in _numbered(splits, num_classes, parts):
        write(osp.join(root, 'jpg', f'image_{number:05d}.jpg'), label)
        labels.append(label + 1)
        ids[part].append(number)
    _savemat(osp.join(root, 'imagelabels.mat'), {'labels': np.array([labels])})
    _savemat(osp.join(root, 'setid.mat'), {k: np.array([v]) for k, v in ids.items()})


def _write_stanford_cars(root, splits, num_classes, images, classes) -> None:
    write = images.jpeg_writer(256, 500)
    rows = []
    for number, label, part in _numbered(splits, num_classes, {0: ('train', ), 1: ('test', )}):
        rel = f'car_ims/{number:06d}.jpg'
        write(osp.join(root, rel), label)
        rows.append((rel, np.array([[label + 1]]), np.array([[part]])))
    # cars_annos.mat: a 1 x N struct array, as released
    annotations = np.zeros((1, len(rows)),
                           dtype=[('relative_im_path', 'O'), ('class', 'O'), ('test', 'O')])
    for i, row in enumerate(rows):
        annotations[0, i] = row
    _savemat(osp.join(root, 'cars_annos.mat'), {'annotations': annotations})


def _write_fgvc_aircraft(root, splits, num_classes, images, classes) -> None:
    write = images.jpeg_writer(300, 500)
    lines: Dict[str, List[str]] = {'train': [], 'val': [], 'test': []}
    parts = {'train': ('train', 'trainval'), 'val': ('val', 'trainval'), 'test': ('test', )}
    for number, label, part in _numbered(splits, num_classes, parts):
        stem = f'{1000000 + number:07d}'
        write(osp.join(root, 'data', 'images', f'{stem}.jpg'), label)
        lines[part].append(f'{stem} {classes[label]}')
    lines['trainval'] = lines['train'] + lines['val']
    for split, content in lines.items():
        _write_lines(osp.join(root, 'data', f'images_variant_{split}.txt'), content)


def _write_oxford_pets(root, splits, num_classes, images, classes) -> None:
    write = images.jpeg_writer(256, 500)
    lines: Dict[str, List[str]] = {'trainval': [], 'test': []}
    for number, label, part in _numbered(splits, num_classes, {'trainval': ('trainval', ),
                                                               'test': ('test', )}):
        # cat breeds have capitalised names in the release; species 1 = cat, 2 = dog
        stem = f'{classes[label].replace(" ", "_")}_{number}'
        write(osp.join(root, 'images', f'{stem}.jpg'), label)
        lines[part].append(f'{stem} {label + 1} {1 + label % 2} {label + 1}')
    for split, content in lines.items():
        _write_lines(osp.join(root, 'annotations', f'{split}.txt'), content)


def _write_sun397(root, splits, num_classes, images, classes) -> None:
    write = images.jpeg_writer(256, 500)
    lines: Dict[str, List[str]] = {'train': [], 'test': []}
    for number, label, part in _numbered(splits, num_classes, {'train': ('train', ),
                                                               'test': ('test', )}):
        # the reader takes the class name from the folders below the letter, joined by '_'
        rel = f'/{classes[label][0]}/{classes[label]}/sun_{number:08d}.jpg'
        write(osp.join(root, 'SUN397', rel[1:]), label)
        lines[part].append(rel)
    _write_lines(osp.join(root, 'Partitions', 'ClassName.txt'),
                 [f'/{name[0]}/{name}' for name in classes])
    _write_lines(osp.join(root, 'Partitions', 'Training_01.txt'), lines['train'])
    _write_lines(osp.join(root, 'Partitions', 'Testing_01.txt'), lines['test'])


WRITERS: Dict[str, Callable] = {
    'FashionMNIST': _write_mnist,
    'MNIST': _write_mnist,
    'CIFAR10': lambda *args: _write_cifar(*args, hundred=False),
    'CIFAR100': lambda *args: _write_cifar(*args, hundred=True),
    'ImageNet': _write_list_files,
    'CustomDataset': _write_list_files,
    'INaturalist2018': _write_inaturalist,
    'Caltech101': _write_caltech101,
    'DTD': _write_dtd,
    'FGVCAircraft': _write_fgvc_aircraft,
    'Flowers102': _write_flowers102,
    'Food101': _write_food101,
    'OxfordIIITPet': _write_oxford_pets,
    'StanfordCars': _write_stanford_cars,
    'SUN397': _write_sun397,
}


# ------------------------------------------------------------------------------------------------

def _leaf_datasets(cfg: Config) -> List[Tuple[dict, Optional[int], bool]]:
    """``(dataset dict, num_classes a wrapper declares, is_train)`` of every dataloader."""
    found = []
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if not loader:
            continue
        ds, declared = loader['dataset'], None
        while isinstance(ds.get('dataset'), dict):  # LongTailDataset and other wrappers
            declared = ds.get('num_classes', declared)
            ds = ds['dataset']
        found.append((ds, declared, name == 'train_dataloader'))
    return found


def _classes(ds: dict, declared: Optional[int], cfg: Config) -> List[str]:
    """The class names the reader knows (its METAINFO or the config's metainfo), else
    ``class_<i>`` for the number of classes the config declares."""
    from mmpretrain.registry import DATASETS

    import mmltbin  # noqa: F401  (registers INaturalist2018)
    metainfo = ds.get('metainfo') or {}
    if metainfo.get('classes'):
        return [str(c) for c in metainfo['classes']]
    reader = DATASETS.get(ds['type'])
    if ds['type'] not in ('CustomDataset', 'INaturalist2018'):
        known = (getattr(reader, 'METAINFO', None) or {}).get('classes')
        if known:
            return [str(c) for c in known]
    num = declared or cfg.get('data_preprocessor', {}).get('num_classes')
    if not num:
        raise ValueError(f'fabricate_dataset: cannot tell how many classes {ds["type"]} at '
                         f'"{ds.get("data_root")}" has: set data_preprocessor.num_classes')
    return [f'class_{i}' for i in range(int(num))]


def fabricate_dataset(config: Union[str, Config], out_dir: str, per_class: int = 10,
                      test_per_class: int = 2, seed: int = 0) -> List[str]:
    """Write every dataset a config reads, in its own on-disk format, under ``out_dir``.

    Each dataset goes to ``out_dir/<its data_root>`` (a relative ``data_root`` such as
    ``data/cifar10``), so running the unchanged config from ``out_dir`` reads the fabricated
    files. The training split gets ``per_class`` images of every class, the other splits
    ``test_per_class``; datasets whose annotation file holds several splits (DTD, Flowers102,
    Stanford Cars, FGVC-Aircraft) get all of them. Supported readers: :data:`WRITERS`.

    Args:
        config (str | Config): The config (path or loaded).
        out_dir (str): Where to write; created if missing.
        per_class (int): Training images per class; a ``trainval`` split that the reader
            joins from train and val (DTD, FGVC-Aircraft, Flowers102) gets as many in each.
            Defaults to 10 (the derived sets take their smallest class as ``n_max`` and need
            ``rho`` (10) images for the tail class).
        test_per_class (int): Images per class of the other splits. Defaults to 2.
        seed (int): Seed of the image content and sizes. Defaults to 0.

    Returns:
        list[str]: The dataset folders written.

    Raises:
        KeyError: a dataset type without a writer (its name and the config are in the message).

    Example:
        >>> import tempfile
        >>> from mmengine.config import Config
        >>> from mmpretrain.datasets import Flowers102
        >>> cfg = Config.fromfile('configs/_base_/datasets/flowers102_lt.py')
        >>> out = tempfile.mkdtemp()
        >>> roots = fabricate_dataset(cfg, out, per_class=3)
        >>> [root[len(out) + 1:] for root in roots]
        ['data/Flowers102']
        >>> # trainval: 3 train + 3 val images of each of the 102 classes
        >>> len(Flowers102(roots[0], split='trainval')), len(Flowers102(roots[0], split='test'))
        (612, 204)
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if per_class < 1 or test_per_class < 1:
        raise ValueError(f'fabricate_dataset: per_class and test_per_class must be >= 1, got '
                         f'{per_class} and {test_per_class}')
    by_root: Dict[Tuple[str, str], List[Tuple[dict, Optional[int], int, bool]]] = {}
    for ds, declared, is_train in _leaf_datasets(cfg):
        kind = ds.get('type')
        if kind not in WRITERS:
            raise KeyError(f'fabricate_dataset: no writer for dataset type "{kind}" '
                           f'({getattr(cfg, "filename", None) or "config"}); supported: '
                           f'{sorted(WRITERS)}')
        n = per_class if is_train else test_per_class
        by_root.setdefault((kind, ds.get('data_root', '')), []).append(
            (ds, declared, n, is_train))
    images = _Images(seed)
    roots = []
    for (kind, data_root), entries in by_root.items():
        root = osp.join(out_dir, data_root)
        seen, splits = set(), []
        for ds, _, n, is_train in entries:  # test_dataloader is often val_dataloader
            key = (ds.get('ann_file'), ds.get('split'), ds.get('test_mode'))
            if key not in seen:
                seen.add(key)
                splits.append((ds, n, is_train))
        declared = next((d for _, d, _, _ in entries if d), None)
        classes = _classes(entries[0][0], declared, cfg)
        WRITERS[kind](root, splits, len(classes), images, classes)
        roots.append(root)
    return roots


@contextlib.contextmanager
def accept_fabricated_cifar() -> Iterator[None]:
    """Let mmpretrain's CIFAR readers accept the batch files :func:`fabricate_dataset` wrote.

    Inside the context, a CIFAR file that has an entry in the ``FABRICATED_MD5.json`` of its
    folder is checked against that recorded md5 (so a changed or truncated file still fails);
    every other file against the official sum, as usual.

    Example:
        >>> import tempfile
        >>> from mmengine.config import Config
        >>> from mmpretrain.datasets import CIFAR10
        >>> cfg = Config.fromfile('configs/_base_/datasets/cifar10_lt.py')
        >>> root = fabricate_dataset(cfg, tempfile.mkdtemp(), per_class=2)[0]
        >>> with accept_fabricated_cifar():
        ...     print(len(CIFAR10(root, split='train', download=False)))
        20
    """
    from unittest import mock

    from mmpretrain.datasets import cifar
    official = cifar.check_md5

    def check(path: str, md5: str, **kwargs) -> bool:
        record = osp.join(osp.dirname(path), MD5_RECORD)
        if osp.isfile(record):
            with open(record) as f:
                recorded = json.load(f).get(osp.basename(path))
            if recorded is not None:
                return _md5(path) == recorded
        return official(path, md5, **kwargs)

    with mock.patch.object(cifar, 'check_md5', check):
        yield
