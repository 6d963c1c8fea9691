"""scikit-learn's handwritten digits as an mmpretrain dataset (real data, zero download)."""
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class SklearnDigits(BaseDataset):
    """The 1,797 8x8 grey digits that ship inside scikit-learn, split per class.

    Real images that need no download, for fast tests and demos. Pixel values (0-16) are scaled
    to ``uint8`` 0-255; images are ``HxW`` arrays like mmpretrain's MNIST. The split is
    deterministic: within each class, the first ``train_ratio`` of the images (in the order
    scikit-learn stores them) are ``'train'``, the rest ``'test'``.

    Args:
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        train_ratio (float): Fraction of each class kept for training. Defaults to 0.8.
        **kwargs: Passed to :class:`mmpretrain.datasets.BaseDataset` (``pipeline``,
            ``test_mode``, ``indices`` ...). ``data_root`` and ``ann_file`` are not used.

    Example:
        >>> from mmltbin.datasets import SklearnDigits
        >>> ds = SklearnDigits(split='train')
        >>> len(ds), ds[0]['img'].shape, ds.metainfo['classes'][:3]
        (1438, (8, 8), ('0', '1', '2'))
    """

    METAINFO = {'classes': tuple(str(i) for i in range(10))}

    def __init__(self, split: str = 'train', train_ratio: float = 0.8,
                 metainfo: Optional[dict] = None, **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f'SklearnDigits: split must be "train" or "test", got "{split}"')
        if not 0.0 < train_ratio < 1.0:
            raise ValueError(f'SklearnDigits: train_ratio must be in (0, 1), got {train_ratio}')
        self.split = split
        self.train_ratio = train_ratio
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', metainfo=metainfo, **kwargs)

    def load_data_list(self) -> List[dict]:
        try:
            from sklearn.datasets import load_digits
        except ImportError as err:
            raise ImportError('SklearnDigits needs scikit-learn: pip install scikit-learn') from err
        digits = load_digits()
        images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
        data_list = []
        for label in range(10):
            idx = np.flatnonzero(digits.target == label)
            n_train = int(round(len(idx) * self.train_ratio))
            chosen = idx[:n_train] if self.split == 'train' else idx[n_train:]
            data_list.extend(
                dict(img=images[i], gt_label=int(label), sample_idx=int(i))
                for i in chosen)
        data_list.sort(key=lambda info: info['sample_idx'])
        return data_list
