"""Measured training speed: seconds per 1000 images of forward + backward on this machine."""
import statistics
import time
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


def time_train_step(model: nn.Module, input_shape: Sequence[int], batch_size: int = 128,
                    repeats: int = 3, num_classes: int = None) -> float:
    """Median seconds per 1000 images of a forward + backward pass (cross-entropy on logits).

    Runs on random inputs in train mode on the model's device with the current torch thread
    count (set ``OMP_NUM_THREADS`` / ``torch.set_num_threads`` first). One warm-up step is not
    timed. Gradients are left in the model; no optimizer step is taken.

    Args:
        model (nn.Module): An mmpretrain classifier (run with ``mode='tensor'``) or any module
            returning logits or a tuple whose last element is a feature map or logits.
        input_shape (Sequence[int]): ``(C, H, W)``.
        batch_size (int): Images per step. Defaults to 128.
        repeats (int): Timed steps. Defaults to 3.
        num_classes (int, optional): Number of label values; defaults to the logits' width.

    Example:
        >>> from mmltbin.models.backbones import ReActNet
        >>> time_train_step(ReActNet(widen_factor=0.25, stem_stride=1), (3, 32, 32), 4, 1) > 0
        True
    """
    from .op_counter import _is_mmpretrain_classifier
    if batch_size < 1 or repeats < 1:
        raise ValueError(f'time_train_step: batch_size and repeats must be >= 1, got '
                         f'{batch_size} and {repeats}')
    device = next(model.parameters()).device
    inputs = torch.randn(batch_size, *input_shape, device=device)
    classifier = _is_mmpretrain_classifier(model)

    def step() -> float:
        start = time.perf_counter()
        out = model(inputs, mode='tensor') if classifier else model(inputs)
        if isinstance(out, (tuple, list)):
            out = out[-1]
        if out.dim() > 2:
            out = out.flatten(2).mean(-1)
        labels = torch.randint(0, num_classes or out.shape[1], (batch_size, ), device=device)
        F.cross_entropy(out, labels).backward()
        return time.perf_counter() - start

    was_training = model.training
    model.train()
    try:
        step()
        times = [step() for _ in range(repeats)]
    finally:
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    return statistics.median(times) / batch_size * 1000
