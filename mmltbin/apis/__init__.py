"""Model zoo: mmltbin's trained models by name, and the configs behind them."""
from .model_zoo import (SCHEME, get_metainfo, get_model, list_models, load_from_model_zoo,
                        model_config, model_index_path, register_model_zoo_scheme, zoo_path,
                        zoo_table)
from .student_config import STUDENT_PARTS, is_distiller_config, student_config

__all__ = [
    'SCHEME', 'get_metainfo', 'get_model', 'list_models', 'load_from_model_zoo', 'model_config',
    'model_index_path', 'register_model_zoo_scheme', 'zoo_path', 'zoo_table', 'STUDENT_PARTS',
    'is_distiller_config', 'student_config'
]
