"""Keep the calibrated head of a calibration checkpoint (drop the frozen ImageNet encoder).

A calibration run (``configs/ltbin/calibrate_*.py``) saves the encoder it never trained beside
the linear head it did; the head alone (a few KB for ten classes) plus the converted ImageNet
encoder (``tools/model_converters/efficientnet_lite_to_timm.py``) rebuild the teacher:
``mmltbin.get_model(NAME, pretrained=True, encoder_checkpoint=PATH)``. The output holds
``{'state_dict': <head.* tensors>, 'meta': {'dataset_meta': ...}}`` and loads with
``weights_only=True``.

Usage:
    python tools/model_converters/teacher_head.py CHECKPOINT OUT.pth
"""
import argparse
import os
import os.path as osp

import torch

from mmltbin.utils import load_checkpoint_safely


def main() -> None:
    parser = argparse.ArgumentParser(description='calibration checkpoint -> its head only')
    parser.add_argument('checkpoint', help='checkpoint of a calibration run')
    parser.add_argument('out', help='output file (.pth)')
    args = parser.parse_args()
    ckpt = load_checkpoint_safely(args.checkpoint)
    state_dict = ckpt.get('state_dict', {}) if isinstance(ckpt, dict) else {}
    head = {k: v for k, v in state_dict.items() if k.startswith('head.')}
    if not head or not any(k.startswith('encoder.') for k in state_dict):
        raise ValueError(f'teacher_head: "{args.checkpoint}" is not a calibration checkpoint '
                         '(it needs encoder.* and head.* entries)')
    meta = {'dataset_meta': ckpt.get('meta', {}).get('dataset_meta')}
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    torch.save({'state_dict': head, 'meta': meta}, args.out)
    print(f'{args.out}: {len(head)} tensors, {osp.getsize(args.out):,} bytes')


if __name__ == '__main__':
    main()
