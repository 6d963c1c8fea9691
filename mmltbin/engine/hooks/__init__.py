# Hooks are imported here (one line each).
from .adversarial_balance_hook import AdversarialBalanceHook  # noqa: F401
from .class_counts_hook import ClassCountsHook  # noqa: F401
from .drw_hook import DRWHook  # noqa: F401
from .final_precise_bn_hook import FinalPreciseBNHook  # noqa: F401
from .head_in_channels_check_hook import HeadInChannelsCheckHook  # noqa: F401
from .max_norm_hook import MaxNormHook  # noqa: F401
from .teacher_cache_prefill_hook import TeacherCachePrefillHook  # noqa: F401
from .teacher_calibration_hook import TeacherCalibrationHook  # noqa: F401
