"""Count parameters (binary and real apart), BOPs, FLOPs, OPs and the 1-bit model size.

OPs = BOPs / 64 + FLOPs, the convention of Bi-Real Net and ReActNet (see
``mmltbin/analysis/op_counter.py`` for what is counted).

Usage:
    python tools/analysis_tools/get_ops.py CONFIG [--shape H W] [--channels C] [--per-layer]
        [--json OUT] [--time-batch B] [--cfg-options k=v ...]

``--time-batch B`` also measures seconds per 1000 images of a training forward + backward pass
at batch B with the current thread count (prefix ``OMP_NUM_THREADS=1`` for one thread).

Example (ReActNet-A as published: 224x224 input, stride-2 stem, 1000 classes):
    python tools/analysis_tools/get_ops.py configs/_base_/models/reactnet-a.py --shape 224 224 \
        --cfg-options model.backbone.stem_stride=2 model.head.num_classes=1000
"""
import argparse
import json

import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

import mmltbin  # noqa: F401  (registers the components)
from mmltbin.analysis import count_ops, format_op_count, time_train_step
from mmltbin.utils import find_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Count the operations of a (binary) model')
    parser.add_argument('config', help='config file holding `model`')
    parser.add_argument('--shape', type=int, nargs=2, default=[32, 32], metavar=('H', 'W'),
                        help='input height and width (default: 32 32)')
    parser.add_argument('--channels', type=int, default=None,
                        help='input channels (default: in_channels of the first convolution)')
    parser.add_argument('--per-layer', action='store_true', help='also print every layer')
    parser.add_argument('--json', help='write the totals to this JSON file')
    parser.add_argument('--time-batch', type=int, default=0, metavar='B',
                        help='also time forward+backward at this batch size (0: do not)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, e.g. model.head.num_classes=1000')
    return parser.parse_args()


def first_conv_channels(model: nn.Module) -> int:
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            return module.in_channels
    raise ValueError('get_ops: the model has no Conv2d; give --channels')


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(find_config(args.config))
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if 'model' not in cfg:
        raise KeyError(f'config "{args.config}" has no `model`')
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    from mmpretrain.registry import MODELS
    model = MODELS.build(cfg.model)
    channels = args.channels or first_conv_channels(model)
    count = count_ops(model, (channels, *args.shape))
    print(format_op_count(count, per_layer=args.per_layer))
    result = dict(config=args.config, cfg_options=args.cfg_options or {}, **count.as_dict())
    if args.time_batch > 0:
        seconds = time_train_step(model, (channels, *args.shape), args.time_batch)
        threads = torch.get_num_threads()
        print(f'train step speed     : {seconds:.2f} s per 1000 images (forward+backward, '
              f'batch {args.time_batch}, {threads} thread{"s" if threads > 1 else ""})')
        result.update(seconds_per_1000_images=seconds, time_batch=args.time_batch,
                      threads=threads)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
