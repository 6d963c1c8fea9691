"""Pack a binary model's weights into real bits (1 bit per binary weight), or unpack them.

``pack`` folds every BinaryConv2d into ``numpy.packbits`` sign bits plus its per-output-channel
scales (float32), keeps the real-valued tensors as they are, and writes one ``.npz`` file
(loaded with ``allow_pickle=False``; the model config is stored inside). It then reloads the
file into a fresh model and checks, on images of the config's test set, that its outputs equal
the original model's. It prints the packed size beside the FP32 state dict's and the floor
(1 bit per binary weight plus the real parameters and buffers). ``--fp16`` stores the real
convolutions and linear layers in float16 (smaller, lossy: the check then reports the
difference and the top-1 agreement instead of requiring equal outputs).

``unpack`` writes a plain checkpoint (``{'state_dict', 'meta'}``, weights only) of the
equivalent model, which ``tools/test.py CONFIG OUT.pth`` evaluates like any checkpoint.
In Python: ``mmltbin.export.load_packed(PACKED)`` returns the model itself.

Usage:
    python tools/model_converters/export_packed.py pack CONFIG CHECKPOINT OUT.npz
        [--check-images N] [--fp16] [--cfg-options k=v ...]
    python tools/model_converters/export_packed.py unpack PACKED.npz OUT.pth
"""
import argparse
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

import mmltbin  # noqa: F401  (registers the components and the safe checkpoint loader)
from mmltbin.export import (export_packed, first_test_images, load_packed, max_output_difference,
                            model_config, packed_floor_bytes, packed_to_checkpoint,
                            state_dict_bytes)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Packed 1-bit export of binary models')
    sub = parser.add_subparsers(dest='command', required=True)
    pack = sub.add_parser('pack', help='checkpoint -> packed .npz')
    pack.add_argument('config', help='config file holding `model` (and a test_dataloader)')
    pack.add_argument('checkpoint', help='trained checkpoint of that model')
    pack.add_argument('out', help='output file, ending with .npz')
    pack.add_argument('--check-images', type=int, default=256,
                      help='compare outputs on this many test-set images (0: skip; default 256)')
    pack.add_argument('--fp16', action='store_true',
                      help='store the real convolutions and linear layers (stem, shortcuts, '
                      'classifier) in float16 (lossy)')
    pack.add_argument('--cfg-options', nargs='+', action=DictAction,
                      help='override settings in the config')
    unpack = sub.add_parser('unpack', help='packed .npz -> plain checkpoint for tools/test.py')
    unpack.add_argument('packed', help='packed .npz file')
    unpack.add_argument('out', help='output checkpoint (.pth)')
    return parser.parse_args()


def check_outputs(cfg: Config, original, loaded, num_images: int, exact: bool = True) -> None:
    """Compare both models' logits on the first ``num_images`` of the config's test set."""
    if not cfg.get('test_dataloader'):
        print('check skipped: the config has no test_dataloader')
        return
    inputs, _ = first_test_images(cfg, original, num_images)
    max_diff, max_ref = max_output_difference(original, loaded, inputs)
    print(f'check on {len(inputs)} test images: max |logit difference| = {max_diff:.3e} '
          f'(max |logit| {max_ref:.3e})')
    if not exact:
        with torch.no_grad():
            same = (original(inputs, mode='tensor').argmax(1)
                    == loaded(inputs, mode='tensor').argmax(1)).float().mean().item()
        print(f'top-1 agreement: {100 * same:.2f}%')
        return
    if max_diff > 1e-5 * max(1.0, max_ref):
        raise RuntimeError(f'the packed model differs from the original (max |diff| {max_diff})')


def pack(args: argparse.Namespace) -> None:
    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file "{path}" does not exist')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    from mmpretrain.registry import MODELS
    model_cfg = model_config(cfg)
    model = MODELS.build(model_cfg)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()
    size = export_packed(model, args.out, model_cfg=model_cfg, fp16=args.fp16)
    fp32 = state_dict_bytes(model)
    floor = packed_floor_bytes(model, fp16=args.fp16)
    print(f'packed model    : {args.out}: {size:,} bytes ({size / 2**20:.3f} MiB)')
    print(f'floor           : {floor:,} bytes (1 bit per binary weight + the real entries'
          f'{", FP layers in float16" if args.fp16 else ""}); the file is {size / floor:.3f}x it')
    print(f'FP32 state dict : {fp32:,} bytes ({fp32 / 2**20:.3f} MiB); ratio x{fp32 / size:.1f}')
    print(f'given checkpoint: {osp.getsize(args.checkpoint):,} bytes (may hold optimizer state)')
    if args.check_images > 0:
        check_outputs(cfg, model, load_packed(args.out), args.check_images, exact=not args.fp16)


def main() -> None:
    args = parse_args()
    if args.command == 'pack':
        pack(args)
    else:
        packed_to_checkpoint(args.packed, args.out)
        print(f'wrote {args.out}; evaluate it with tools/test.py CONFIG {args.out}')


if __name__ == '__main__':
    main()
