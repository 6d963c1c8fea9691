"""Analysis utilities: operation and parameter counts of binary networks, measured speed.

The figures' inputs are read by :mod:`mmltbin.analysis.loading` and drawn by
:mod:`mmltbin.analysis.plots` (imported on their own: they need matplotlib).
"""
from .op_counter import LayerOps, OpCount, count_ops, format_op_count
from .speed import time_train_step

__all__ = ['LayerOps', 'OpCount', 'count_ops', 'format_op_count', 'time_train_step']
