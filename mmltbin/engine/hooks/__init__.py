# Hooks are imported here (one line each).
from .adversarial_balance_hook import AdversarialBalanceHook  # noqa: F401
from .atomic_checkpoint_hook import AtomicCheckpointHook  # noqa: F401
from .class_counts_hook import ClassCountsHook  # noqa: F401
from .drw_hook import DRWHook  # noqa: F401
from .epoch_seed_hook import EpochSeedHook  # noqa: F401
from .feature_cache_prefill_hook import FeatureCachePrefillHook  # noqa: F401
from .final_precise_bn_hook import FinalPreciseBNHook  # noqa: F401
from .finite_loss_hook import FiniteLossHook  # noqa: F401
from .head_in_channels_check_hook import HeadInChannelsCheckHook  # noqa: F401
from .max_norm_hook import MaxNormHook  # noqa: F401
from .num_classes_check_hook import NumClassesCheckHook  # noqa: F401
from .teacher_cache_check_hook import TeacherCacheCheckHook  # noqa: F401
from .teacher_cache_prefill_hook import TeacherCachePrefillHook  # noqa: F401
