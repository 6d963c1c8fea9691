# Components of this subpackage are imported here (one line each).
from .distiller import CalibratedDistiller  # noqa: F401
from .linear_probe import LinearProbeClassifier  # noqa: F401
