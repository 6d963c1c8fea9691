"""Export a trained binary classifier to OpenVINO with real 1-bit convolutions.

Writes OUT_DIR/model.xml, model.bin (every binary convolution a ``BinaryConvolution`` with 1-bit
weights; signs as two-level quantisers; scales and BatchNorm folded; stem, shortcuts, RPReLU
and classifier as ordinary ops) and OUT_DIR/deploy.json. A ``CalibratedDistiller`` config and
checkpoint export the student. The model's input is the config's data preprocessor output.

It then checks the export on images of the config's test set (logits against torch at batch 1,
top-1 agreement) and which kernel OpenVINO's CPU plugin runs the 1-bit convolutions with.

Usage:
    python tools/deployment/export_openvino.py CONFIG CHECKPOINT OUT_DIR
        [--fp16] [--check-images N] [--cfg-options k=v ...]
    python tools/deployment/test_openvino.py CONFIG OUT_DIR      # many / medium / few / all
"""
import argparse
import sys

from mmengine.config import DictAction

import mmltbin  # noqa: F401  (registers the components and the safe checkpoint loader)
from mmltbin.deploy import INSTALL_HINT, openvino_available


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Binary classifier -> OpenVINO (1-bit ops)')
    parser.add_argument('config', help='config file of the model (a distillation config too)')
    parser.add_argument('checkpoint', help='trained checkpoint of that model')
    parser.add_argument('out_dir', help='output folder (model.xml, model.bin, deploy.json)')
    parser.add_argument('--fp16', action='store_true',
                        help='store the classifier\'s weights as float16 (smaller, not exact)')
    parser.add_argument('--check-images', type=int, default=64,
                        help='compare with torch on this many test images, one at a time '
                        '(0: skip; default 64)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not openvino_available():
        sys.exit(INSTALL_HINT)
    from mmltbin.deploy import export_openvino, load_classifier
    from mmltbin.deploy.check import compare_with_torch
    model, cfg = load_classifier(args.config, args.checkpoint, args.cfg_options)
    info = export_openvino(model, args.out_dir, fp16=args.fp16,
                           source=dict(config=args.config, checkpoint=args.checkpoint))
    print(f'wrote {args.out_dir}/model.xml, model.bin: {info["binary_layers"]} BinaryConvolution '
          f'layers, {info["bytes"]:,} bytes; FP32 weights {info["fp32_bytes"]:,} bytes '
          f'(x{info["ratio"]:.1f} smaller)')
    if args.check_images > 0 and cfg.get('test_dataloader'):
        report = compare_with_torch(cfg, model, args.out_dir, args.check_images)
        print(report['message'])


if __name__ == '__main__':
    main()
