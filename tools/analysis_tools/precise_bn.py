"""Re-estimate the BatchNorm statistics of a trained checkpoint on its training images.

What ``FinalPreciseBNHook`` does after the last epoch, for a checkpoint trained without it:
the model of CONFIG is loaded from CHECKPOINT, put in training mode and fed ``--num-samples``
training images (the config's training pipeline, sampler and batch augments such as Mixup,
no optimiser step); every BatchNorm layer in training mode gets the mean of the per-batch
statistics (mmpretrain's ``update_bn_stats``). Frozen parts in eval mode (a distiller's
teacher) are left alone.

``OUT.pth`` holds ``state_dict`` (the checkpoint's, with the new statistics) and ``meta`` (the
run's, so ``tools/test.py`` still finds the class counts); no optimizer or resume state.

Usage:
    python tools/analysis_tools/precise_bn.py CONFIG CHECKPOINT OUT.pth [--num-samples 8192]
        [--seed 0] [--no-batch-augments] [--cfg-options k=v ...]
    python tools/test.py CONFIG OUT.pth
"""
import argparse
import os
import os.path as osp
import tempfile

import torch
from mmengine.config import Config, DictAction

import mmltbin  # noqa: F401  (registers the components and the safe checkpoint loader)
from mmltbin.utils import load_checkpoint_safely


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Re-estimate the BatchNorm statistics of a checkpoint')
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('out', help='output checkpoint (.pth)')
    parser.add_argument('--num-samples', type=int, default=8192,
                        help='training images to estimate from (at most one pass; default 8192)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the sampler and pipeline')
    parser.add_argument('--no-batch-augments', action='store_true',
                        help="feed the batches without the data preprocessor's Mixup / CutMix "
                        "(mmpretrain's PreciseBNHook); default: as training sees them")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    from mmengine.runner import Runner
    from mmltbin.engine.hooks.final_precise_bn_hook import reestimate_bn, training_bn_layers

    args = parse_args(argv)
    if args.num_samples < 1:
        raise ValueError(f'--num-samples must be >= 1, got {args.num_samples}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    checkpoint = load_checkpoint_safely(args.checkpoint)
    if 'state_dict' not in checkpoint:
        raise ValueError(f'{args.checkpoint} has no "state_dict" (keys: {sorted(checkpoint)})')
    with tempfile.TemporaryDirectory() as work_dir:
        cfg.work_dir = work_dir
        cfg.load_from, cfg.resume = None, False
        cfg.randomness = dict(seed=args.seed)
        cfg.log_level = 'WARNING'
        runner = Runner.from_cfg(cfg)
        runner.load_checkpoint(args.checkpoint)
        model = runner.model
        model.train()
        layers = training_bn_layers(model)
        if not layers:
            raise ValueError(f'{args.config}: the model ({type(model).__name__}) has no '
                             'BatchNorm layer in training mode; nothing to re-estimate')
        loader = runner.build_dataloader(cfg.train_dataloader)
        if args.num_samples < loader.batch_size:
            raise ValueError(f'--num-samples {args.num_samples} is less than one batch '
                             f'(train_dataloader.batch_size {loader.batch_size})')
        with torch.no_grad():
            reestimate_bn(model, loader, args.num_samples,
                          batch_augments=not args.no_batch_augments)
        state = model.state_dict()
    out_state = {k: state.get(k, v) for k, v in checkpoint['state_dict'].items()}
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    torch.save(dict(state_dict=out_state, meta=checkpoint.get('meta', {})), args.out)
    used = min(args.num_samples // loader.batch_size, len(loader)) * loader.batch_size
    print(f'{len(layers)} BatchNorm layers re-estimated from about {used} training images; '
          f'wrote {args.out}')


if __name__ == '__main__':
    main()
