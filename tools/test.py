"""Test (evaluate) a checkpoint with an mmltbin (or any mmpretrain) config.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.json]
        [--out-item metrics|pred] [--on-train-set] [--cfg-options k=v ...]
        [--launcher pytorch]

Distributed: ``bash tools/dist_test.sh CONFIG CHECKPOINT N``.
"""
import argparse
import os.path as osp

import mmengine
from mmengine.evaluator import DumpResults
from mmengine.runner import Runner

import mmltbin  # noqa: F401  (registers components, `mmltbin::` configs, safe loading)
from mmltbin.utils import (add_common_args, destroy_process_group, load_config,
                           prepare_cpu_distributed, use_train_set_for_test)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='the file to dump to: metrics as .json/.pkl, '
                        'predictions (--out-item pred) as .pkl')
    parser.add_argument('--out-item', choices=['metrics', 'pred'], default='metrics',
                        help='what to dump with --out: the metrics (default) or every prediction')
    parser.add_argument('--on-train-set', action='store_true',
                        help='evaluate on the training images (e.g. the long-tailed subset as '
                        'trained on) with the test pipeline: how well the model fits its own '
                        'training data')
    add_common_args(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint file "{args.checkpoint}" does not exist')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle', '.json')):
        raise ValueError(f'--out must end with .pkl, .pickle or .json, got "{args.out}"')
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.on_train_set:
        cfg = use_train_set_for_test(cfg)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg = prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)

    if args.out and args.out_item == 'pred':
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if args.out and args.out_item == 'metrics' and runner.rank == 0:
        mmengine.dump(metrics, args.out)
    destroy_process_group()


if __name__ == '__main__':
    main()
