# Helpers shared by several model folders (no registered components).
from .batch_norm_folding import FoldMismatchError, fold_batch_norms
from .class_prior import ClassCountsMixin, check_class_counts, log_prior
from .openvino_module import OpenVINOMismatchError, OpenVINOModule
from .output_check import max_relative_error
from .pooling import pool_features

__all__ = [
    'ClassCountsMixin', 'FoldMismatchError', 'OpenVINOMismatchError', 'OpenVINOModule',
    'check_class_counts', 'fold_batch_norms', 'log_prior', 'max_relative_error', 'pool_features'
]
