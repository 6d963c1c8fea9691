"""Train a model from an mmltbin (or any mmpretrain) config.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|CKPT]] [--amp]
        [--no-validate] [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

Distributed: ``bash tools/dist_train.sh CONFIG N`` (torchrun; nccl on GPUs, gloo on CPU).
"""
import argparse

import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmltbin  # noqa: F401  (registers components, `mmltbin::` configs, safe loading)
from mmltbin.utils import (add_common_args, destroy_process_group, load_config,
                           prepare_cpu_distributed)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a classifier')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint; without a path, resume from the latest '
        'checkpoint in the work directory (`--resume auto` is the same)')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic-mixed-precision training (GPU only)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the total batch size '
                        '(needs `auto_scale_lr.base_batch_size` in the config)')
    parser.add_argument('--no-pin-memory', action='store_true',
                        help='turn pin_memory off in all dataloaders')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='turn persistent_workers off in all dataloaders')
    add_common_args(parser)
    return parser.parse_args()


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the training flags into the config; ``--cfg-options`` win, merged last."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if args.amp:
        if not torch.cuda.is_available():
            raise RuntimeError('--amp needs a GPU: mmengine\'s AmpOptimWrapper does not run on '
                               'the CPU; train without --amp here')
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError('--amp needs optim_wrapper.type "OptimWrapper", '
                             f'got "{optim_wrapper}"')
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

    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader is not None and args.no_pin_memory:
            loader.pin_memory = False
        if loader is not None and args.no_persistent_workers:
            loader.persistent_workers = False

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    args = parse_args()
    cfg = merge_args(load_config(args), args)
    cfg = prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    destroy_process_group()


if __name__ == '__main__':
    main()
