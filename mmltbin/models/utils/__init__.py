# Helpers shared by several model folders (no registered components).
from .batch_norm_folding import FoldMismatchError, fold_batch_norms
from .class_prior import ClassCountsMixin, check_class_counts, log_prior
from .pooling import pool_features

__all__ = [
    'ClassCountsMixin', 'FoldMismatchError', 'check_class_counts', 'fold_batch_norms', 'log_prior',
    'pool_features'
]
