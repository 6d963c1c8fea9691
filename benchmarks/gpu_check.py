"""One GPU check of a 224 px method config: throughput, peak memory and the nccl path.

Trains the unmodified config (``configs/ltbin/reactnet_imagenet-lt.py`` by default: ReActNet-A
width 1.0 at 224 px, the EfficientNet-Lite0 teacher online) through ``tools/dist_train.sh CONFIG
1``, i.e. torchrun, mmengine's pytorch launcher and an nccl process group, on a fabricated
dataset in ImageNet-LT's on-disk format (list files + JPEG files; random pixels: the check
measures cost, not accuracy), for each batch size asked, fp32 and optionally AMP. From
mmengine's scalar log it records per iteration the median time, data time and peak GPU memory;
the teacher checkpoint is a freshly built head of the right shape.

Usage (on a GPU machine, from the repository root):
    python benchmarks/gpu_check.py --batches 32 128 256 --amp --out benchmarks/results/gpu_check

writes ``gpu_check.json`` (one record per run, with the commit, command, machine and date) and
``gpu_check.md`` (a table generated from the records).
"""
import argparse
import datetime
import glob
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
from typing import List

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def fabricate_imagenet_lt(root: str, num_classes: int, per_class: int) -> None:
    """ImageNet-LT's layout (``meta/ImageNet_LT_{train,val,test}.txt`` of ``relpath label``)
    with ``per_class`` random-pixel JPEGs per class, 256-320 px, as the real images vary."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(0)
    lines = []
    for c in range(num_classes):
        folder = osp.join(root, 'train', f'n{c:08d}')
        os.makedirs(folder, exist_ok=True)
        for i in range(per_class):
            h, w = (int(v) for v in rng.integers(256, 321, size=2))
            img = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
            rel = f'train/n{c:08d}/{i}.JPEG'
            cv2.imwrite(osp.join(root, rel), img)
            lines.append(f'{rel} {c}\n')
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    for split in ('train', 'val', 'test'):
        with open(osp.join(root, 'meta', f'ImageNet_LT_{split}.txt'), 'w') as f:
            f.writelines(lines)


def make_teacher_checkpoint(config: str, path: str) -> None:
    """A calibrated-teacher checkpoint of the config's shape (frozen encoder + a new head)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import mmltbin  # noqa: F401
    init_default_scope('mmpretrain')
    teacher = Config.fromfile(config).model.teacher
    # what a calibration run saves: LinearProbeClassifier's encoder.* and head.* keys
    probe = MODELS.build(dict(type='LinearProbeClassifier', encoder=teacher.model,
                              num_classes=teacher.head.num_classes))
    torch.save({'state_dict': probe.state_dict()}, path)


def scalars(work_dir: str) -> List[dict]:
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise RuntimeError(f'no scalars.json under {work_dir}: see its log')
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if '"time"' in line]


def run_one(args: argparse.Namespace, batch: int, amp: bool, data_root: str,
            teacher: str) -> dict:
    work_dir = osp.join(args.work_root, f'bs{batch}{"_amp" if amp else ""}')
    options = [
        f'train_dataloader.dataset.dataset.data_root={data_root}',
        f'model.teacher.checkpoint={teacher}', f'train_dataloader.batch_size={batch}',
        f'train_dataloader.num_workers={args.workers}', f'train_cfg.max_epochs={args.epochs}',
        'default_hooks.logger.interval=1', 'default_hooks.checkpoint.interval=1000',
        *args.cfg_options,
    ]
    cmd = ['bash', 'tools/dist_train.sh', args.config, '1', '--work-dir', work_dir,
           '--no-validate', *(['--amp'] if amp else []), '--cfg-options', *options]
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(29500 + batch + amp))
    with open(osp.join(args.work_root, f'bs{batch}{"_amp" if amp else ""}.log'), 'w') as log:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    record = dict(batch=batch, amp=amp, returncode=proc.returncode)
    if proc.returncode:
        return record
    rows = scalars(work_dir)[args.skip:]  # the first iterations warm up cuDNN and the workers
    time = statistics.median(r['time'] for r in rows)
    data_time = statistics.median(r['data_time'] for r in rows)
    record.update(iters=len(rows), s_per_iter=time, data_s_per_iter=data_time,
                  images_per_s=batch / time, compute_images_per_s=batch / (time - data_time),
                  peak_memory_mb=max(r.get('memory', 0) for r in rows))
    with open(osp.join(args.work_root, f'bs{batch}{"_amp" if amp else ""}.log')) as f:
        log = f.read()
    # torchrun + mmengine's launcher; tools/train.py keeps the config's nccl when a GPU is seen
    import torch
    record['backend_nccl'] = ('Distributed training: True' in log and "'backend': 'nccl'" in log
                              and torch.cuda.is_available())
    return record


def markdown(records: List[dict], header: dict) -> str:
    lines = [f'# GPU check: {header["config"]}', '',
             f'Command: `{header["command"]}`  ', f'Commit: {header["commit"]}, '
             f'{header["date"]}  ', f'Machine: {header["machine"]}', '',
             'Training through `tools/dist_train.sh CONFIG 1` (torchrun, nccl) on fabricated '
             'ImageNet-LT-format data (random-pixel JPEGs); medians over the logged iterations '
             'after the first few; memory: mmengine\'s peak allocated GPU memory.', '',
             '| batch | precision | iterations | s / iter | data s / iter | images / s | '
             'images / s without data wait | peak GPU memory (MB) | nccl |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in records:
        if r['returncode']:
            lines.append(f'| {r["batch"]} | {"AMP" if r["amp"] else "fp32"} | failed '
                         f'(exit {r["returncode"]}) | | | | | | |')
            continue
        lines.append(
            f'| {r["batch"]} | {"AMP" if r["amp"] else "fp32"} | {r["iters"]} | '
            f'{r["s_per_iter"]:.3f} | {r["data_s_per_iter"]:.3f} | {r["images_per_s"]:.0f} | '
            f'{r["compute_images_per_s"]:.0f} | {r["peak_memory_mb"]:.0f} | '
            f'{"yes" if r["backend_nccl"] else "no"} |')
    return '\n'.join(lines) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/ltbin/reactnet_imagenet-lt.py')
    parser.add_argument('--batches', type=int, nargs='+', default=[32, 128, 256])
    parser.add_argument('--amp', action='store_true', help='also each batch with --amp')
    parser.add_argument('--per-class', type=int, default=4, help='fabricated images per class')
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--skip', type=int, default=5, help='iterations left out as warm-up')
    parser.add_argument('--workers', type=int, default=12)
    parser.add_argument('--work-root', default='/tmp/mmltbin_gpu_check')
    parser.add_argument('--out', required=True, help='output prefix (.json and .md)')
    parser.add_argument('--cfg-options', nargs='*', default=[],
                        help='more key=value overrides of the config (e.g. a smaller student '
                        'for a CPU dry run of this script)')
    args = parser.parse_args()

    import torch
    if not torch.cuda.is_available() and not args.cfg_options:
        raise SystemExit('gpu_check: no GPU visible (torch.cuda.is_available() is False)')
    from mmengine.config import Config
    os.makedirs(args.work_root, exist_ok=True)
    data_root = osp.join(args.work_root, 'imagenet')
    num_classes = Config.fromfile(args.config).model.head.num_classes
    fabricate_imagenet_lt(data_root, num_classes, args.per_class)
    teacher = osp.join(args.work_root, 'teacher.pth')
    make_teacher_checkpoint(args.config, teacher)
    records = [run_one(args, b, amp, data_root, teacher)
               for b in args.batches for amp in ((False, True) if args.amp else (False, ))]
    header = dict(
        config=args.config, command='python ' + ' '.join(sys.argv),
        commit=os.environ.get('MMLTBIN_COMMIT', 'unknown'),
        date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        machine=f'{torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"}, '
        f'torch {torch.__version__}, {os.cpu_count()} CPU cores, {platform.machine()}')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out + '.json', 'w') as f:
        json.dump(dict(header, records=records), f, indent=1)
    with open(args.out + '.md', 'w') as f:
        f.write(markdown(records, header))
    print(markdown(records, header))


if __name__ == '__main__':
    main()
