# Helpers shared by several model folders (no registered components).
from .class_prior import ClassCountsMixin, check_class_counts, log_prior
from .pooling import pool_features

__all__ = ['ClassCountsMixin', 'check_class_counts', 'log_prior', 'pool_features']
