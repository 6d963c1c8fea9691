# Components of this subpackage are imported here (one line each).
from .linear_probe import LinearProbeClassifier  # noqa: F401
