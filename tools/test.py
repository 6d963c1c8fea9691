"""Test (evaluate) a checkpoint with an mmltbin (or any mmpretrain) config.

The flags are mmpretrain's ``tools/test.py``'s, with the same meanings; mmltbin adds
``--on-train-set``. ``--out`` writes every prediction (a .pkl, like mmpretrain), or the metrics
with ``--out-item metrics``; a ``.json`` ``--out`` (which mmpretrain refuses for predictions)
writes the metrics.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE] [--out-item
        metrics|pred] [--amp] [--tta] [--show-dir DIR] [--show] [--interval N]
        [--wait-time S] [--no-pin-memory] [--on-train-set] [--cfg-options k=v ...]
        [--launcher pytorch|slurm]

Distributed: ``bash tools/dist_test.sh CONFIG CHECKPOINT N``; on slurm,
``bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT``.
"""
import argparse
import os.path as osp

import mmengine
from mmengine.config import Config, ConfigDict
from mmengine.evaluator import DumpResults
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mmltbin  # noqa: F401  (registers components, `mmltbin::` configs, safe loading)
from mmltbin.utils import (add_common_args, add_flip_tta, destroy_process_group, load_config,
                           prepare_cpu_distributed, use_train_set_for_test)

PRED_SUFFIXES = ('.pkl', '.pickle')
METRIC_SUFFIXES = ('.json', '.yaml', '.yml') + PRED_SUFFIXES


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='the file to write: every prediction (.pkl, the default '
                        'for .pkl) or the metrics (--out-item metrics; the default for .json)')
    parser.add_argument('--out-item', choices=['metrics', 'pred'],
                        help='what --out holds: predictions (default for .pkl) or metrics')
    parser.add_argument('--amp', action='store_true',
                        help='test with automatic mixed precision (test_cfg.fp16=True)')
    parser.add_argument('--show-dir', help='save the drawn predictions to this directory')
    parser.add_argument('--show', action='store_true', help='show the drawn predictions')
    parser.add_argument('--interval', type=int, default=1,
                        help='draw every N-th sample (with --show or --show-dir)')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='seconds each shown window stays open (with --show)')
    parser.add_argument('--no-pin-memory', action='store_true',
                        help='turn pin_memory off in the test dataloader')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation: the config\'s tta_model and tta_pipeline, '
                        'or by default the average of the scores of the image and its '
                        'horizontal flip')
    parser.add_argument('--on-train-set', action='store_true',
                        help='(mmltbin) evaluate on the training images (e.g. the long-tailed '
                        'subset as trained on) with the test pipeline: how well the model fits '
                        'its own training data')
    add_common_args(parser)
    args = parser.parse_args()
    check_out_args(args)
    return args


def check_out_args(args: argparse.Namespace) -> None:
    """Resolve ``--out-item`` from ``--out``'s suffix and refuse what cannot be written.

    Example:
        >>> args = argparse.Namespace(out='metrics.json', out_item=None)
        >>> check_out_args(args); args.out_item
        'metrics'
    """
    if args.out is None:
        if args.out_item is not None:
            raise ValueError('--out-item needs --out FILE to write to')
        return
    if args.out_item is None:
        args.out_item = 'pred' if args.out.endswith(PRED_SUFFIXES) else 'metrics'
    suffixes = PRED_SUFFIXES if args.out_item == 'pred' else METRIC_SUFFIXES
    if not args.out.endswith(suffixes):
        raise ValueError(f'--out: {args.out_item} are written to a file ending with '
                         f'{", ".join(suffixes)}, got "{args.out}"')


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the test flags into the config; ``--cfg-options`` win, merged last."""
    cfg.load_from = args.checkpoint
    if args.on_train_set:
        cfg = use_train_set_for_test(cfg)
    if args.amp:
        cfg.test_cfg = cfg.get('test_cfg') or ConfigDict()
        cfg.test_cfg.fp16 = True
    if args.show or args.show_dir is not None:
        visualization = cfg.get('default_hooks', {}).get('visualization')
        if visualization is None:
            raise KeyError('--show / --show-dir need a VisualizationHook in the config: '
                           "default_hooks.visualization=dict(type='VisualizationHook')")
        visualization.update(enable=True, show=args.show, wait_time=args.wait_time,
                             out_dir=args.show_dir, interval=args.interval)
    if args.tta:
        cfg = add_flip_tta(cfg)
    loader = cfg.test_dataloader
    loader.setdefault('collate_fn', dict(type='default_collate'))
    if args.no_pin_memory:
        loader.pin_memory = False
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    args = parse_args()
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint file "{args.checkpoint}" does not exist')
    cfg = prepare_cpu_distributed(merge_args(load_config(args), args))
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)

    if args.out_item == 'pred':
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if args.out_item == 'metrics' and runner.rank == 0:
        mmengine.dump(metrics, args.out)
    destroy_process_group()


if __name__ == '__main__':
    main()
