"""mmltbin's model zoo: its metafiles, its shipped weights and ``get_model``.

The zoo is indexed like mmpretrain's: ``model-index.yml`` imports ``configs/*/metafile.yml``
(OpenMMLab's metafile format, read by the ``modelindex`` package that mmpretrain and ``mim``
use). The weights ship inside the package, under ``mmltbin/model_zoo/``, and a metafile names
them ``mmltbin://model_zoo/<file>``: a checkpoint scheme that importing mmltbin registers with
mmengine's ``CheckpointLoader``, so the same name loads from any folder wherever mmengine
loads a checkpoint (``load_from``, ``tools/test.py CONFIG mmltbin://...``, ``init_cfg``).
Nothing is downloaded.

Two kinds of shipped file:

* a packed binary model (``.npz``, :mod:`mmltbin.export`): read with ``allow_pickle=False``
  and unpacked into the state dict of the normal classifier (+-1 latent weights and fixed
  scales, the same outputs as the trained model);
* a plain checkpoint (``.pth``), loaded with ``weights_only=True``. The calibrated teacher
  ships its linear head only; :func:`get_model` loads its frozen encoder from
  ``encoder_checkpoint`` (the ImageNet EfficientNet-Lite0 that
  ``tools/model_converters/efficientnet_lite_to_timm.py`` converts).
"""
import copy
import fnmatch
import os.path as osp
from typing import Dict, List, Optional, Union

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import CheckpointLoader

from mmltbin.utils import load_checkpoint_safely
from .student_config import is_distiller_config, student_config

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: Checkpoint scheme of the weights shipped in the package (``mmltbin://model_zoo/x.npz``).
SCHEME = 'mmltbin://'
MODEL_INDEX = 'model-index.yml'

_ZOO: Dict[str, object] = {}


def zoo_path(filename: str) -> str:
    """The local file behind a ``mmltbin://`` name (a path inside the installed package).

    Args:
        filename (str): ``mmltbin://<path relative to the mmltbin package>``.

    Returns:
        str: The absolute path.

    Raises:
        ValueError: If ``filename`` does not start with ``mmltbin://`` or leaves the package.
        FileNotFoundError: If the file is not in the package.

    Example:
        >>> import os.path as osp
        >>> osp.isdir(osp.dirname(zoo_path('mmltbin://model_zoo/'
        ...                                'reactnet-a-w0.25_ce_fashion-mnist-lt.npz')))
        True
    """
    if not filename.startswith(SCHEME):
        raise ValueError(f'"{filename}" is not a model-zoo name ({SCHEME}<file>)')
    relative = filename[len(SCHEME):]
    path = osp.normpath(osp.join(PACKAGE_DIR, relative))
    if osp.isabs(relative) or not path.startswith(PACKAGE_DIR + osp.sep):
        raise ValueError(f'"{filename}": a model-zoo name is a path inside the mmltbin package')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'model-zoo file "{filename}" is not in the installed package ({path}); '
            'docs/model_zoo.md gives the command that produces it')
    return path


def load_from_model_zoo(filename: str, map_location=None, logger=None) -> dict:
    """mmengine checkpoint loader of the ``mmltbin://`` scheme (never runs code from a file).

    Args:
        filename (str): ``mmltbin://model_zoo/<file>.npz`` (packed) or ``.pth``.
        map_location: Passed to ``torch.load`` for ``.pth`` files.
        logger: Unused; mmengine's loader signature.

    Returns:
        dict: ``{'state_dict': ..., 'meta': ...}``.

    Example:
        >>> ckpt = load_from_model_zoo(
        ...     'mmltbin://model_zoo/reactnet-a-w0.25_ce_fashion-mnist-lt.npz')
        >>> ckpt['state_dict']['head.fc.weight'].shape
        torch.Size([10, 256])
    """
    path = zoo_path(filename)
    if path.endswith('.npz'):
        from mmltbin.export import read_packed, unpack_state_dict
        return dict(state_dict=unpack_state_dict(read_packed(path)),
                    meta=dict(packed_from=filename))
    checkpoint = load_checkpoint_safely(path, map_location=map_location or 'cpu')
    if not isinstance(checkpoint, dict):
        raise ValueError(f'model-zoo file "{filename}" holds no checkpoint dict')
    return checkpoint


def register_model_zoo_scheme() -> None:
    """Let mmengine load ``mmltbin://`` names (done when mmltbin is imported)."""
    CheckpointLoader.register_scheme(prefixes=SCHEME, force=True)(load_from_model_zoo)


def model_index_path() -> str:
    """The zoo's ``model-index.yml``: the installed package's (``.mim``), else the checkout's."""
    for path in (osp.join(PACKAGE_DIR, '.mim', MODEL_INDEX),
                 osp.join(osp.dirname(PACKAGE_DIR), MODEL_INDEX)):
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'{MODEL_INDEX} is found neither in {PACKAGE_DIR}/.mim nor beside '
                            'the package: reinstall mmltbin')


def _zoo() -> Dict[str, object]:
    """Name (lower case) -> ``modelindex`` model, config paths made absolute (read once)."""
    if not _ZOO:
        from modelindex.load_model_index import load
        index_path = model_index_path()
        index = load(index_path)
        index.build_models_with_collections()
        zoo = {}
        for metainfo in index.models:
            name = metainfo.name.lower()
            if name in zoo:
                raise ValueError(f'model name "{metainfo.name}" is in {metainfo.filepath} and '
                                 f'in {zoo[name].filepath}: names must be unique')
            # config paths are relative to the folder holding model-index.yml, as mmpretrain's
            metainfo.config = osp.abspath(osp.join(osp.dirname(index_path), metainfo.config))
            zoo[name] = metainfo
        _ZOO.update(zoo)
    return _ZOO


def list_models(pattern: Optional[str] = None) -> List[str]:
    """Names of the models in mmltbin's zoo (``mmpretrain.list_models``'s call shape).

    Args:
        pattern (str, optional): A wildcard pattern (``fnmatch``) the names must match.

    Example:
        >>> import mmltbin
        >>> 'reactnet-a-w0.25_calibrated-distill_fashion-mnist-lt' in mmltbin.list_models()
        True
    """
    names = sorted(_zoo())
    return names if pattern is None else fnmatch.filter(names, pattern.lower())


def zoo_table() -> str:
    """The zoo as a markdown table (name, config, weights, metrics), from the metafiles.

    Example:
        >>> print(zoo_table().splitlines()[0])
        | Model | Config | Weights | all | many | medium | few | top-1 |
    """
    columns = ('Mean Per-class Accuracy', 'Many-shot Accuracy', 'Medium-shot Accuracy',
               'Few-shot Accuracy', 'Top 1 Accuracy')
    rows = ['| Model | Config | Weights | all | many | medium | few | top-1 |',
            '|---|---|---|---|---|---|---|---|']
    for name in list_models():
        metainfo = get_metainfo(name)
        metrics = metainfo.results[0].metrics
        config = osp.relpath(metainfo.config, osp.dirname(model_index_path()))
        size = osp.getsize(zoo_path(metainfo.weights)) / 1024
        cells = [f'`{metainfo.name}`', f'`{config}`',
                 f'`{metainfo.weights}` ({size:.0f} KiB)'] + \
            [f'{metrics[c]:.2f}' for c in columns]
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)


def get_metainfo(name: str):
    """The metafile entry of zoo model ``name`` (a ``modelindex`` Model).

    Raises:
        ValueError: If no zoo model has this name (the message lists them).
    """
    metainfo = _zoo().get(name.lower())
    if metainfo is None:
        raise ValueError(f'mmltbin has no model named "{name}"; mmltbin.list_models() gives '
                         f'{list_models()}')
    return copy.deepcopy(metainfo)


def model_config(name: str) -> Config:
    """The config that builds zoo model ``name``; for a distilled model, its student's.

    Example:
        >>> model_config('reactnet-a-w0.25_calibrated-distill_fashion-mnist-lt').model.type
        'ImageClassifier'
    """
    config = Config.fromfile(get_metainfo(name).config)
    return student_config(config) if is_distiller_config(config) else config


def _load_encoder(model, name: str) -> None:
    """Load the frozen encoder of a calibrated teacher from its ``encoder_checkpoint``."""
    path = model.encoder_checkpoint
    if path is None or not osp.isfile(osp.expanduser(path)):
        raise FileNotFoundError(
            f'get_model("{name}"): the teacher\'s encoder file encoder_checkpoint="{path}" '
            'does not exist (the head ships with mmltbin, the ImageNet encoder does not): run '
            'python tools/model_converters/efficientnet_lite_to_timm.py, then pass '
            'get_model(..., encoder_checkpoint=<the .pth it wrote>)')
    model.encoder.load_checkpoint(osp.expanduser(path))


def _load_weights(model, filename: str, name: str) -> dict:
    """Load ``filename`` into ``model``; strict except a teacher's encoder (loaded apart)."""
    if filename.startswith(SCHEME):
        checkpoint = load_from_model_zoo(filename)
    else:
        checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    separate_encoder = hasattr(model, 'encoder_checkpoint') and not any(
        k.startswith('encoder.') for k in state_dict)
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    if separate_encoder:
        _load_encoder(model, name)
        missing = [k for k in missing if not k.startswith('encoder.')]
    if missing or unexpected:
        raise ValueError(f'get_model("{name}"): "{filename}" does not fit the model: '
                         f'{len(missing)} missing keys {missing[:5]}, {len(unexpected)} '
                         f'unexpected keys {unexpected[:5]}')
    return checkpoint


def get_model(model: Union[str, Config],
              pretrained: Union[bool, str] = False,
              device: Optional[Union[str, torch.device]] = None,
              **kwargs):
    """A model of mmltbin's zoo, or of any config: ``mmpretrain.get_model``'s call shape.

    A zoo name builds its metafile's config (a distilled model: the student
    ``ImageClassifier`` alone, no teacher); ``pretrained=True`` loads its shipped weights
    (``Weights`` in the metafile; a packed binary model unpacks into the classifier). A calibrated
    teacher's shipped head comes with the frozen encoder read from ``encoder_checkpoint``
    (give ``encoder_checkpoint=PATH`` when the config's relative path does not resolve from the
    working folder). Configs and paths go to ``mmpretrain.get_model`` unchanged.

    Args:
        model (str | Config): A zoo name (:func:`list_models`), a config file or a Config.
        pretrained (bool | str): True: the zoo weights; a str: that checkpoint (a path, URL or
            ``mmltbin://`` name). Defaults to False.
        device (str | torch.device, optional): Move the model there.
        **kwargs: Overrides of the model config (``mmpretrain.get_model``'s).

    Returns:
        The classifier in eval mode, with ``_config``, ``_metainfo`` and ``_dataset_meta`` set as
        ``mmpretrain.get_model`` sets them.

    Example:
        >>> import torch, mmltbin
        >>> model = mmltbin.get_model('reactnet-a-w0.25_calibrated-distill_fashion-mnist-lt',
        ...                           pretrained=True)
        >>> model(torch.rand(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """
    from mmpretrain.apis import get_model as mmpretrain_get_model
    if not isinstance(model, str) or model.endswith('.py'):
        return mmpretrain_get_model(model, pretrained, device=device, **kwargs)
    metainfo = get_metainfo(model)
    config = model_config(model)
    weights = metainfo.weights if pretrained is True else pretrained or None
    if pretrained is True and not weights:
        raise ValueError(f'get_model("{model}"): its metafile entry names no Weights')
    built = mmpretrain_get_model(config, pretrained=False, **kwargs)
    if weights:
        checkpoint = _load_weights(built, weights, model)
        dataset_meta = checkpoint.get('meta', {}).get('dataset_meta')
        if dataset_meta:
            built._dataset_meta = dataset_meta
    built._metainfo = metainfo
    if device is not None:
        built.to(device)
    return built.eval()


def evaluate_zoo_model(name: str, work_dir: str, num_images: Optional[int] = None,
                       **kwargs) -> Dict[str, float]:
    """Test zoo model ``name`` (:func:`get_model` with ``pretrained=True``) on its test set.

    mmengine's test loop runs with the config's test dataloader, evaluator and hooks, on the
    model :func:`get_model` returns, so the metrics are those of the shipped weights as a user
    loads them (the numbers of the metafile).

    Args:
        name (str): A zoo name.
        work_dir (str): mmengine's work folder (logs).
        num_images (int, optional): Test on the first ``num_images`` images only.
        **kwargs: Passed to :func:`get_model` (e.g. ``encoder_checkpoint``).

    Returns:
        dict[str, float]: The test metrics (``accuracy/top1``, ``accuracy/many`` ...).
    """
    from mmengine.runner import Runner
    model = get_model(name, pretrained=True, **kwargs)
    cfg = copy.deepcopy(model._config)
    if num_images is not None:
        cfg.test_dataloader.dataset.indices = int(num_images)
    runner = Runner(
        model=model, work_dir=work_dir, test_dataloader=cfg.test_dataloader,
        test_evaluator=cfg.test_evaluator, test_cfg=cfg.get('test_cfg') or dict(),
        default_hooks=cfg.get('default_hooks'), custom_hooks=cfg.get('custom_hooks'),
        env_cfg=cfg.get('env_cfg', dict(dist_cfg=dict(backend='gloo'))),
        log_level=cfg.get('log_level', 'INFO'), default_scope='mmpretrain',
        experiment_name=name, cfg=cfg)
    return runner.test()
