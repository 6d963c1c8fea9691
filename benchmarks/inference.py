"""Inference latency of binary networks: OpenVINO 1-bit against torch and FP32 references.

For ReActNet-A at 224 px / 1000 classes and for the Fashion-MNIST-LT student (ReActNet-A,
width 0.25, 32 px, 10 classes), at batch 1 and 16 and with 1 and 2 threads, it times:

* ``ov_binary``: the exported graph (``BinaryConvolution`` with 1-bit weights);
* ``ov_fp32``: the same network in OpenVINO, FP32 ops (``INFERENCE_PRECISION_HINT`` f32);
* ``torch`` / ``torch_nocache``: the torch model (the FP32 simulation of the binary ops), with
  and (at batch 1, where it matters) without BinaryConv2d's eval-mode weight cache;
* ``ov_resnet18`` / ``torch_resnet18``: an FP32 torchvision ResNet-18 (random weights) at the
  same input size and classes, in OpenVINO (converted from torch) and in torch.

Within one setting (batch, threads) the variants run interleaved in one process, one call of
each per round, so that load from other processes hits all of them alike; the record keeps
the median and the minimum per variant, and the ratios are of medians. The kernel that ran each
binary graph's 1-bit convolutions is read from OpenVINO's execution graph. The record (JSON)
and a Markdown table, with the targets met or missed computed from the record, go to
``--out`` (``.json`` / ``.md``).

Usage:
    python benchmarks/inference.py [--out benchmarks/results/inference]
        [--student-config CONFIG --student-checkpoint CKPT] [--rounds-b1 N] [--rounds-b16 N]
"""
import argparse
import os
import os.path as osp
import platform
import sys
import tempfile
from datetime import datetime, timezone
from typing import Callable, Dict, List

import numpy as np
import torch

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import records as rec  # noqa: E402

import mmltbin  # noqa: E402,F401
from mmltbin.deploy import (OpenVINOModel, build_openvino_model, check_binary_kernel,  # noqa: E402
                            compile_config, export_openvino, fp32_bytes, import_openvino)
from mmltbin.deploy.timing import interleaved_latency  # noqa: E402
from mmltbin.models.layers import BinaryConv2d  # noqa: E402

VARIANTS = ('ov_binary', 'ov_fp32', 'torch', 'torch_nocache', 'ov_resnet18', 'torch_resnet18')
#: (name, variant compared, batch, minimum speed-up of ov_binary) for ReActNet-A at 224 px
TARGETS = [('over the same network in OpenVINO FP32', 'ov_fp32', 1, 5.0),
           ('over the same network in OpenVINO FP32', 'ov_fp32', 16, 7.0),
           ('over FP32 ResNet-18 (the faster of OpenVINO and torch)', 'resnet18', 1, 2.0),
           ('over FP32 ResNet-18 (the faster of OpenVINO and torch)', 'resnet18', 16, 2.0)]
FILE_TARGET = 14.0  # the exported file at most 1/14 of the FP32 checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Latency of binary networks (see docstring)')
    parser.add_argument('--out', default=osp.join(HERE, 'results', 'inference'),
                        help='output prefix: writes PREFIX.json and PREFIX.md')
    parser.add_argument('--student-config', default=osp.join(
                        ROOT, 'configs/baselines/reactnet-a_ce_fashion-mnist-lt.py'),
                        help='config of the Fashion-MNIST-LT student (its architecture)')
    parser.add_argument('--student-checkpoint', help='trained student (default: random weights)')
    parser.add_argument('--rounds-b1', type=int, default=10, help='rounds at batch 1')
    parser.add_argument('--rounds-b16', type=int, default=2, help='rounds at larger batches')
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 16])
    return parser.parse_args()


def imagenet_reactnet() -> torch.nn.Module:
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ReActNet', arch='A', widen_factor=1.0, stem_stride=2),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=1024)))
    model.init_weights()
    return model.eval()


def student(config: str, checkpoint) -> torch.nn.Module:
    if checkpoint:
        from mmltbin.deploy import load_classifier
        return load_classifier(config, checkpoint)[0]
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    from mmltbin.export.verify import model_config
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(model_config(Config.fromfile(config)))
    model.init_weights()
    return model.eval()


def resnet18(num_classes: int) -> torch.nn.Module:
    import torchvision
    torch.manual_seed(0)
    return torchvision.models.resnet18(num_classes=num_classes).eval()


def torch_call(model: torch.nn.Module, x: torch.Tensor, cache: bool, classifier: bool):
    def run():
        BinaryConv2d.EVAL_CACHE = cache
        with torch.inference_mode():
            return model(x, mode='tensor') if classifier else model(x)
    return run


def ov_call(net: OpenVINOModel, x: np.ndarray):
    request = net.request(x.shape)
    return lambda: request.infer({0: x})


def measure(calls: Dict[str, Callable], rounds: int, threads: int) -> Dict[str, Dict]:
    torch.set_num_threads(threads)
    try:
        return interleaved_latency(calls, rounds)
    finally:
        BinaryConv2d.EVAL_CACHE = True


def bench_network(name: str, model: torch.nn.Module, size: int, num_classes: int,
                  args: argparse.Namespace, workdir: str) -> Dict:
    ov, _ = import_openvino()
    export_dir = osp.join(workdir, name)
    info = export_openvino(model, export_dir)
    info_fp16 = export_openvino(model, export_dir + '_fp16', fp16=True)
    fp32_graph = build_openvino_model(model, binary=False)
    reference = resnet18(num_classes)
    example = torch.zeros(1, 3, size, size)
    ov_resnet = ov.convert_model(reference, example_input=example)
    record = dict(network=name, input=[3, size, size], num_classes=num_classes,
                  binary_layers=info['binary_layers'], file_bytes=info['bytes'],
                  file_bytes_fp16_head=info_fp16['bytes'], fp32_checkpoint_bytes=fp32_bytes(model),
                  settings=[])
    for threads in args.threads:
        nets = {key: OpenVINOModel(graph, num_threads=threads) for key, graph in (
            ('ov_binary', osp.join(export_dir, 'model.xml')), ('ov_fp32', fp32_graph),
            ('ov_resnet18', ov_resnet))}
        for batch in args.batches:
            rng = np.random.default_rng(0)
            x = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
            xt = torch.from_numpy(x)
            ok, kernel = check_binary_kernel(nets['ov_binary'].compiled(x.shape),
                                             info['binary_layers'])
            calls = {
                'ov_binary': ov_call(nets['ov_binary'], x),
                'ov_fp32': ov_call(nets['ov_fp32'], x),
                'torch': torch_call(model, xt, True, True),
                'torch_nocache': torch_call(model, xt, False, True),
                'ov_resnet18': ov_call(nets['ov_resnet18'], x),
                'torch_resnet18': torch_call(reference, xt, True, False),
            }
            if batch > 1:  # the weights' cost is per call: the cache matters at batch 1
                del calls['torch_nocache']
            rounds = args.rounds_b1 if batch == 1 else args.rounds_b16
            print(f'{name}: batch {batch}, {threads} thread(s), {rounds} rounds ...', flush=True)
            times = measure(calls, rounds, threads)
            record['settings'].append(dict(batch=batch, threads=threads, kernel=kernel,
                                           binary_kernel_ok=ok, times=times))
            print('  ' + ', '.join(f'{k} {v["median_ms"]:.2f} ms' for k, v in times.items()),
                  flush=True)
    return record


def speedup(setting: Dict, variant: str) -> float:
    times = setting['times']
    if variant == 'resnet18':
        ref = min(times['ov_resnet18']['median_ms'], times['torch_resnet18']['median_ms'])
    else:
        ref = times[variant]['median_ms']
    return ref / times['ov_binary']['median_ms']


def targets(record: Dict) -> List[Dict]:
    """Each target met or missed, from the 224 px network's measurements."""
    network = next(n for n in record['networks'] if n['input'][1] == 224)
    out = []
    for what, variant, batch, minimum in TARGETS:
        for setting in network['settings']:
            if setting['batch'] != batch:
                continue
            value = speedup(setting, variant)
            out.append(dict(target=f'{minimum:g}x {what}, batch {batch}, '
                                   f'{setting["threads"]} thread(s)',
                            value=f'{value:.2f}x', met=value >= minimum))
    ratio = network['fp32_checkpoint_bytes'] / network['file_bytes']
    out.append(dict(target=f'file at most 1/{FILE_TARGET:g} of the FP32 checkpoint',
                    value=f'1/{ratio:.1f}', met=ratio >= FILE_TARGET))
    return out


def markdown(record: Dict) -> str:
    m = record['machine']
    lines = [
        '# Inference latency: OpenVINO 1-bit against torch and FP32',
        '',
        f'Command: `{record["command"]}` (commit {record["commit"]}, {record["date"]}).',
        f'Machine: {m["cpu"]}, {m["cores"]} cores; {m["note"]} Load average before / after: '
        f'{m["load_before"]} / {m["load_after"]}. OpenVINO {record["openvino"]}, '
        f'torch {record["torch"]}.',
        '',
        'Median (min) milliseconds per call; variants interleaved round by round in one '
        'process. `torch` uses BinaryConv2d\'s eval-mode weight cache, `torch_nocache` '
        're-binarises the weights on every call; ResNet-18 is torchvision\'s, FP32, random '
        'weights. Speed-ups are ratios of medians against `ov_binary`.',
    ]
    for net in record['networks']:
        lines += ['', f'## {net["network"]} ({net["input"][1]} px, {net["num_classes"]} '
                  f'classes, {net["binary_layers"]} binary convolutions)', '',
                  f'Exported file {net["file_bytes"]:,} bytes ({net["file_bytes_fp16_head"]:,} '
                  f'with the classifier in fp16); FP32 weights {net["fp32_checkpoint_bytes"]:,} '
                  f'bytes: 1/{net["fp32_checkpoint_bytes"] / net["file_bytes"]:.1f} '
                  f'(1/{net["fp32_checkpoint_bytes"] / net["file_bytes_fp16_head"]:.1f}).', '',
                  '| batch | threads | ' + ' | '.join(VARIANTS) + ' | x OV FP32 | x torch | '
                  'x torch (no cache) | x ResNet-18 (faster) | torch cache gain |',
                  '|' + '---|' * (len(VARIANTS) + 7)]
        for s in net['settings']:
            t = s['times']
            cells = [f'{t[v]["median_ms"]:.2f} ({t[v]["min_ms"]:.2f})' if v in t else '-'
                     for v in VARIANTS]
            ratios = [f'{speedup(s, v):.2f}' if v in t or v == 'resnet18' else '-'
                      for v in ('ov_fp32', 'torch', 'torch_nocache', 'resnet18')]
            gain = (f'{t["torch_nocache"]["median_ms"] / t["torch"]["median_ms"]:.2f}'
                    if 'torch_nocache' in t else '-')
            lines.append(f'| {s["batch"]} | {s["threads"]} | ' + ' | '.join(cells) + ' | '
                         + ' | '.join(ratios) + f' | {gain} |')
        kernels = sorted({s['kernel'] for s in net['settings']})
        lines += [''] + [f'Kernel: {k}' for k in kernels]
    lines += ['', '## Targets (ReActNet-A, 224 px)', '', '| target | measured | |',
              '|---|---|---|']
    lines += [f'| {t["target"]} | {t["value"]} | {"met" if t["met"] else "missed"} |'
              for t in record['targets']]
    return '\n'.join(lines) + '\n'


def machine_info() -> Dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return dict(cpu=cpu, cores=os.cpu_count(), load_before=os.getloadavg()[0],
                note='a shared machine: other processes were running on its cores, so the '
                     'absolute times are noisy; the ratios, measured side by side, are what '
                     'count.')


def main() -> None:
    args = parse_args()
    ov, _ = import_openvino()
    record = dict(command='python ' + ' '.join(sys.argv), commit=rec.git_commit(),
                  date=datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
                  machine=machine_info(), openvino=ov.get_version(), torch=torch.__version__,
                  config=compile_config(), networks=[])
    with tempfile.TemporaryDirectory() as workdir:
        record['networks'].append(bench_network('ReActNet-A', imagenet_reactnet(), 224, 1000,
                                                args, workdir))
        record['networks'].append(bench_network(
            'Fashion-MNIST-LT student (ReActNet-A, width 0.25)',
            student(args.student_config, args.student_checkpoint), 32, 10, args, workdir))
    record['student_checkpoint'] = args.student_checkpoint
    record['machine']['load_after'] = os.getloadavg()[0]
    record['targets'] = targets(record)
    print(rec.save_with_markdown(args.out, record, markdown, indent=2))


if __name__ == '__main__':
    main()
