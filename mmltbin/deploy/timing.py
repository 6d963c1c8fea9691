"""Latency measured side by side: variants interleaved call by call in one process."""
import time
from typing import Callable, Dict, List

import numpy as np


def interleaved_latency(calls: Dict[str, Callable[[], object]], rounds: int,
                        warmup: int = 1) -> Dict[str, Dict[str, float]]:
    """Median and minimum milliseconds per call of each variant, one call of each per round.

    Interleaving makes load from other processes hit every variant alike, so their ratios hold
    on a busy machine even when the absolute times do not.

    Args:
        calls (dict): ``{name: fn}``, each ``fn()`` one inference.
        rounds (int): Timed calls per variant.
        warmup (int): Untimed calls per variant first. Defaults to 1.

    Returns:
        dict: ``{name: {'median_ms', 'min_ms', 'rounds'}}``.

    Example:
        >>> out = interleaved_latency({'noop': lambda: None}, rounds=3)
        >>> sorted(out['noop'])
        ['median_ms', 'min_ms', 'rounds']
    """
    for fn in calls.values():
        for _ in range(warmup):
            fn()
    times: Dict[str, List[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1e3)
    return {name: dict(median_ms=float(np.median(t)), min_ms=float(np.min(t)), rounds=len(t))
            for name, t in times.items()}
