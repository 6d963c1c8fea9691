"""Find every unreadable or empty image of a dataset at once, before training."""
import os.path as osp
from multiprocessing import Pool
from typing import Any, List, Optional, Tuple

import mmcv
import numpy as np


def image_problem(info: dict) -> Optional[str]:
    """Why the image of one data info cannot be used (None: it reads and is not empty).

    Files (``img_path``) are read and decoded with mmcv; in-memory images (``img``, e.g.
    MNIST, CIFAR) must have pixels.

    Example:
        >>> import numpy as np
        >>> image_problem(dict(img=np.zeros((0, 28), dtype=np.uint8)))
        'empty image (shape (0, 28))'
        >>> image_problem(dict(img_path='no/such.png'))
        'missing file'
    """
    path = info.get('img_path')
    if path:
        if not osp.isfile(path):
            return 'missing file'
        if osp.getsize(path) == 0:
            return 'empty file (0 bytes)'
        try:
            with open(path, 'rb') as f:
                img = mmcv.imfrombytes(f.read(), flag='unchanged')
        except Exception as error:  # any decoder failure is the answer, not a crash
            return f'cannot be decoded ({type(error).__name__}: {error})'
        if img is None:
            return 'cannot be decoded'
    else:
        img = info.get('img')
        if img is None:
            return 'no img_path and no img in the data info'
    img = np.asarray(img)
    if img.size == 0:
        return f'empty image (shape {img.shape})'
    return None


def _check(args: Tuple[int, dict]) -> Optional[Tuple[str, str]]:
    index, info = args
    problem = image_problem(info)
    if problem is None:
        return None
    return (info.get('img_path') or f'sample {index}', problem)


def find_bad_images(dataset: Any, num_workers: int = 0) -> List[Tuple[str, str]]:
    """``(image path or 'sample i', problem)`` of every image of ``dataset`` that is missing,
    empty or cannot be decoded, in dataset order.

    Args:
        dataset: An mmengine / mmpretrain dataset or wrapper with ``get_data_info``.
        num_workers (int): Processes reading the files; 0 reads them here. Defaults to 0.

    Example:
        >>> from mmltbin.datasets import SklearnDigits
        >>> find_bad_images(SklearnDigits(split='test'))
        []
    """
    jobs = ((i, dataset.get_data_info(i)) for i in range(len(dataset)))
    if num_workers > 0:
        with Pool(num_workers) as pool:
            results = pool.map(_check, list(jobs), chunksize=64)
    else:
        results = map(_check, jobs)
    return [r for r in results if r is not None]


def check_images(dataset: Any, owner: str = 'verify_images', num_workers: int = 0) -> None:
    """Raise one ``ValueError`` listing every bad image of ``dataset`` (see
    :func:`find_bad_images`), or return when all read."""
    bad = find_bad_images(dataset, num_workers)
    if bad:
        lines = '\n'.join(f'  {path}: {problem}' for path, problem in bad)
        raise ValueError(f'{owner}: {len(bad)} of {len(dataset)} images of '
                         f'{type(dataset).__name__} cannot be used:\n{lines}')


__all__ = ['check_images', 'find_bad_images', 'image_problem']
