"""Scale on paper: what each method config costs at its real size (docs/scaling.md).

For every ``configs/ltbin/reactnet_*.py`` of a dataset: training images, iterations per epoch
and in all on 1 and 8 processes, the student's and the teacher's cost per image (FLOPs, BOPs from
``mmltbin.analysis.count_ops``), the peak memory of one training process measured on this CPU at
two small batches and extrapolated linearly to the config's batch, and the command a user with
8 GPUs runs. With ``--gpu-check`` (a ``benchmarks/gpu_check.py`` record) it adds the training
time on 8 GPUs implied by the measured single-GPU throughput, scaled linearly (an assumption).

Usage:
    python benchmarks/scaling.py --out benchmarks/results/scaling \\
        [--gpu-check benchmarks/results/gpu_check.json]

writes ``scaling.json`` (records with the commit, command, machine, date) and ``scaling.md``
(generated from them), which docs/scaling.md includes.
"""
import argparse
import datetime
import glob
import json
import math
import os
import os.path as osp
import platform
import subprocess
import sys
from typing import Dict, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))

import records as rec  # noqa: E402

# Training images per dataset: (classes, n_max, rho) of the exponential profile where the
# count follows from the balanced split (docs/datasets.md), or the published total.
PROFILES: Dict[str, Tuple[int, int, int]] = {
    'fashion-mnist-lt': (10, 1000, 100), 'cifar10-lt': (10, 5000, 100),
    'cifar100-lt': (100, 500, 100), 'caltech101-lt': (102, 30, 10), 'dtd-lt': (47, 80, 10),
    'fgvc-aircraft-lt': (100, 66, 10), 'flowers102-lt': (102, 20, 10),
    'food101-lt': (101, 750, 10), 'sun397-lt': (397, 50, 10),
    # n_max is the smallest class of the user's split: about 93 (Pets), 24 (Cars)
    'oxford-pets-lt': (37, 93, 10), 'stanford-cars-lt': (196, 24, 10),
}
PUBLISHED = {'imagenet-lt': 115846, 'places-lt': 62500, 'inat': 437513}
SPLIT_DEPENDENT = {'eurosat-lt', 'ucf101-lt'}  # n_max: the smallest class of your train list
GPUS = 8


def training_images(name: str) -> Optional[int]:
    from mmltbin.datasets import long_tail_counts
    if name in PUBLISHED:
        return PUBLISHED[name]
    if name in PROFILES:
        return sum(long_tail_counts(*PROFILES[name]))
    return None


def peak_rss_mb(config: str, batch: int) -> float:
    """Peak resident memory (MB) of a fresh process that runs one training step of the
    config's student (forward + backward) and the teacher's forward at its resolutions."""
    code = f"""
import resource, torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
import mmltbin  # noqa
from benchmarks.scaling import build_student_and_teacher
cfg = Config.fromfile({config!r})
init_default_scope('mmpretrain')
student, teacher, size, teacher_sizes = build_student_and_teacher(cfg)
x = torch.rand({batch}, 3, size, size)
with torch.no_grad():
    for s in teacher_sizes:
        teacher(torch.nn.functional.interpolate(x, size=(s, s), mode='bilinear'), mode='tensor')
student(x, mode='tensor').float().sum().backward()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1'))
    if out.returncode:
        raise RuntimeError(f'{config}: memory probe failed:\n{out.stderr[-2000:]}')
    return float(out.stdout.strip().splitlines()[-1])


def build_student_and_teacher(cfg):
    """The config's student as an ImageClassifier, the teacher's encoder, the student's input
    size and the teacher's resolutions."""
    from mmpretrain.registry import MODELS
    model = cfg.model
    student = MODELS.build(dict(type='ImageClassifier', backbone=model.backbone,
                                neck=model.neck, head=model.head))
    teacher = MODELS.build(model.teacher.model)
    size = 224 if model.backbone.stem_stride == 2 else 32
    teacher_sizes = tuple(model.teacher.get('resolutions') or (size, ))
    return student, teacher, size, teacher_sizes


def record_for(config: str, gpu: Optional[dict]) -> dict:
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmltbin.analysis import count_ops
    name = osp.basename(config)[len('reactnet_'):-3]
    cfg = Config.fromfile(config)
    init_default_scope('mmpretrain')
    student, teacher, size, teacher_sizes = build_student_and_teacher(cfg)
    s = count_ops(student, (3, size, size))
    t = [count_ops(teacher, (3, r, r)) for r in teacher_sizes]
    batch = cfg.train_dataloader.batch_size
    epochs = cfg.train_cfg.max_epochs
    images = training_images(name)
    m2, m4 = peak_rss_mb(config, 2), peak_rss_mb(config, 4)
    rec = dict(config=osp.relpath(config, ROOT), dataset=name,
               classes=cfg.data_preprocessor.num_classes, images=images, epochs=epochs,
               batch_per_process=batch, student_input=size, teacher_inputs=list(teacher_sizes),
               cached_teacher=cfg.model.get('teacher_cache') is not None,
               student_flops=s.flops, student_bops=s.bops, student_ops=s.ops,
               teacher_flops=sum(c.flops for c in t),
               peak_rss_mb_b2=m2, peak_rss_mb_b4=m4,
               peak_rss_mb_extrapolated=m2 + (batch - 2) * (m4 - m2) / 2,
               command=f'bash tools/dist_train.sh {osp.relpath(config, ROOT)} {GPUS} '
               '--auto-scale-lr')
    if images is not None:
        rec['iters_per_epoch_1'] = math.ceil(images / batch)
        rec['iters_per_epoch_8'] = math.ceil(images / (batch * GPUS))
        rec['iters_total_8'] = rec['iters_per_epoch_8'] * epochs
        rec['lr_8'] = cfg.optim_wrapper.optimizer.lr * batch * GPUS / \
            cfg.auto_scale_lr.base_batch_size
        if gpu and size == 224:
            rec['hours_8_gpus'] = images * epochs / (GPUS * gpu['images_per_s']) / 3600
    return rec


def _si(v: Optional[float]) -> str:
    if v is None:
        return 'n/a'
    for unit, scale in (('G', 1e9), ('M', 1e6), ('k', 1e3)):
        if abs(v) >= scale:
            return f'{v / scale:.2f}{unit}'
    return f'{v:.0f}'


def _memory(r: dict) -> str:
    """Peak MB at batch 2 and 4 and the extrapolation; where batch 4 measured no more than
    batch 2 (growth below the noise of RSS, at 32 px), the larger probe stands for the batch."""
    m2, m4 = r['peak_rss_mb_b2'], r['peak_rss_mb_b4']
    probes = f'{m2:.0f}, {m4:.0f} -> '
    if m4 <= m2:
        return probes + f'~{max(m2, m4):.0f}, no growth measured (batch {r["batch_per_process"]})'
    return probes + f'{r["peak_rss_mb_extrapolated"]:.0f} (batch {r["batch_per_process"]})'


def _hours(hours: Optional[float]) -> str:
    if hours is None:
        return 'n/a'
    return f'{hours:.1f} h' if hours >= 1 else f'{hours * 60:.0f} min'


def markdown(doc: dict) -> str:
    lines = [
        '# Cost of the method configs at their real size', '',
        f'Command: `{doc["command"]}`  ', f'Commit: {doc["commit"]}, {doc["date"]}  ',
        f'Machine: {doc["machine"]}', '',
        'Images: training images of the long-tailed set (the published totals for ImageNet-LT, '
        'Places-LT and iNaturalist; the exponential profile for the derived sets, Oxford Pets '
        'and Stanford Cars assuming n_max 93 and 24; EuroSAT and UCF101 depend on the split '
        'you use). Cost per image: multiply-accumulates of one forward pass (FLOPs real, BOPs '
        'binary; the teacher at each of its resolutions, summed; a cached teacher runs once '
        'per image and augmentation slot before training, not per step). Memory: peak RSS of '
        'one CPU process running a student training step and the teacher forward at batch 2 '
        'and 4, extrapolated linearly to the batch per process. 8 processes: the total batch '
        'is 8 x the batch per process; `--auto-scale-lr` scales the base learning rate (1e-3 '
        'for a total batch of 128) linearly to it.', '']
    gpu = doc.get('gpu_check')
    if gpu:
        lines += [f'Hours on 8 GPUs: from the single-GPU throughput of the GPU check '
                  f'({gpu["images_per_s"]:.0f} images / s at batch {gpu["batch"]}, '
                  f'{gpu["machine"]}, commit {gpu["commit"]}; the ImageNet-LT config, 224 px, '
                  'teacher online), applied to the 224 px configs only and assuming linear '
                  'scaling to 8 GPUs.', '']
    lines += ['| config | classes | images | epochs | iters / epoch (1 / 8 proc.) | '
              'iters in all (8) | student FLOPs / BOPs per image | teacher FLOPs per image | '
              'peak MB per process (b2, b4 -> batch) | lr at 8 x batch | hours on 8 GPUs |',
              '|---|---|---|---|---|---|---|---|---|---|---|']
    for r in doc['records']:
        known = r.get('iters_per_epoch_1') is not None
        iters = f'{r["iters_per_epoch_1"]} / {r["iters_per_epoch_8"]}' if known else 'n/a'
        hours = r.get('hours_8_gpus')
        lr = f'{r["lr_8"]:.4g}' if known else 'n/a'
        lines.append(
            f'| `{osp.basename(r["config"])}` | {r["classes"]} | '
            f'{r["images"] if known else "split-dependent"} | {r["epochs"]} | {iters} | '
            f'{r["iters_total_8"] if known else "n/a"} | {_si(r["student_flops"])} / '
            f'{_si(r["student_bops"])} | {_si(r["teacher_flops"])}'
            f'{" (cached)" if r["cached_teacher"] else ""} | {_memory(r)} | {lr} | '
            f'{_hours(hours)} |')
    lines += ['', 'Commands (8 GPUs on one machine; on slurm: `GPUS=8 bash tools/slurm_train.sh '
              'PARTITION JOB CONFIG WORK_DIR --auto-scale-lr`):', '']
    lines += [f'- `{r["command"]}`' for r in doc['records']]
    return '\n'.join(lines) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True, help='output prefix (.json and .md)')
    parser.add_argument('--gpu-check', help='a benchmarks/gpu_check.py JSON record')
    parser.add_argument('--summary-only', action='store_true',
                        help='measure nothing: regenerate the Markdown from --out.json')
    args = parser.parse_args()
    if args.summary_only:
        with open(args.out + '.json') as f:
            doc = json.load(f)
    else:
        import torch
        gpu = None
        if args.gpu_check:
            with open(args.gpu_check) as f:
                check = json.load(f)
            fp32 = [r for r in check['records'] if not r['amp'] and not r['returncode']]
            best = next((r for r in fp32 if r['batch'] == 32), fp32[0])
            gpu = dict(images_per_s=best['images_per_s'], batch=best['batch'],
                       machine=check['machine'], commit=check['commit'])
        configs = sorted(c for c in glob.glob(osp.join(ROOT, 'configs/ltbin/reactnet_*.py'))
                         if '_fashion-mnist-lt_' not in c)
        commit = rec.git_commit()[:10]
        doc = dict(command='python ' + ' '.join(sys.argv), commit=commit,
                   date=datetime.datetime.now(datetime.timezone.utc).strftime(
                       '%Y-%m-%d %H:%M UTC'),
                   machine=f'{platform.machine()}, {os.cpu_count()} cores, torch '
                   f'{torch.__version__}, one thread per memory probe',
                   gpu_check=gpu, records=[record_for(c, gpu) for c in configs])
    print(rec.save_with_markdown(args.out, doc, markdown))


if __name__ == '__main__':
    main()
