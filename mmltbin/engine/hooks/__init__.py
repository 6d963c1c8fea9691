# Hooks are imported here (one line each).
from .class_counts_hook import ClassCountsHook  # noqa: F401
