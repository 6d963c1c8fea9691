"""Deterministic predictions shared by the single- and two-process ShotAccuracy tests."""
from typing import List, Tuple

import numpy as np
import torch

COUNTS = [900, 300, 150, 101, 100, 60, 20, 19, 7, 2]  # training images per class
NUM_TEST = 101  # odd, so a 2-rank sampler pads one sample that evaluation must drop


def predictions() -> Tuple[np.ndarray, np.ndarray]:
    """(pred, gt) for NUM_TEST samples; class 9 has no test image, some classes are easy."""
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 9, NUM_TEST)
    correct = rng.random(NUM_TEST) < np.linspace(0.9, 0.2, 10)[gt]
    pred = np.where(correct, gt, (gt + 1 + rng.integers(0, 8, NUM_TEST)) % 10)
    return pred, gt


def as_data_samples(pred: np.ndarray, gt: np.ndarray, indices: List[int]) -> List[dict]:
    """mmpretrain-style outputs; every other sample carries scores instead of a label."""
    samples = []
    for i in indices:
        sample = dict(gt_label=torch.tensor([int(gt[i])]))
        if i % 2:
            sample['pred_label'] = torch.tensor([int(pred[i])])
        else:
            sample['pred_score'] = torch.nn.functional.one_hot(
                torch.tensor(int(pred[i])), 10).float() * 0.7 + 0.01
        samples.append(sample)
    return samples
