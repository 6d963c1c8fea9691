# Metrics are imported here (one line each).
from .shot_accuracy import ShotAccuracy, shot_groups  # noqa: F401
