# Components of this subpackage are imported here (one line each).
from .binary_resnet import BinaryResNet  # noqa: F401
from .reactnet import ReActNet  # noqa: F401
