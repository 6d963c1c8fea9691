# Components of this subpackage are imported here (one line each).
from .binary import (BinaryConv2d, LearnableBias, RPReLU, RSign, Sign, binarize,  # noqa: F401
                     sign_ste, weight_scale)
from .binary_unit import BinaryConvUnit, ChannelRepeat  # noqa: F401
