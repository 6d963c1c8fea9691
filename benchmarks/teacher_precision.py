"""The calibrated teacher in a lower precision: accuracy, agreement with float32, time.

An online teacher (no teacher-output cache) runs on every training batch, so its forward pass
is most of the step. ``FrozenTeacher(autocast='bfloat16')`` runs the encoder in bf16; this
script measures what that changes for a calibrated teacher: its mean per-class accuracy on
the test set and on the held-out split, the share of images on which its top-1 class is the
float32 teacher's, and the seconds its forward passes took (one thread, side by side in one
process, so the times are a ratio on a shared machine). The teacher is the one of the
distiller config ``--config`` (its resolutions and input normalisation), with the calibrated
weights of each ``--checkpoints`` file. Results go to ``--out`` (a results file of
``records.py``, each run with its commit, command, machine and date) and a Markdown table
beside it, made from that file alone.

Example:
    python benchmarks/teacher_precision.py \\
        --checkpoints work_dirs/benchmarks/fmnist_lt_schedule/teacher_seed0/epoch_30.pth \\
        --out benchmarks/results/teacher_precision.json
"""
import argparse
import copy
import os.path as osp
import sys
import time
from typing import List, Tuple

import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))

import records as rec  # noqa: E402
from records import Column  # noqa: E402

TITLE = ('The calibrated teacher in bfloat16 (FrozenTeacher(autocast=...)) against float32 on '
         'Fashion-MNIST-LT (n_max 1000, rho 100)')
DESCRIPTION = (
    'Mean per-class accuracy (%) of the calibrated EfficientNet-Lite0 teacher (32/64/96 px) on '
    'the balanced test set and the held-out split; agreement: the share of test images whose '
    'top-1 class is the float32 teacher\'s; seconds: its forward passes over the test set, one '
    'thread, in the same process as the float32 row (a ratio, not an absolute time).')
COLUMNS = [Column('test all', 'mean_per_class', 2), Column('held-out val all',
                                                           'val_mean_per_class', 2),
           Column('agreement with float32 (%)', 'agreement', 2),
           Column('test forward s', 'forward_s'), Column('speed-up', 'speedup', 2)]
DTYPES = ('float32', 'bfloat16')


def markdown(data: dict) -> str:
    """The Markdown table of a results file of ``teacher_precision.py``: one row per dtype,
    each over the checkpoints measured."""
    runs = data['runs']
    rows = []
    for dtype in dict.fromkeys(r['row'] for r in runs):
        rs = [r for r in runs if r['row'] == dtype]
        rows.append(([dtype, str(len(rs))], rs))
    lines = [*rec.header(data), DESCRIPTION, '',
             *rec.table_lines(COLUMNS, ['encoder dtype', 'teachers'], rows), *rec.footer(data)]
    return '\n'.join(lines) + '\n'


def results_file(runs: List[dict]) -> dict:
    return dict(schema=rec.SCHEMA, kind='teacher_precision', title=TITLE, runs=runs)


def predict(teacher: torch.nn.Module, loader,
            preprocessor) -> Tuple[torch.Tensor, torch.Tensor, float]:
    """Top-1 classes, labels and the seconds spent in the teacher over ``loader``."""
    preds, labels, seconds = [], [], 0.0
    for batch in loader:
        data = preprocessor(batch, False)
        start = time.perf_counter()
        _, logits = teacher(data['inputs'])
        seconds += time.perf_counter() - start
        preds.append(logits.argmax(1))
        labels.append(torch.cat([s.gt_label for s in data['data_samples']]))
    return torch.cat(preds), torch.cat(labels), seconds


def mean_per_class(pred: torch.Tensor, label: torch.Tensor, num_classes: int) -> float:
    """The project's ShotAccuracy ``mean_per_class`` of (predicted, true) labels."""
    from mmltbin.evaluation import ShotAccuracy
    metric = ShotAccuracy(class_counts=[1] * num_classes, per_class=False)
    return metric.compute_metrics(list(zip(pred.tolist(), label.tolist())))['mean_per_class']


def measure(config: str, heldout: str, checkpoint: str) -> List[dict]:
    """One record per dtype of the teacher of ``config`` with ``checkpoint``."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    import mmltbin  # noqa: F401
    from mmpretrain.registry import MODELS

    init_default_scope('mmpretrain')
    cfg = Config.fromfile(config)
    preprocessor = MODELS.build(dict(type='ClsDataPreprocessor', **cfg.data_preprocessor))
    loaders = {'': Runner.build_dataloader(cfg.test_dataloader),
               'val_': Runner.build_dataloader(Config.fromfile(heldout).val_dataloader)}
    num_classes = cfg.model.teacher.head.num_classes
    records, reference = [], None  # reference: the float32 teacher's test predictions, time
    for dtype in DTYPES:  # float32 first
        teacher = MODELS.build(dict(copy.deepcopy(cfg.model.teacher), checkpoint=checkpoint,
                                    autocast=None if dtype == 'float32' else dtype))
        teacher.match_input_norm(preprocessor)
        record = dict(row=dtype, checkpoint=osp.relpath(checkpoint, ROOT))
        for prefix, loader in loaders.items():
            pred, label, seconds = predict(teacher, loader, preprocessor)
            record[prefix + 'mean_per_class'] = mean_per_class(pred, label, num_classes)
            if not prefix:
                reference = reference or (pred, seconds)
                record.update(forward_s=seconds, speedup=reference[1] / seconds,
                              agreement=100 * (pred == reference[0]).float().mean().item())
        records.append(record)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/ltbin/reactnet_fashion-mnist-lt.py',
                        help='a distiller config: its teacher and its test set')
    parser.add_argument('--heldout', default='configs/_base_/datasets/'
                        'fashion_mnist_lt_heldout_val.py', help='held-out split (val_dataloader)')
    parser.add_argument('--checkpoints', nargs='+', required=True,
                        help='calibrated teachers (a calibrate_*.py run\'s epoch_N.pth)')
    parser.add_argument('--out', required=True, help='results JSON (a .md is written beside)')
    args = parser.parse_args()
    for path in args.checkpoints:
        if not osp.isfile(path):
            raise SystemExit(f'{path} does not exist: calibrate the teacher first '
                             '(python benchmarks/run_table.py --table fmnist_lt_schedule '
                             '--rows teacher --seeds 0 --out ...)')
    torch.set_num_threads(1)
    provenance = rec.provenance(threads=1).fields()
    runs = [dict(r, seed=i, **provenance) for i, path in enumerate(args.checkpoints)
            for r in measure(args.config, args.heldout, path)]
    data = results_file(runs)
    rec.save(args.out, data)
    with open(osp.splitext(args.out)[0] + '.md', 'w') as f:
        f.write(markdown(data))
    print(markdown(data))


if __name__ == '__main__':
    main()
