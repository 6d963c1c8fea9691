from .digits import SklearnDigits
from .inaturalist import INaturalist2018
from .long_tail import (LongTailDataset, build_dataset_from_cfg, gt_labels_of,
                        long_tail_counts)
from .samplers import ClassAwareSampler
from .transforms import *  # noqa: F401,F403

__all__ = ['SklearnDigits', 'INaturalist2018', 'LongTailDataset', 'build_dataset_from_cfg',
           'gt_labels_of', 'long_tail_counts', 'ClassAwareSampler']
