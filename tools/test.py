"""Test (evaluate) a checkpoint with an mmltbin (or any mmpretrain) config.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl]
        [--out-item metrics|pred] [--cfg-options k=v ...] [--launcher pytorch]

Distributed: ``bash tools/dist_test.sh CONFIG CHECKPOINT N``.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults
from mmengine.runner import Runner

import mmltbin  # noqa: F401  (registers components, `mmltbin::` configs, safe loading)
from mmltbin.utils import prepare_cpu_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save the evaluation metrics')
    parser.add_argument('--out', help='the file to dump results to (.pkl or .json)')
    parser.add_argument('--out-item', choices=['metrics', 'pred'], default='metrics',
                        help='what to dump with --out: the metrics (default) or every prediction')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    args = parse_args()
    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint')):
        if '://' not in path and not osp.isfile(path):
            raise FileNotFoundError(f'{what} file "{path}" does not exist')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle', '.json')):
        raise ValueError(f'--out must end with .pkl, .pickle or .json, got "{args.out}"')
    cfg = merge_args(Config.fromfile(args.config), args)
    cfg = prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)

    if args.out and args.out_item == 'pred':
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if args.out and args.out_item == 'metrics' and runner.rank == 0:
        import mmengine
        mmengine.dump(metrics, args.out)


if __name__ == '__main__':
    main()
