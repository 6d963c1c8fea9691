"""Test a model of mmltbin's zoo, as ``mmltbin.get_model(NAME, pretrained=True)`` loads it.

The metrics of ``configs/*/metafile.yml`` come from this tool: it loads the shipped file
(``Weights`` in the metafile; a packed student unpacked into its classifier) and runs the
config's test loop and evaluator on it.

Usage:
    python tools/analysis_tools/test_zoo_model.py NAME [--work-dir DIR] [--out FILE.json]
        [--num-images N] [--encoder-checkpoint PATH]
"""
import argparse
import json
import os.path as osp

import mmltbin


def main() -> None:
    parser = argparse.ArgumentParser(description='Test a model-zoo model')
    parser.add_argument('name', help=f'a model name: {", ".join(mmltbin.list_models())}')
    parser.add_argument('--work-dir', help='logs (default: work_dirs/zoo/NAME)')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--num-images', type=int, help='only the first N test images')
    parser.add_argument('--encoder-checkpoint',
                        help='a calibrated teacher\'s ImageNet encoder (default: its config\'s)')
    args = parser.parse_args()
    kwargs = {}
    if args.encoder_checkpoint:
        kwargs['encoder_checkpoint'] = args.encoder_checkpoint
    from mmltbin.apis.model_zoo import evaluate_zoo_model
    work_dir = args.work_dir or osp.join('work_dirs', 'zoo', args.name)
    metrics = evaluate_zoo_model(args.name, work_dir, num_images=args.num_images, **kwargs)
    print(json.dumps(metrics))
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(metrics, f)


if __name__ == '__main__':
    main()
