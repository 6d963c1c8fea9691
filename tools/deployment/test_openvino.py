"""Test an exported OpenVINO model on a config's test set: many / medium / few / all.

The exported model (tools/deployment/export_openvino.py) replaces the config's model in the
usual mmengine test loop, with the config's own data preprocessor and evaluator (ShotAccuracy for
the long-tailed configs), so the numbers are computed as tools/test.py computes them for the
torch model. With ``--checkpoint`` it also runs the torch model on the same images and reports
the top-1 agreement and the logit differences (the exported model at batch 1).

Usage:
    python tools/deployment/test_openvino.py CONFIG OUT_DIR [--checkpoint CKPT]
        [--threads N] [--out metrics.json] [--work-dir DIR] [--cfg-options k=v ...]
"""
import argparse
import json
import os.path as osp
import sys

import mmltbin  # noqa: F401  (registers the components and the safe checkpoint loader)
from mmltbin.deploy import INSTALL_HINT, openvino_available
from mmltbin.utils import add_common_args, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an exported OpenVINO model')
    parser.add_argument('config', help='config the model was trained with (its test set)')
    parser.add_argument('model_dir', help='folder written by export_openvino.py')
    parser.add_argument('--checkpoint', help='also compare with this torch checkpoint')
    parser.add_argument('--threads', type=int, help='CPU threads for OpenVINO')
    parser.add_argument('--out', help='write the metrics (and the comparison) to this .json')
    add_common_args(parser)
    return parser.parse_args()


def exported_model_config(cfg, model_dir: str, threads=None) -> dict:
    """``cfg.model`` replaced by the exported model, keeping the data preprocessor."""
    from mmltbin.export.verify import model_config
    model = model_config(cfg)
    pre = dict(model.get('data_preprocessor') or {})
    # the type the trained model would have defaulted to
    distiller = model.get('type') in ('CalibratedDistiller', 'mmpretrain.CalibratedDistiller')
    pre.setdefault('type', 'MultiResDataPreprocessor' if distiller else 'ClsDataPreprocessor')
    return dict(type='OpenVINOClassifier', model_dir=model_dir, num_threads=threads,
                data_preprocessor=pre)


def main() -> None:
    args = parse_args()
    if not openvino_available():
        sys.exit(INSTALL_HINT)
    from mmengine.runner import Runner
    from mmltbin.deploy import read_deploy_info
    info = read_deploy_info(args.model_dir)
    cfg = load_config(args)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    test_cfg = cfg.copy()
    test_cfg.model = exported_model_config(cfg, args.model_dir, args.threads)
    test_cfg.load_from = None
    test_cfg.custom_hooks = []  # training-time hooks of the torch model (e.g. the balancer's)
    runner = Runner.from_cfg(test_cfg)
    metrics = runner.test()
    model = runner.model
    print(f'exported model {args.model_dir} ({info["binary_layers"]} BinaryConvolution layers, '
          f'{info["bytes"]:,} bytes): ' + ', '.join(
              f'{k.split("/")[-1]} {v:.2f}' for k, v in metrics.items()
              if isinstance(v, float)))
    print(f'kernel: {model.kernel_message}')
    record = dict(metrics={k: v for k, v in metrics.items()}, kernel=model.kernel_message,
                  kernel_ok=model.kernel_ok, model_dir=args.model_dir, config=args.config)
    if args.checkpoint:
        from mmltbin.deploy import load_classifier
        from mmltbin.deploy.check import compare_with_torch
        torch_model, _ = load_classifier(args.config, args.checkpoint, args.cfg_options)
        report = compare_with_torch(cfg, torch_model, model.net)
        print(report.pop('message'))
        record['comparison'] = dict(report, checkpoint=args.checkpoint)
    if args.out:
        if not args.out.endswith('.json'):
            raise ValueError(f'--out must end with .json, got "{args.out}"')
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(record, f, indent=2, default=str)
        print(f'wrote {osp.abspath(args.out)}')


if __name__ == '__main__':
    main()
