"""Test an exported OpenVINO model on a config's test set: many / medium / few / all.

The exported model (tools/deployment/export_openvino.py) replaces the config's model in the
usual mmengine test loop, with the config's own data preprocessor and evaluator (ShotAccuracy for
the long-tailed configs), so the numbers are computed as tools/test.py computes them for the
torch model. With ``--checkpoint`` it also runs the torch model on the same images and reports
the top-1 agreement and the logit differences (the exported model at batch 1), the torch
model's metrics beside the exported model's, and both models' latency at batch 1 (one test
image, interleaved, ``--rounds`` calls each). ``--torch-batch1`` also runs torch one image at a
time and traces every image whose exported logits differ from it by more than 1e-4 to the first
binary activation that flips (and how near its threshold it was).

Usage:
    python tools/deployment/test_openvino.py CONFIG OUT_DIR [--checkpoint CKPT]
        [--torch-batch1] [--threads N] [--rounds N] [--out metrics.json]
        [--markdown summary.md] [--work-dir DIR] [--cfg-options k=v ...]
"""
import argparse
import json
import os.path as osp
import sys
import time

import mmltbin  # noqa: F401  (registers the components and the safe checkpoint loader)
from mmltbin.deploy import INSTALL_HINT, openvino_available
from mmltbin.utils import add_common_args, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an exported OpenVINO model')
    parser.add_argument('config', help='config the model was trained with (its test set)')
    parser.add_argument('model_dir', help='folder written by export_openvino.py')
    parser.add_argument('--checkpoint', help='also compare with this torch checkpoint')
    parser.add_argument('--threads', type=int,
                        help='CPU threads for OpenVINO and for torch (the whole run)')
    parser.add_argument('--rounds', type=int, default=50,
                        help='timed calls per model at batch 1 with --checkpoint (default 50)')
    parser.add_argument('--out', help='write the metrics (and the comparison) to this .json')
    parser.add_argument('--markdown', help='write a summary (with this command) to this .md')
    parser.add_argument('--torch-batch1', action='store_true',
                        help='with --checkpoint: also run torch one image at a time, to show how '
                        'far torch at batch 1 and in batches differ (rounding near thresholds)')
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


def torch_evaluation(runner, predictions, labels) -> dict:
    """The torch model's metrics from its predictions, by a copy of the run's evaluator (with
    the class counts the run gave it)."""
    import copy

    import torch
    results = {}
    for metric in runner.test_evaluator.metrics:
        metric = copy.deepcopy(metric)
        metric.results.clear()
        metric.process(None, [dict(pred_label=torch.tensor([p]), gt_label=torch.tensor([g]))
                              for p, g in zip(predictions, labels)])
        results.update(metric.evaluate(len(labels)))
    return results


def batch1_latency(cfg, torch_model, net, threads, rounds: int) -> dict:
    """Median ms per image at batch 1, exported and torch interleaved, on one test image."""
    import torch

    from mmltbin.deploy.timing import interleaved_latency
    from mmltbin.export.verify import first_test_images
    inputs, _ = first_test_images(cfg, torch_model, 1)
    if isinstance(inputs, dict):
        inputs = inputs['student']
    request = net.request(inputs.shape)
    array = inputs.numpy()

    def run_torch():
        with torch.inference_mode():
            torch_model(inputs, mode='tensor')
    times = interleaved_latency({'exported': lambda: request.infer({0: array}),
                                 'torch': run_torch}, rounds)
    return dict(times, threads=threads or torch.get_num_threads())


def print_side_by_side(exported: dict, torch_metrics: dict, latency: dict) -> None:
    keys = [k for k in ('many', 'medium', 'few', 'mean_per_class', 'top1')
            if f'accuracy/{k}' in exported]
    print(f'\n{"model":<22}' + ''.join(f'{k:>16}' for k in keys)
          + f'{"batch-1 ms":>12} ({latency["threads"]} thread(s), median)')
    for name, metrics in (('exported (OpenVINO)', exported), ('torch', torch_metrics)):
        lat = latency['exported' if name.startswith('exported') else 'torch']['median_ms']
        print(f'{name:<22}' + ''.join(f'{metrics[f"accuracy/{k}"]:>16.2f}' for k in keys)
              + f'{lat:>12.2f}')


def main() -> None:
    args = parse_args()
    if not openvino_available():
        sys.exit(INSTALL_HINT)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
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
                  kernel_ok=model.kernel_ok, model_dir=args.model_dir, config=args.config,
                  command='python ' + ' '.join(sys.argv), exported=info,
                  date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    if args.checkpoint:
        from mmltbin.deploy import load_classifier
        from mmltbin.deploy.check import compare_with_torch
        torch_model, _ = load_classifier(args.config, args.checkpoint, args.cfg_options)
        report = compare_with_torch(cfg, torch_model, model.net,
                                    torch_batch1=args.torch_batch1)
        print(report.pop('message'))
        torch_metrics = torch_evaluation(runner, report.pop('torch_predictions'),
                                         report.pop('labels'))
        latency = batch1_latency(cfg, torch_model, model.net, args.threads, args.rounds)
        print_side_by_side(metrics, torch_metrics, latency)
        record['comparison'] = dict(report, checkpoint=args.checkpoint)
        record.update(torch_metrics=torch_metrics, latency_batch1=latency)
    if args.out:
        if not args.out.endswith('.json'):
            raise ValueError(f'--out must end with .json, got "{args.out}"')
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(record, f, indent=2, default=str)
        print(f'wrote {osp.abspath(args.out)}')
    if args.markdown:
        with open(args.markdown, 'w', encoding='utf-8') as f:
            f.write(summary_markdown(record))
        print(f'wrote {osp.abspath(args.markdown)}')


def summary_markdown(record: dict) -> str:
    """The record as a short Markdown page."""
    keys = ('many', 'medium', 'few', 'mean_per_class', 'top1')
    rows = [('exported (OpenVINO, 1-bit)', record['metrics'])]
    if 'torch_metrics' in record:
        rows.append(('torch', record['torch_metrics']))
    lines = [f'# Exported model on the test set of `{record["config"]}`', '',
             f'Command: `{record["command"]}` ({record["date"]}).', '',
             f'Exported from `{record["exported"]["source"].get("checkpoint", "?")}`: '
             f'{record["exported"]["binary_layers"]} BinaryConvolution layers, '
             f'{record["exported"]["bytes"]:,} bytes (FP32 weights '
             f'{record["exported"]["fp32_bytes"]:,} bytes). Kernel: {record["kernel"]}.', '',
             '| model | ' + ' | '.join(keys) + ' | batch-1 ms (median) |',
             '|---|' + '---|' * (len(keys) + 1)]
    latency = record.get('latency_batch1', {})
    for name, metrics in rows:
        lat = latency.get('exported' if name.startswith('exported') else 'torch')
        cells = [f'{metrics[f"accuracy/{k}"]:.2f}' if f'accuracy/{k}' in metrics else '-'
                 for k in keys] + [f'{lat["median_ms"]:.2f}' if lat else '-']
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    comparison = record.get('comparison')
    if comparison:
        lines += ['', f'Against torch on {comparison["images"]} test images (exported model at '
                  f'batch 1, torch at batch {comparison["torch_batch_size"]}): top-1 agreement '
                  f'{100 * comparison["top1_agreement"]:.2f}%; {comparison["within_tolerance"]} '
                  f'images with every logit within {comparison["tolerance"]:g}; max |logit '
                  f'difference| {comparison["max_abs_diff"]:.2e}.']
        if 'torch_batch1_within_tolerance' in comparison:
            lines += ['', f'Torch against itself (one image at a time against batches of '
                      f'{comparison["torch_batch_size"]}'
                      f'): {comparison["torch_batch1_within_tolerance"]} images within '
                      f'{comparison["tolerance"]:g}, top-1 agreement '
                      f'{100 * comparison["torch_batch1_top1_agreement"]:.2f}%: rounding flips '
                      'a sign that lies within rounding of its threshold, in torch as in the '
                      'export.']
        if 'beyond_tolerance_torch_batch1' in comparison:
            lines += ['', *tie_lines(comparison)]
    if latency:
        lines += ['', f'Latency: {latency["threads"]} thread(s), one test image, the two models '
                  f'interleaved, {latency["exported"]["rounds"]} calls each.']
    return '\n'.join(lines) + '\n'


def tie_lines(comparison: dict) -> list:
    """The export against torch at batch 1, and where each image beyond tolerance diverges."""
    flips = comparison['beyond_tolerance_torch_batch1']
    tol, tie = comparison['tolerance'], comparison['tie_margin']
    within = comparison['within_tolerance_of_torch_batch1']
    lines = [f'The export against torch at batch 1: {within} of {comparison["images"]} images '
             f'within {tol:g} (the largest difference among them '
             f'{comparison["max_abs_diff_torch_batch1_within"]:.2e}), top-1 agreement '
             f'{100 * comparison["top1_agreement_torch_batch1"]:.2f}%. '
             f'{comparison["images"] - comparison["images_with_ties"]} images have no sign input '
             f'within {tie:g} of its threshold in torch; on those the largest difference is '
             f'{comparison["max_abs_diff_torch_batch1_no_ties"]:.2e}. The {len(flips)} images '
             f'beyond {tol:g}, each traced to the first sign layer where the export\'s binary '
             f'activations differ from torch\'s: {comparison["beyond_tolerance_at_ties"]} of '
             f'them start with signs whose torch input lies within {tie:g} of the threshold '
             '(ties). The last column counts the flipped signs on which torch run in float64 '
             'takes the export\'s side.', '',
             '| image | max logit diff | ties in the image | first differing sign layer | '
             'signs flipped | largest torch \\|x - t\\| among them | '
             'float64 sides with the export |',
             '|---|---|---|---|---|---|---|']
    for f in flips:
        lines.append(f'| {f["image"]} | {f["max_abs_diff"]:.2e} | {f["ties"]} | '
                     f'{f["layer"] or "none (no sign differs)"} | {f["flipped"]} | '
                     f'{f["max_margin"]:.2e} | {f["float64_agrees"]} of {f["flipped"]} |')
    return lines


if __name__ == '__main__':
    main()
