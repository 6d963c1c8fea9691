"""mmltbin's registries.

Every mmltbin component registers directly into mmpretrain's registries (``mmpretrain.registry``),
so configs with ``default_scope='mmpretrain'`` find mmltbin and mmpretrain components alike.

The registries below are empty children of mmpretrain's, under the scope ``'mmltbin'``. They exist
because mmengine marks every component inherited through ``_base_ = 'mmltbin::...'`` with
``_scope_='mmltbin'``; building such a component switches to these children, which fall back to
their parents (mmpretrain, then mmengine), where everything is registered.
"""
from mmengine.registry import Registry
from mmpretrain import registry as mmpretrain_registry

_NAMES = ('RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
          'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS',
          'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
          'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS', 'TASK_UTILS', 'METRICS', 'EVALUATORS',
          'VISUALIZERS', 'VISBACKENDS')


def _child(parent: Registry) -> Registry:
    # A child only looks into its parents' already-registered modules, so it also imports the
    # parent's lazy locations (e.g. ``mmpretrain.visualization``) before the first look-up.
    return Registry(parent.name, parent=parent, scope='mmltbin',
                    locations=['mmltbin', *parent._locations])


for _name in _NAMES:
    globals()[_name] = _child(getattr(mmpretrain_registry, _name))

__all__ = list(_NAMES)
