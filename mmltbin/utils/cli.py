"""Command-line pieces shared by the tools (tools/train.py, tools/test.py, ...)."""
import argparse
import copy
import os
import os.path as osp

from mmengine.config import Config, DictAction

from .config_keys import check_config_keys


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--launcher`` and torchrun's ``--local-rank``."""
    parser.add_argument('--work-dir', help='the directory for logs, checkpoints and metrics')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, e.g. train_cfg.max_epochs=2 '
        'model.backbone.widen_factor=0.5')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def find_config(config: str) -> str:
    """``config`` when it is a file, else the one config of that name that mmltbin ships.

    A bare name (``reactnet_fashion-mnist-lt.py``) or a path inside ``configs/``
    (``ltbin/reactnet_fashion-mnist-lt.py``) is looked up in the installed package's configs,
    as ``mim train mmltbin NAME`` does, so the tools run from any folder.

    Example:
        >>> find_config('reactnet_fashion-mnist-lt.py').endswith(
        ...     'configs/ltbin/reactnet_fashion-mnist-lt.py')
        True
        >>> find_config('missing.py')
        Traceback (most recent call last):
        FileNotFoundError: config file "missing.py" does not exist (nor does an mmltbin config \
of that name)
    """
    if osp.isfile(config):
        return config
    from .config_scope import PACKAGE_DIR
    root = osp.join(PACKAGE_DIR, '.mim', 'configs')
    if not osp.isdir(root):  # a checkout used without installing it (on PYTHONPATH)
        root = osp.join(osp.dirname(PACKAGE_DIR), 'configs')
    found = sorted(osp.join(folder, name) for folder, _, names in os.walk(root, followlinks=True)
                   for name in names
                   if osp.join(folder, name).endswith(osp.sep + config.lstrip(osp.sep)))
    if len(found) > 1:
        raise FileNotFoundError(f'config file "{config}" does not exist and names several '
                                f'mmltbin configs: {found}; give a path')
    if not found:
        raise FileNotFoundError(f'config file "{config}" does not exist (nor does an mmltbin '
                                'config of that name)')
    return found[0]


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` (a file, or an mmltbin config's name: :func:`find_config`; a clear
    error when missing or when it sets a key no component takes:
    :func:`~mmltbin.utils.config_keys.check_config_keys`), set launcher and work_dir.

    ``--cfg-options`` are not merged here: each tool merges them last, after its own flags.

    Example:
        >>> import argparse
        >>> args = argparse.Namespace(config='missing.py')
        >>> load_config(args)
        Traceback (most recent call last):
        FileNotFoundError: config file "missing.py" does not exist (nor does an mmltbin config \
of that name)
    """
    args.config = find_config(args.config)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    check_config_keys(cfg)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def _innermost_with_pipeline(dataset: dict, where: str) -> dict:
    """The dataset dict that holds the ``pipeline``: ``dataset`` itself or the one a wrapper
    (``LongTailDataset``, ``ClassBalancedDataset``, ...) nests under ``dataset``."""
    while 'pipeline' not in dataset:
        if not isinstance(dataset.get('dataset'), dict):
            raise KeyError(f'{where} (type {dataset.get("type")}) has no pipeline and wraps no '
                           'dataset dict')
        dataset, where = dataset['dataset'], f'{where}.dataset'
    return dataset


def use_train_set_for_test(cfg: Config) -> Config:
    """Point ``cfg.test_dataloader`` at the training set: the same images as trained on (e.g.
    the long-tailed subset a ``LongTailDataset`` draws), read with the test pipeline, in order.

    Measures how well a model fits its own training data. Only the dataset is swapped: the test
    loader's batch size, sampler and evaluator are kept.

    Example:
        >>> cfg = Config(dict(
        ...     train_dataloader=dict(dataset=dict(type='LongTailDataset', dataset=dict(
        ...         type='FashionMNIST', split='train', pipeline=['train']))),
        ...     test_dataloader=dict(dataset=dict(
        ...         type='FashionMNIST', split='test', pipeline=['test']))))
        >>> test_set = use_train_set_for_test(cfg).test_dataloader.dataset
        >>> test_set.dataset.split, test_set.dataset.pipeline
        ('train', ['test'])
    """
    test_set = _innermost_with_pipeline(cfg.test_dataloader.dataset,
                                        'test_dataloader.dataset')
    train_set = copy.deepcopy(cfg.train_dataloader.dataset)
    _innermost_with_pipeline(train_set, 'train_dataloader.dataset')['pipeline'] = \
        copy.deepcopy(test_set['pipeline'])
    cfg.test_dataloader.dataset = train_set
    return cfg


def add_flip_tta(cfg: Config) -> Config:
    """Wrap ``cfg.model`` in its test-time augmentation model, as mmpretrain's ``--tta`` does.

    The config's own ``tta_model`` and ``tta_pipeline`` are used when it has them; otherwise the
    scores of each test image and of its horizontal flip are averaged (``AverageClsScoreTTA``),
    the flip added in front of the test pipeline's last step (``PackInputs``). The pipeline is
    the test dataset's own, or that of the dataset a wrapper (``LongTailDataset``) nests.

    Example:
        >>> cfg = Config(dict(model=dict(type='ImageClassifier'), test_dataloader=dict(
        ...     dataset=dict(type='FashionMNIST', pipeline=[dict(type='PackInputs')]))))
        >>> cfg = add_flip_tta(cfg)
        >>> cfg.model.type, cfg.model.module.type
        ('AverageClsScoreTTA', 'ImageClassifier')
        >>> [t.type for t in cfg.test_dataloader.dataset.pipeline[-1].transforms[0]]
        ['RandomFlip', 'RandomFlip']
    """
    test_set = _innermost_with_pipeline(cfg.test_dataloader.dataset, 'test_dataloader.dataset')
    if 'tta_model' not in cfg:
        cfg.tta_model = dict(type='AverageClsScoreTTA')
    if 'tta_pipeline' not in cfg:
        *steps, pack = copy.deepcopy(test_set['pipeline'])
        flips = [dict(type='RandomFlip', prob=1.0, direction='horizontal'),
                 dict(type='RandomFlip', prob=0.0, direction='horizontal')]
        cfg.tta_pipeline = [*steps, dict(type='TestTimeAug', transforms=[flips, [pack]])]
    cfg.model = dict(cfg.tta_model, module=cfg.model)
    test_set['pipeline'] = copy.deepcopy(cfg.tta_pipeline)
    return cfg
