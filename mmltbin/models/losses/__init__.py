# Components of this subpackage are imported here (one line each).
from .balanced_softmax_loss import BalancedSoftmaxLoss  # noqa: F401
from .class_balanced import ClassBalancedLoss  # noqa: F401
from .feature_loss import CosineFeatureLoss  # noqa: F401
from .kd_loss import KDLoss  # noqa: F401
from .label_aware_smoothing import LabelAwareSmoothingLoss  # noqa: F401
from .ldam_loss import LDAMLoss  # noqa: F401
