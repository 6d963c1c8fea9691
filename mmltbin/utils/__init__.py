from .cli import add_common_args, load_config
from .config_scope import enable_mmltbin_configs
from .dist import prepare_cpu_distributed
from .safe_load import (UnsafeCheckpointError, load_checkpoint_safely,
                        register_safe_checkpoint_loading)

__all__ = [
    'add_common_args', 'load_config', 'enable_mmltbin_configs', 'prepare_cpu_distributed',
    'UnsafeCheckpointError', 'load_checkpoint_safely', 'register_safe_checkpoint_loading'
]
