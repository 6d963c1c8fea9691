"""Command-line pieces shared by tools/train.py and tools/test.py."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction


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


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` (a clear error when missing), set launcher and work_dir.

    ``--cfg-options`` are not merged here: each tool merges them last, after its own flags.

    Example:
        >>> import argparse
        >>> args = argparse.Namespace(config='missing.py')
        >>> load_config(args)
        Traceback (most recent call last):
        FileNotFoundError: config file "missing.py" does not exist
    """
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file "{args.config}" does not exist')
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg
