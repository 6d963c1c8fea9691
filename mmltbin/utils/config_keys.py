"""Refuse config keys that no component takes (a typo, or a key the base no longer has).

mmengine merges a leaf config into its bases key by key, so a misspelt key (``prior_strenght``)
or one that a base has since renamed is kept silently and, where the component takes
``**kwargs``, ignored; elsewhere it fails only when the component is built, without naming the
config file. :func:`check_config_keys` looks at every *registered component* of a resolved
config, i.e. every dict with a ``type`` found in the registry its place implies (``model`` and
everything typed inside it: MODELS; datasets: DATASETS; pipelines: TRANSFORMS; hooks, samplers,
optimizer, schedulers, metrics, visualizer; ``train_cfg`` / ``val_cfg`` / ``test_cfg``, whose
loop is implied when they have no type), and at the dataloader dicts:

- a key of a component must be a parameter of the class's ``__init__`` (or of the registered
  function), plus the few keys mmengine consumes itself (a hook's ``priority``, an optimizer
  wrapper's ``constructor`` / ``paramwise_cfg``, a scheduler's ``convert_to_iter_based``);
- a component whose ``__init__`` takes ``**kwargs`` accepts any key (it may pass them on);
- a dataloader key must be an argument of torch's ``DataLoader`` or one mmengine consumes;
- everything else is free: new top-level variables, untyped dicts, a ``type`` not found in the
  registry (mmengine reports that itself), and dicts ending in ``_cfg`` inside a model
  (``norm_cfg``, ``init_cfg``: built by other registries with their own conventions).

The message names the dotted key, the config file that introduced it, the component and the
closest accepted name. The tools check the config as read from its file (``load_config``), before
``--cfg-options`` are merged.
"""
import ast
import difflib
import inspect
import os.path as osp
from typing import Any, Dict, Iterator, List, Optional, Tuple

from mmengine.config import Config

# keys mmengine's builders take out of a component's dict before calling the class
_CONSUMED = {
    'HOOKS': {'priority'},
    'OPTIM_WRAPPERS': {'constructor', 'paramwise_cfg'},
    'PARAM_SCHEDULERS': {'convert_to_iter_based'},
    'LOOPS': {'by_epoch'},
}
# the loop mmengine builds for a train_cfg / val_cfg / test_cfg without a type
_DEFAULT_LOOPS = {'train_cfg': None, 'val_cfg': 'ValLoop', 'test_cfg': 'TestLoop'}
_LOADER_CONSUMED = {'dataset', 'sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn',
                    'num_batch_per_epoch', 'disable_subprocess_warning'}
# registry of each top-level key (a dict, or a list of dicts)
_TOP = {
    'model': 'MODELS', 'default_hooks': 'HOOKS*', 'custom_hooks': 'HOOKS',
    'optim_wrapper': 'OPTIM_WRAPPERS', 'param_scheduler': 'PARAM_SCHEDULERS',
    'val_evaluator': 'METRICS', 'test_evaluator': 'METRICS', 'visualizer': 'VISUALIZERS',
    'vis_backends': 'VISBACKENDS',
}
_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')

Finding = Tuple[str, str, List[str]]  # dotted key, component, accepted names


def _registry(name: str):
    from mmpretrain import registry
    return getattr(registry, name)


def _accepted(obj: Any) -> Optional[List[str]]:
    """Parameter names of a class's ``__init__`` (or a function); None when it takes
    ``**kwargs``."""
    try:
        sig = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    except (TypeError, ValueError):
        return None
    names = []
    for param in sig.parameters.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            return None
        if param.name != 'self':
            names.append(param.name)
    return names


def _children(registry: str, key: str, value: Any) -> Optional[str]:
    """The registry that typed dicts under ``key`` of a ``registry`` component belong to."""
    if registry == 'MODELS':
        return None if key.endswith('_cfg') else 'MODELS'
    if registry == 'DATASETS':
        return {'pipeline': 'TRANSFORMS', 'dataset': 'DATASETS',
                'datasets': 'DATASETS'}.get(key)
    if registry == 'TRANSFORMS':
        return 'TRANSFORMS' if key == 'transforms' else None
    if registry == 'OPTIM_WRAPPERS':
        return 'OPTIMIZERS' if key == 'optimizer' else None
    if registry == 'VISUALIZERS':
        return 'VISBACKENDS' if key == 'vis_backends' else None
    return None


def _walk(node: Any, path: str, registry: Optional[str]) -> Iterator[Finding]:
    if isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from _walk(item, f'{path}.{i}', registry)
        return
    if not isinstance(node, dict) or registry is None:
        return
    kind = node.get('type')
    if isinstance(kind, str):
        component = _registry(registry).get(kind)
        accepted = _accepted(component) if component is not None else None
        if accepted is not None:
            allowed = set(accepted) | _CONSUMED.get(registry, set()) | {'type', '_scope_'}
            for key in node:
                if key not in allowed:
                    yield f'{path}.{key}', f'{kind} ({registry})', accepted
    for key, value in node.items():
        yield from _walk(value, f'{path}.{key}', _children(registry, key, value))


def _walk_loader(loader: dict, path: str) -> Iterator[Finding]:
    from torch.utils.data import DataLoader
    accepted = _accepted(DataLoader)
    for key in loader:
        if key not in set(accepted) | _LOADER_CONSUMED:
            yield f'{path}.{key}', 'the dataloader (torch DataLoader)', accepted
    yield from _walk(loader.get('dataset'), f'{path}.dataset', 'DATASETS')
    yield from _walk(loader.get('sampler'), f'{path}.sampler', 'DATA_SAMPLERS')
    yield from _walk(loader.get('batch_sampler'), f'{path}.batch_sampler', 'DATA_SAMPLERS')


def find_unknown_keys(cfg: Config) -> List[Finding]:
    """``(dotted key, component, accepted names)`` of every key no component takes.

    Example:
        >>> import mmltbin  # noqa: F401
        >>> cfg = Config(dict(model=dict(type='KDLoss', tau=2.0, prior_strenght=0.5)))
        >>> find_unknown_keys(cfg)[0][:2]
        ('model.prior_strenght', 'KDLoss (MODELS)')
    """
    found: List[Finding] = []
    for key, registry in _TOP.items():
        value = cfg.get(key)
        if registry == 'HOOKS*':  # default_hooks: a dict of named hooks
            for name, hook in (value or {}).items():
                found.extend(_walk(hook, f'{key}.{name}', 'HOOKS'))
        else:
            found.extend(_walk(value, key, registry))
    for key in _LOADERS:
        if isinstance(cfg.get(key), dict):
            found.extend(_walk_loader(cfg[key], key))
    for key, loop in _DEFAULT_LOOPS.items():
        value = cfg.get(key)
        if isinstance(value, dict) and 'type' not in value:
            if loop is None:  # train_cfg: by_epoch picks the loop
                loop = 'EpochBasedTrainLoop' if value.get('by_epoch', True) else \
                    'IterBasedTrainLoop'
            value = dict(value, type=loop)
        found.extend(_walk(value, key, 'LOOPS'))
    return found


def _bases(filename: str) -> List[str]:
    """The ``_base_`` files a config file names (resolved paths; package-scoped ones left out)."""
    with open(filename) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_' for t in node.targets):
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                return []
            bases = [bases] if isinstance(bases, str) else list(bases)
            return [osp.normpath(osp.join(osp.dirname(filename), b)) for b in bases
                    if '::' not in b]
    return []


def _has(cfg: Any, dotted: str) -> bool:
    cfg = cfg._cfg_dict if isinstance(cfg, Config) else cfg
    for part in dotted.split('.'):
        if isinstance(cfg, dict) and part in cfg:
            cfg = cfg[part]
        elif isinstance(cfg, (list, tuple)) and part.isdigit() and int(part) < len(cfg):
            cfg = cfg[int(part)]
        else:
            return False
    return True


def introduced_in(filename: str, dotted: str,
                  _resolved: Optional[Dict[str, Config]] = None) -> Optional[str]:
    """The config file, in the ``_base_`` chain of ``filename``, that first sets ``dotted``
    (the file whose resolved config has the key while none of its bases' does); None when
    ``filename``'s own resolved config does not have it."""
    resolved = {} if _resolved is None else _resolved
    if filename not in resolved:
        resolved[filename] = Config.fromfile(filename)
    if not _has(resolved[filename], dotted):
        return None
    for base in _bases(filename):
        if osp.isfile(base):
            found = introduced_in(base, dotted, resolved)
            if found is not None:
                return found
    return filename


class UnknownConfigKeyError(KeyError):
    """A config key that no component takes (its message is printed as is)."""

    def __str__(self) -> str:
        return str(self.args[0])


def check_config_keys(cfg: Config) -> None:
    """Raise :class:`UnknownConfigKeyError` (a ``KeyError``) naming every key of ``cfg`` that
    no component takes, with the config file that set it. The rule is in this module's
    docstring.

    Example:
        >>> import mmltbin  # noqa: F401
        >>> cfg = Config(dict(model=dict(type='FrozenTeacher', model=dict(type='TimmClassifier',
        ...                   model_name='resnet18'), checkpont='x.pth')))
        >>> check_config_keys(cfg)
        Traceback (most recent call last):
        mmltbin.utils.config_keys.UnknownConfigKeyError: config key model.checkpont: FrozenTeacher (MODELS) takes no 'checkpont' (did you mean 'checkpoint'?)
    """  # noqa: E501
    found = find_unknown_keys(cfg)
    if not found:
        return
    filename = getattr(cfg, 'filename', None)
    resolved: Dict[str, Config] = {}
    lines = []
    for dotted, component, accepted in found:
        close = difflib.get_close_matches(dotted.rsplit('.', 1)[-1], accepted, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ''
        where = ''
        if filename and osp.isfile(filename):
            source = introduced_in(filename, dotted, resolved)
            where = f' (set in {source})' if source else ' (not in the config file)'
        lines.append(f"config key {dotted}{where}: {component} takes no "
                     f"'{dotted.rsplit('.', 1)[-1]}'{hint}")
    raise UnknownConfigKeyError('\n'.join(lines))
