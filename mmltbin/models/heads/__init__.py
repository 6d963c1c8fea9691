# Components of this subpackage are imported here (one line each).
from .cosine_head import CosineClsHead  # noqa: F401
from .logit_adjusted_head import LogitAdjustedLinearClsHead  # noqa: F401
from .lws_head import LWSClsHead  # noqa: F401
from .tau_norm_head import TauNormClsHead  # noqa: F401
