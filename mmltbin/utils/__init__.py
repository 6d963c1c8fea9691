from .checks import check_int, unwrap_model
from .cli import (add_common_args, add_flip_tta, find_config, load_config,
                  use_train_set_for_test)
from .config_keys import UnknownConfigKeyError, check_config_keys
from .config_scope import enable_mmltbin_configs
from .dist import destroy_process_group, prepare_cpu_distributed
from .hardware import cpu_bfloat16_native
from .safe_load import (UnsafeCheckpointError, download_checkpoint, load_checkpoint_safely,
                        register_safe_checkpoint_loading)

__all__ = [
    'add_common_args', 'add_flip_tta', 'check_config_keys', 'check_int', 'cpu_bfloat16_native',
    'destroy_process_group', 'load_config', 'enable_mmltbin_configs', 'find_config',
    'prepare_cpu_distributed', 'UnsafeCheckpointError',
    'download_checkpoint', 'load_checkpoint_safely', 'register_safe_checkpoint_loading',
    'unwrap_model', 'use_train_set_for_test', 'UnknownConfigKeyError'
]
