"""mmltbin: binary neural networks on long-tailed data, as an OpenMMLab plug-in.

Importing the package registers every component into mmpretrain's registries, so a config with
``custom_imports=dict(imports=['mmltbin'], allow_failed_imports=False)`` and
``default_scope='mmpretrain'`` can mix mmltbin and mmpretrain components freely.
"""
from . import warning_filters  # noqa: F401  (first: before anything imports mmcv)
from .version import __version__
from .utils import enable_mmltbin_configs, register_safe_checkpoint_loading

enable_mmltbin_configs()
register_safe_checkpoint_loading()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .apis import get_model, list_models, register_model_zoo_scheme  # noqa: E402

register_model_zoo_scheme()

__all__ = ['__version__', 'get_model', 'list_models']
