"""Run by the ShotAccuracy test under torchrun (2 gloo processes): evaluate a sharded test set.

Usage: torchrun --nproc_per_node=2 dist_shot_accuracy_worker.py OUT_PREFIX
Each rank writes the metrics it gets back to OUT_PREFIX{rank}.json.
"""
import json
import os.path as osp
import sys

import torch.distributed as dist
from mmengine.dataset import DefaultSampler

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from shot_accuracy_data import COUNTS, NUM_TEST, as_data_samples, predictions  # noqa: E402

import mmltbin  # noqa: E402,F401
from mmltbin.evaluation import ShotAccuracy  # noqa: E402


def main() -> None:
    dist.init_process_group(backend='gloo')
    rank = dist.get_rank()
    pred, gt = predictions()
    metric = ShotAccuracy()
    metric.set_class_counts(COUNTS)
    # the shard the Runner's test dataloader would give this rank (padded to equal length)
    shard = list(DefaultSampler(list(range(NUM_TEST)), shuffle=False))
    for start in range(0, len(shard), 8):
        metric.process(None, as_data_samples(pred, gt, shard[start:start + 8]))
    metrics = metric.evaluate(NUM_TEST)
    with open(f'{sys.argv[1]}{rank}.json', 'w') as f:
        json.dump(dict(metrics=metrics, shard=len(shard)), f)
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
