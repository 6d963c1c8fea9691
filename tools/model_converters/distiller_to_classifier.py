"""Turn a ``CalibratedDistiller`` checkpoint into a plain mmpretrain ``ImageClassifier``.

The distiller keeps its student in ``ImageClassifier``'s layout (``backbone.*``, ``neck.*``,
``head.*``), so its checkpoint already loads into an ImageClassifier with ``strict=False``. This
tool writes the clean version for inference and deployment:

- ``OUT.pth``: ``{'state_dict': <student only>, 'meta': <the run's meta>}`` (no teacher,
  projector, balancer, optimizer or resume state; ``meta['dataset_meta']`` keeps the class
  counts that ``ClassCountsHook`` gives ``ShotAccuracy`` when testing);
- ``OUT.py`` (``--out-config``, default: ``OUT.pth`` with ``.py``): the distillation config with
  ``model`` replaced by the student ``ImageClassifier`` and ``AdversarialBalanceHook`` removed,
  for ``tools/test.py``, the inferencer or ``tools/model_converters/export_packed.py``.

It then builds the ImageClassifier from ``OUT.py`` and loads ``OUT.pth`` strictly (skip with
``--no-check``).

Usage:
    python tools/model_converters/distiller_to_classifier.py CONFIG CHECKPOINT OUT.pth
        [--out-config OUT.py] [--no-check] [--cfg-options k=v ...]
    python tools/test.py OUT.py OUT.pth
"""
import argparse
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict

from mmengine.config import Config, DictAction

import mmltbin  # noqa: F401  (registers the components and the safe checkpoint loader)
from mmltbin.apis.student_config import STUDENT_PARTS, student_config
from mmltbin.utils import load_checkpoint_safely


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='CalibratedDistiller -> ImageClassifier')
    parser.add_argument('config', help='the distillation config')
    parser.add_argument('checkpoint', help='a checkpoint of that run')
    parser.add_argument('out', help='output checkpoint (.pth)')
    parser.add_argument('--out-config', help='output config (default: OUT with .py)')
    parser.add_argument('--no-check', action='store_true',
                        help='do not build the classifier and load the output to check it')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config')
    return parser.parse_args()


def student_state_dict(state_dict: Dict) -> 'OrderedDict':
    """The ``backbone.* / neck.* / head.*`` entries (a DDP ``module.`` prefix removed)."""
    out = OrderedDict()
    for key, value in state_dict.items():
        if key.startswith('module.'):
            key = key[len('module.'):]
        if key.split('.', 1)[0] in STUDENT_PARTS:
            out[key] = value
    if not out:
        raise ValueError('distiller_to_classifier: the checkpoint holds no backbone/neck/head '
                         'weights; is it a CalibratedDistiller checkpoint?')
    return out


def check(cfg: Config, state_dict: Dict) -> int:
    """Build the ImageClassifier of ``cfg`` and load ``state_dict`` strictly; its size."""
    from mmengine.registry import DefaultScope

    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.load_state_dict(state_dict, strict=True)
    return sum(p.numel() for p in model.parameters())


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    out_cfg = student_config(cfg)
    ckpt = load_checkpoint_safely(args.checkpoint, map_location='cpu')
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state_dict, dict):
        raise ValueError(f'distiller_to_classifier: "{args.checkpoint}" holds no state dict')
    student = student_state_dict(state_dict)
    meta = dict(ckpt.get('meta') or {}) if 'state_dict' in ckpt else {}
    meta['converted_from'] = osp.abspath(args.checkpoint)

    import torch
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    torch.save({'state_dict': student, 'meta': meta}, args.out)
    out_config = args.out_config or osp.splitext(args.out)[0] + '.py'
    out_cfg.dump(out_config)
    print(f'student checkpoint: {args.out} ({len(student)} tensors)')
    print(f'student config:     {out_config}')
    if not args.no_check:
        params = check(Config.fromfile(out_config), student)
        print(f'check: the ImageClassifier ({params} parameters) loads it strictly')


if __name__ == '__main__':
    main()
