"""The student ``ImageClassifier`` config of a ``CalibratedDistiller`` config."""
import copy

from mmengine.config import Config

#: The distiller's parts that make up its student (an ImageClassifier's layout).
STUDENT_PARTS = ('backbone', 'neck', 'head')
# the keys of MultiResDataPreprocessor that ClsDataPreprocessor does not take
_MULTI_RES_KEYS = ('student_view', 'teacher_views_per_batch')
_DISTILLER_TYPES = ('CalibratedDistiller', 'mmpretrain.CalibratedDistiller')


def is_distiller_config(cfg: Config) -> bool:
    """Whether ``cfg.model`` is a ``CalibratedDistiller``.

    Example:
        >>> is_distiller_config(Config(dict(model=dict(type='CalibratedDistiller'))))
        True
    """
    return cfg.get('model', {}).get('type') in _DISTILLER_TYPES


def student_config(cfg: Config) -> Config:
    """The config with ``model`` replaced by the distiller's student ``ImageClassifier``.

    ``AdversarialBalanceHook`` is removed and ``load_from`` / ``resume`` cleared, so the
    result tests, exports or fine-tunes the student alone (no teacher file needed).

    Args:
        cfg (Config): A config whose ``model`` is a ``CalibratedDistiller``.

    Returns:
        Config: A copy with the student classifier as ``model``.

    Raises:
        ValueError: If ``cfg.model`` is not a ``CalibratedDistiller``.

    Example:
        >>> cfg = Config(dict(model=dict(
        ...     type='CalibratedDistiller', backbone=dict(type='ReActNet'), head=dict(
        ...         type='LinearClsHead', num_classes=10, in_channels=1024),
        ...     teacher=dict(type='FrozenTeacher'))))
        >>> student_config(cfg).model.type
        'ImageClassifier'
    """
    model = cfg.model
    if not is_distiller_config(cfg):
        raise ValueError(f'student_config: the config\'s model is a {model.get("type")}, '
                         'not a CalibratedDistiller')
    student = dict(type='ImageClassifier',
                   **{part: copy.deepcopy(model[part]) for part in STUDENT_PARTS
                      if model.get(part) is not None})
    pre = model.get('data_preprocessor')
    if pre is not None:
        pre = {k: v for k, v in copy.deepcopy(dict(pre)).items() if k not in _MULTI_RES_KEYS}
        pre['type'] = 'ClsDataPreprocessor'
        student['data_preprocessor'] = pre
    if model.get('train_cfg') is not None:
        student['train_cfg'] = copy.deepcopy(model['train_cfg'])
    out = copy.deepcopy(cfg)
    out.model = student
    out.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                        if h.get('type') not in ('AdversarialBalanceHook',
                                                 'mmpretrain.AdversarialBalanceHook')]
    out.load_from = None
    out.resume = False
    return out
