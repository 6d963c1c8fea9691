"""Train a model from an mmltbin (or any mmpretrain) config.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|CKPT]] [--amp]
        [--no-validate] [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

Distributed: ``bash tools/dist_train.sh CONFIG N`` (torchrun; nccl on GPUs, gloo on CPU).
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmltbin  # noqa: F401  (registers components, `mmltbin::` configs, safe loading)
from mmltbin.utils import prepare_cpu_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a classifier')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint; without a path, resume from the latest '
        'checkpoint in the work directory (`--resume auto` is the same)')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic-mixed-precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the total batch size '
                        '(needs `auto_scale_lr.base_batch_size` in the config)')
    parser.add_argument('--no-pin-memory', action='store_true',
                        help='turn pin_memory off in all dataloaders')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='turn persistent_workers off in all dataloaders')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, e.g. train_cfg.max_epochs=2 '
        'model.backbone.widen_factor=0.5')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torchrun passes --local-rank (or LOCAL_RANK); accept both spellings
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the command-line flags into the config."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        if not torch.cuda.is_available():
            raise RuntimeError('--amp needs a GPU: mmengine\'s AmpOptimWrapper does not run on '
                               'the CPU; train without --amp here')
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type "OptimWrapper", got "{optim_wrapper}"')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise KeyError('--auto-scale-lr needs `auto_scale_lr = dict(base_batch_size=N)` in '
                           f'the config {args.config}')
        cfg.auto_scale_lr.enable = True

    def set_loader_flag(key: str, value: bool) -> None:
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            loader = cfg.get(name)
            if loader is not None:
                loader[key] = value

    if args.no_pin_memory:
        set_loader_flag('pin_memory', False)
    if args.no_persistent_workers:
        set_loader_flag('persistent_workers', False)

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file "{args.config}" does not exist')
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    cfg = prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
