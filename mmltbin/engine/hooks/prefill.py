"""The loop shared by the hooks that compute frozen-model outputs before training."""
import math
import time
from typing import Callable, Sequence, Tuple, TypeVar

from mmengine.dataset import pseudo_collate

Job = TypeVar('Job')


def prefill(runner, name: str, model, jobs: Sequence[Job], batch_size: int, log_every: int,
            load: Callable[[Job], dict], compute: Callable[[dict], int]) -> Tuple[int, float]:
    """Run ``compute`` on ``jobs`` in batches, logging progress and a measured ETA.

    Each batch is ``[load(job) for job in batch]``, collated and passed through the model's
    data preprocessor as in a training step (the callers' models refuse batch augments: a
    stored output must belong to one unmixed image), then handed to ``compute``, which returns
    how many outputs it computed.

    Args:
        runner: The mmengine Runner (its logger).
        name (str): The caller's name in the log lines.
        model: The model whose ``data_preprocessor`` prepares the batches.
        jobs (Sequence): What to compute, one entry per sample (e.g. dataset indices).
        batch_size (int): Samples per batch.
        log_every (int): Log every this many batches (and after the last).
        load (Callable): A job -> one sample of the dataset (its pipeline applied).
        compute (Callable): A preprocessed batch -> the number of outputs computed.

    Returns:
        tuple[int, float]: Outputs computed, and the seconds it took.

    Example:
        >>> from types import SimpleNamespace
        >>> import torch
        >>> from mmpretrain.models import ClsDataPreprocessor
        >>> from mmpretrain.structures import DataSample
        >>> log = SimpleNamespace(logger=SimpleNamespace(info=lambda msg: None))
        >>> model = SimpleNamespace(data_preprocessor=ClsDataPreprocessor())
        >>> sample = lambda i: dict(inputs=torch.zeros(3, 4, 4), data_samples=DataSample())
        >>> prefill(log, 'Demo', model, list(range(5)), 2, 1, sample,
        ...         lambda data: len(data['inputs']))[0]
        5
    """
    num_batches = math.ceil(len(jobs) / batch_size)
    start = time.perf_counter()
    computed = 0
    for b in range(num_batches):
        samples = [load(job) for job in jobs[b * batch_size:(b + 1) * batch_size]]
        computed += compute(model.data_preprocessor(pseudo_collate(samples), True))
        if (b + 1) % log_every == 0 or b + 1 == num_batches:
            elapsed = time.perf_counter() - start
            eta = elapsed / (b + 1) * (num_batches - b - 1)
            runner.logger.info(f'{name}: batch {b + 1}/{num_batches}, {elapsed:.0f} s, '
                               f'eta {eta:.0f} s')
    return computed, time.perf_counter() - start
