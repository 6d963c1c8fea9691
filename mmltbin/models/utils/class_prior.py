"""Per-class training counts and class priors: what long-tailed heads and losses both use.

``ClassCountsHook`` gives every module that has :meth:`ClassCountsMixin.set_class_counts` the
training set's counts; heads (post-hoc logit adjustment) and losses (balanced softmax, KD with
prior adjustment, ...) read them through :class:`ClassCountsMixin` and turn them into log
priors with :func:`log_prior`.
"""
from typing import List, Optional, Sequence

import torch
from torch import Tensor


def log_prior(counts: Tensor) -> Tensor:
    """Log of the training class priors ``log(n_c / sum n)``.

    Args:
        counts (Tensor): Per-class counts ``(C, )`` (float).

    Returns:
        Tensor: ``(C, )``.

    Example:
        >>> log_prior(torch.tensor([3.0, 1.0])).exp().tolist()
        [0.75, 0.25]
    """
    return counts.log() - counts.sum().log()


def check_class_counts(counts: Sequence[int], owner: str) -> List[int]:
    """Validate per-class training counts (index = label) and return them as python ints.

    Every count must be a positive integer: long-tailed losses divide by counts or take their
    logarithm, so an empty class has no defined prior (``LongTailDataset`` never leaves one).

    Args:
        counts (Sequence[int]): Training images per class.
        owner (str): Name of the component, used in error messages.

    Returns:
        list[int]: The counts.

    Example:
        >>> check_class_counts([5, 2, 1], 'MyLoss')
        [5, 2, 1]
    """
    if isinstance(counts, Tensor):
        counts = counts.tolist()
    try:
        values = [int(c) for c in counts]
    except (TypeError, ValueError) as err:
        raise TypeError(f'{owner}: class_counts must be a sequence of ints, got {counts!r}') \
            from err
    if not values:
        raise ValueError(f'{owner}: class_counts is empty')
    if any(v != c for v, c in zip(values, counts)):
        raise ValueError(f'{owner}: class_counts must be whole numbers, got {list(counts)}')
    bad = [i for i, v in enumerate(values) if v < 1]
    if bad:
        raise ValueError(f'{owner}: every class needs at least one training image, but class(es) '
                         f'{bad[:5]} have count(s) {[values[i] for i in bad[:5]]}')
    return values


class ClassCountsMixin:
    """Give an ``nn.Module`` the project's per-class counts interface.

    ``ClassCountsHook`` calls :meth:`set_class_counts` on every module that has it, with the
    training dataset's ``metainfo['class_counts']``; a component may also get them from its
    constructor (``class_counts=[...]``). :meth:`counts_like` returns them as a tensor and raises
    a clear error naming the component when they were never given.

    Subclasses call :meth:`_init_class_counts` in ``__init__`` (after ``nn.Module.__init__``).
    """

    class_counts: Optional[List[int]] = None

    def _init_class_counts(self, class_counts: Optional[Sequence[int]]) -> None:
        self.class_counts = None
        self._counts_cache: Optional[Tensor] = None
        if class_counts is not None:
            self.set_class_counts(class_counts)

    def set_class_counts(self, counts: Sequence[int]) -> None:
        """Set the per-class training counts (index = label).

        Args:
            counts (Sequence[int]): Positive counts, one per class.
        """
        self.class_counts = check_class_counts(counts, type(self).__name__)
        self._counts_cache = torch.tensor(self.class_counts, dtype=torch.float64)

    def counts_like(self, reference: Tensor) -> Tensor:
        """The counts as a float tensor on ``reference``'s device and dtype.

        Args:
            reference (Tensor): Scores of shape ``(N, C)``; ``C`` must match the counts.

        Returns:
            Tensor: Shape ``(C, )``.
        """
        name = type(self).__name__
        if self.class_counts is None:
            raise RuntimeError(
                f'{name} needs the per-class training counts but has none: train on a dataset '
                'whose metainfo has class_counts (wrap it in LongTailDataset) with '
                "default_hooks.class_counts=dict(type='ClassCountsHook') (mmltbin's "
                f'default_runtime.py has it), or pass class_counts=[...] to {name}')
        num_classes = reference.shape[-1]
        if len(self.class_counts) != num_classes:
            raise ValueError(f'{name}: class_counts has {len(self.class_counts)} classes but the '
                             f'scores have {num_classes}')
        return self._counts_cache.to(device=reference.device, dtype=reference.dtype)


__all__ = ['ClassCountsMixin', 'check_class_counts', 'log_prior']
