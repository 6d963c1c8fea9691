"""Figures of long-tailed runs: classifier weight norms, per-class accuracy, lambda curves.

Every per-class figure puts the classes in head-to-tail order (most training images first, ties
by class index) and shades the many / medium / few-shot groups (training count ``> many_thr``,
between, ``< few_thr``: the groups of :func:`mmltbin.evaluation.shot_groups`).

- :func:`plot_weight_norms`: L2 norm of every class weight of the last linear layer, several
  checkpoints in one figure (the seed paper's Fig. 1, whose "Binary-FP gap" compares a binary
  network's tail-class weights with a full-precision model's).
- :func:`plot_binary_fp_gap`: the per-class gap of two runs (accuracy or norms).
- :func:`plot_per_class_accuracy`: per-class test accuracy of several runs.
- :func:`plot_lambda_curve`: the balance lambda of the distillation loss over training.

One sign convention for the Binary-FP gap in every figure: **FP minus binary**, per class
(positive where the binary network has less: accuracy lost by binarisation, or smaller class
weights); axes and titles say so. Legends sit outside the axes, so they cover no data.

The inputs are read by :mod:`mmltbin.analysis.loading` from the files the tools write.

Figures are drawn on :class:`matplotlib.figure.Figure` objects and written with the Agg
renderer; pyplot and the global backend are never touched. Every ``plot_*`` function saves the
file and returns the figure (its artists hold the plotted values).
"""
import os
import os.path as osp
from typing import Any, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mmltbin.evaluation.metrics import shot_groups

from .loading import PathLike, load_lambda_curve

ArrayLike = Union[Sequence[float], np.ndarray, torch.Tensor]

#: Shot groups in head-to-tail order and their colours (shading, bars, group means).
SHOT_GROUP_STYLE = (('many', '#4C72B0'), ('medium', '#DD8452'), ('few', '#C44E52'))
#: Inches added to a figure's width for the legends beside its axes.
LEGEND_WIDTH = 3.0


# ---------------------------------------------------------------------------------- drawing
def head_to_tail_order(class_counts: Sequence[int]) -> np.ndarray:
    """Class indices from most to fewest training images (ties: lower index first).

    Example:
        >>> head_to_tail_order([5, 50, 5, 500]).tolist()
        [3, 1, 0, 2]
    """
    return np.argsort(-np.asarray(class_counts), kind='stable')


def shade_shot_groups(ax: Any, sorted_counts: Sequence[int], many_thr: int = 100,
                      few_thr: int = 20, labels: bool = True) -> np.ndarray:
    """Shade the many / medium / few-shot ranks of a head-to-tail axis and name them.

    The x axis is the class rank (0 = head, one unit per class). Each group present gets a
    light span in its :data:`SHOT_GROUP_STYLE` colour and, with ``labels``, its name and size
    just above the axes.

    Args:
        ax (matplotlib.axes.Axes): The axes.
        sorted_counts (Sequence[int]): Training counts in head-to-tail order.
        many_thr (int): Many-shot: more images than this. Defaults to 100.
        few_thr (int): Few-shot: fewer images than this. Defaults to 20.
        labels (bool): Write the group names above the axes. Defaults to True.

    Returns:
        np.ndarray: Group index of every rank (0 many, 1 medium, 2 few).

    Example:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> shade_shot_groups(ax, [500, 100, 20, 19]).tolist()
        [0, 1, 1, 2]
    """
    group_of = np.zeros(len(sorted_counts), dtype=np.int64)
    ranks_of = shot_groups(sorted_counts, many_thr, few_thr)
    for gid, (name, color) in enumerate(SHOT_GROUP_STYLE):
        ranks = ranks_of[name]
        if not len(ranks):
            continue
        group_of[ranks] = gid
        ax.axvspan(ranks[0] - 0.5, ranks[-1] + 0.5, color=color, alpha=0.15, lw=0)
        if labels:
            ax.text((ranks[0] + ranks[-1]) / 2, 1.01, f'{name}\n{len(ranks)} classes',
                    transform=ax.get_xaxis_transform(), ha='center', va='bottom', fontsize=9,
                    color=color)
    return group_of


def _check_counts(class_counts: Sequence[int]) -> np.ndarray:
    counts = np.asarray(class_counts)
    if counts.ndim != 1 or not len(counts) or (counts < 0).any():
        raise ValueError(f'class_counts must be a non-empty list of counts >= 0, got '
                         f'{np.asarray(class_counts).tolist()[:10]}')
    return counts.astype(np.int64)


def _per_class(values: ArrayLike, num_classes: int, what: str) -> np.ndarray:
    if torch.is_tensor(values):
        values = values.detach().cpu().numpy()
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (num_classes, ):
        raise ValueError(f'{what}: expected {num_classes} per-class values (one per class of '
                         f'class_counts), got shape {values.shape}')
    return values


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window`` ranks, ignoring NaN (shorter at the ends)."""
    if window <= 1:
        return values
    valid = ~np.isnan(values)
    kernel = np.ones(int(window))
    total = np.convolve(np.where(valid, values, 0.0), kernel, mode='same')
    count = np.convolve(valid.astype(np.float64), kernel, mode='same')
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _nanmean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else float('nan')


class _HeadToTail(NamedTuple):
    fig: Figure
    axes: List[Any]
    order: np.ndarray
    group_of: np.ndarray


def _head_to_tail_figure(class_counts: Sequence[int], nrows: int, many_thr: int, few_thr: int,
                         class_names: Optional[Sequence[str]], title: Optional[str],
                         ylabels: Sequence[str]) -> _HeadToTail:
    """A figure of ``nrows`` panels sharing a head-to-tail class axis, groups shaded."""
    counts = _check_counts(class_counts)
    order = head_to_tail_order(counts)
    sorted_counts = counts[order]
    num = len(counts)
    width = max(6.5, min(11.0, 0.25 * num + 4)) + LEGEND_WIDTH
    fig = Figure(figsize=(width, 0.9 + 3.3 * nrows), dpi=120,
                 layout='constrained')
    axes = list(fig.subplots(nrows, 1, sharex=True, squeeze=False)[:, 0])
    for row, ax in enumerate(axes):
        group_of = shade_shot_groups(ax, sorted_counts, many_thr, few_thr, labels=row == 0)
        ax.set_xlim(-0.5, num - 0.5)
        ax.set_ylabel(ylabels[row])
        ax.grid(axis='y', alpha=0.3)
    if num <= 40:
        names = [str(i) for i in range(num)] if class_names is None else class_names
        axes[-1].set_xticks(np.arange(num))
        axes[-1].set_xticklabels([f'{names[i]} ({counts[i]})' for i in order], rotation=45,
                                 ha='right', fontsize=8)
        axes[-1].set_xlabel('class (training images), head to tail')
    else:
        axes[-1].set_xlabel(f'class rank, head to tail ({sorted_counts[0]} to '
                            f'{sorted_counts[-1]} training images)')
    axes[0].set_title(title or '', fontsize=10, pad=30)
    return _HeadToTail(fig, axes, order, group_of)


def _group_means(ax: Any, sorted_values: np.ndarray, group_of: np.ndarray,
                 colors: Sequence[str], fmt: Optional[str] = None) -> None:
    """A dashed segment at the mean of each shot group (colour ``colors[group]``).

    With ``fmt`` each segment gets a legend entry ``'<group> mean <value>'``.
    """
    for gid in np.unique(group_of):
        ranks = np.flatnonzero(group_of == gid)
        mean = _nanmean(sorted_values[ranks])
        if np.isnan(mean):
            continue
        label = None if fmt is None else f'{SHOT_GROUP_STYLE[gid][0]} mean {fmt.format(mean)}'
        ax.hlines(mean, ranks[0] - 0.45, ranks[-1] + 0.45, colors=colors[gid], linestyles='--',
                  lw=1.6, alpha=0.9, label=label)


def _draw_series(ax: Any, sorted_values: np.ndarray, label: str, color: str,
                 smooth: int) -> None:
    """Per-class values as a line (markers for few classes); faint raw line when smoothed."""
    ranks = np.arange(len(sorted_values))
    marker = 'o' if len(ranks) <= 50 else None
    if smooth > 1:
        ax.plot(ranks, sorted_values, color=color, lw=0.8, alpha=0.3)
        ax.plot(ranks, _moving_average(sorted_values, smooth), color=color, lw=1.8,
                label=label)
    else:
        ax.plot(ranks, sorted_values, color=color, lw=1.5, marker=marker, ms=4, label=label)


def _legend_outside(ax: Any, handles: Optional[list] = None) -> Any:
    """The axes' legend to the right of them, where it covers no data (constrained layout
    makes room for it)."""
    return ax.legend(handles=handles, fontsize=8, loc='upper left', bbox_to_anchor=(1.01, 1.0),
                     borderaxespad=0.0)


def _draw_gap(ax: Any, sorted_gap: np.ndarray, group_of: np.ndarray, smooth: int,
              definition: str) -> None:
    """The per-class gap as bars (few classes) or a line, with the shot-group means."""
    ax.axhline(0.0, color='black', lw=0.8)
    ranks = np.arange(len(sorted_gap))
    if len(ranks) <= 50:
        per_class = ax.bar(ranks, sorted_gap, width=0.6, color='0.45',
                           label=f'per class: {definition}')
    else:
        per_class, = ax.plot(ranks, sorted_gap, color='0.45', lw=0.8,
                             label=f'per class: {definition}')
    if smooth > 1:
        ax.plot(ranks, _moving_average(sorted_gap, smooth), color='black', lw=1.8,
                label=f'moving average over {smooth} classes')
    _group_means(ax, sorted_gap, group_of, [color for _, color in SHOT_GROUP_STYLE],
                 fmt='{:+.3g}')
    handles = [h for h in ax.get_legend_handles_labels()[0] if h is not per_class]
    _legend_outside(ax, [per_class] + handles)


def gap_label(fp_label: str, binary_label: str) -> str:
    """How every figure names the Binary-FP gap: FP minus binary.

    Example:
        >>> gap_label('FP teacher', 'binary')
        'FP teacher - binary'
    """
    return f'{fp_label} - {binary_label}'


def _save(fig: Figure, out_path: PathLike) -> Figure:
    out_path = os.fspath(out_path)
    if osp.dirname(out_path):
        os.makedirs(osp.dirname(out_path), exist_ok=True)
    fig.savefig(out_path)
    return fig


# ---------------------------------------------------------------------------------- figures
def plot_weight_norms(norms: Mapping[str, ArrayLike],
                      class_counts: Sequence[int],
                      out_path: PathLike,
                      gap: Optional[Tuple[str, str]] = None,
                      normalize: bool = False,
                      many_thr: int = 100,
                      few_thr: int = 20,
                      class_names: Optional[Sequence[str]] = None,
                      title: Optional[str] = None) -> Figure:
    """Per-class classifier weight norms of several checkpoints, head to tail.

    The seed paper's Fig. 1: a binary network trained on long-tailed data gets ever larger
    class weights toward the tail compared with a full-precision (FP) one ("Binary-FP gap"),
    which Calibrate-and-Distill narrows. With ``gap=(fp_label, binary_label)`` a second panel
    shows the Binary-FP gap as every figure here signs it, ``FP - binary`` per class (the
    paper's larger binary tail weights make it negative there), with its shot-group means.

    Args:
        norms (Mapping[str, array]): ``{label: per-class norms}`` (index = class label), e.g.
            from :func:`classifier_weight_norms`; drawn in this order.
        class_counts (Sequence[int]): Training images per class.
        out_path (str | PathLike): Image file to write (PNG, or any matplotlib format).
        gap (tuple[str, str], optional): ``(fp_label, binary_label)``: add the gap panel.
        normalize (bool): Divide each checkpoint's norms by their mean, to compare shapes of
            networks whose features have different scales. Defaults to False.
        many_thr (int): Many-shot: more training images than this. Defaults to 100.
        few_thr (int): Few-shot: fewer training images than this. Defaults to 20.
        class_names (Sequence[str], optional): Tick labels (used up to 40 classes).
        title (str, optional): Figure title.

    Returns:
        matplotlib.figure.Figure: The saved figure.

    Example:
        >>> import tempfile
        >>> counts = [1000, 599, 359, 215, 129, 77, 46, 27, 16, 10]
        >>> fig = plot_weight_norms(
        ...     {'FP': [1.0] * 10, 'binary': [1.0 + 0.1 * i for i in range(10)]}, counts,
        ...     tempfile.mktemp(suffix='.png'), gap=('FP', 'binary'))
        >>> len(fig.axes)
        2
        >>> round(float(fig.axes[1].patches[-1].get_height()), 6)  # the tail: FP - binary
        -0.9
    """
    if not norms:
        raise ValueError('plot_weight_norms: no norms given')
    if gap is not None and any(label not in norms for label in gap):
        raise KeyError(f'plot_weight_norms: gap labels {list(gap)} must be among the norms\' '
                       f'labels {list(norms)}')
    num = len(_check_counts(class_counts))
    values = {label: _per_class(v, num, f'norms of "{label}"') for label, v in norms.items()}
    if normalize:
        values = {label: v / v.mean() for label, v in values.items()}
    unit = 'norm / mean norm' if normalize else 'L2 norm'
    ylabels = [f'class weight {unit}', f'Binary-FP gap: FP - binary\n({unit})']
    fig, axes, order, group_of = _head_to_tail_figure(
        class_counts, 2 if gap else 1, many_thr, few_thr, class_names,
        title or 'classifier weight norms per class', ylabels)
    for i, (label, v) in enumerate(values.items()):
        _draw_series(axes[0], v[order], label, f'C{i}', smooth=1)
    _legend_outside(axes[0])
    if gap:
        fp, binary = values[gap[0]], values[gap[1]]
        _draw_gap(axes[1], (fp - binary)[order], group_of, smooth=1,
                  definition=gap_label(*gap))
    return _save(fig, out_path)


def plot_binary_fp_gap(fp_values: ArrayLike,
                       binary_values: ArrayLike,
                       class_counts: Sequence[int],
                       out_path: PathLike,
                       quantity: str = 'accuracy (%)',
                       labels: Tuple[str, str] = ('FP', 'binary'),
                       smooth: int = 1,
                       many_thr: int = 100,
                       few_thr: int = 20,
                       class_names: Optional[Sequence[str]] = None,
                       title: Optional[str] = None) -> Figure:
    """The per-class gap between a full-precision and a binary run, head to tail.

    In the style of the seed paper's Fig. 1 (Binary-FP gap): ``FP - binary`` per class (the
    one sign of every figure here: positive where binarisation loses) in head-to-tail order,
    the mean of each shot group as a dashed segment with its value, and
    optionally a moving average over ``smooth`` classes (useful with hundreds of classes).

    Args:
        fp_values (array): Per-class values of the FP model (index = class label).
        binary_values (array): Per-class values of the binary model.
        class_counts (Sequence[int]): Training images per class.
        out_path (str | PathLike): Image file to write.
        quantity (str): What the values are, for the axis label. Defaults to
            ``'accuracy (%)'``.
        labels (tuple[str, str]): Names of the FP and binary runs. Defaults to
            ``('FP', 'binary')``.
        smooth (int): Moving-average window in classes; 1 (default) draws no average.
        many_thr (int): Many-shot: more training images than this. Defaults to 100.
        few_thr (int): Few-shot: fewer training images than this. Defaults to 20.
        class_names (Sequence[str], optional): Tick labels (used up to 40 classes).
        title (str, optional): Figure title.

    Returns:
        matplotlib.figure.Figure: The saved figure.

    Example:
        >>> import tempfile
        >>> counts = [1000, 599, 359, 215, 129, 77, 46, 27, 16, 10]
        >>> fig = plot_binary_fp_gap([90.0] * 10, [88.0 - 3 * i for i in range(10)], counts,
        ...                          tempfile.mktemp(suffix='.png'))
        >>> float(fig.axes[0].patches[-1].get_height())  # the tail class: 90 - 61
        29.0
    """
    num = len(_check_counts(class_counts))
    fp = _per_class(fp_values, num, f'{labels[0]} values')
    binary = _per_class(binary_values, num, f'{labels[1]} values')
    fig, axes, order, group_of = _head_to_tail_figure(
        class_counts, 1, many_thr, few_thr, class_names,
        title or f'Binary-FP gap per class: FP - binary, {quantity}',
        [f'FP - binary, {quantity}'])
    _draw_gap(axes[0], (fp - binary)[order], group_of, smooth, definition=gap_label(*labels))
    return _save(fig, out_path)


def plot_per_class_accuracy(accs: Mapping[str, ArrayLike],
                            class_counts: Sequence[int],
                            out_path: PathLike,
                            smooth: int = 1,
                            group_means: bool = True,
                            many_thr: int = 100,
                            few_thr: int = 20,
                            class_names: Optional[Sequence[str]] = None,
                            title: Optional[str] = None,
                            gaps: Sequence[Tuple[str, str]] = ()) -> Figure:
    """Per-class accuracy of several runs, head to tail.

    Each run is a line (its mean per-class accuracy in the legend); with ``group_means`` the
    mean over each shot group is a dashed segment in the run's colour. NaN (a class without test
    images) leaves a hole and is left out of the means. Each ``(fp_label, binary_label)`` of
    ``gaps`` adds a panel with the Binary-FP gap of those two runs, ``FP - binary`` per class
    and its shot-group means: the seed paper's Fig. 1 with accuracy (e.g. a full-precision twin
    against a binary network trained with cross-entropy, then with the method).

    Args:
        accs (Mapping[str, array]): ``{label: per-class accuracy}`` (index = class label, e.g.
            from :func:`load_per_class_accuracy`); drawn in this order.
        class_counts (Sequence[int]): Training images per class.
        out_path (str | PathLike): Image file to write.
        smooth (int): Moving-average window in classes; 1 (default) draws the raw values.
        group_means (bool): Draw the shot-group means. Defaults to True.
        many_thr (int): Many-shot: more training images than this. Defaults to 100.
        few_thr (int): Few-shot: fewer training images than this. Defaults to 20.
        class_names (Sequence[str], optional): Tick labels (used up to 40 classes).
        title (str, optional): Figure title.
        gaps (Sequence[tuple[str, str]]): ``(fp_label, binary_label)`` pairs of labels of
            ``accs``, a gap panel each. Defaults to none.

    Returns:
        matplotlib.figure.Figure: The saved figure.

    Example:
        >>> import tempfile
        >>> fig = plot_per_class_accuracy({'CE': [90.0, 50.0, 10.0]}, [5, 500, 50],
        ...                               tempfile.mktemp(suffix='.png'), group_means=False)
        >>> fig.axes[0].lines[0].get_ydata().tolist()  # head (500 images) first
        [50.0, 10.0, 90.0]
        >>> fig = plot_per_class_accuracy({'FP': [90.0, 80.0, 70.0], 'binary': [60.0, 75.0, 70.0]},
        ...                               [5, 500, 50], tempfile.mktemp(suffix='.png'),
        ...                               gaps=[('FP', 'binary')])
        >>> bars = fig.axes[1].containers[0]  # FP - binary per class, head first
        >>> [float(bar.get_height()) for bar in bars]
        [5.0, 0.0, 30.0]
    """
    if not accs:
        raise ValueError('plot_per_class_accuracy: no accuracies given')
    for pair in gaps:
        if len(pair) != 2 or any(label not in accs for label in pair):
            raise KeyError(f'plot_per_class_accuracy: gap {list(pair)} must name two of the '
                           f'runs {list(accs)}')
    num = len(_check_counts(class_counts))
    values = {label: _per_class(v, num, f'accuracy of "{label}"') for label, v in accs.items()}
    ylabels = ['accuracy (%)' + (f', moving average over {smooth} classes' if smooth > 1 else '')]
    ylabels += [f'Binary-FP gap (points):\n{gap_label(*pair)}' for pair in gaps]
    fig, axes, order, group_of = _head_to_tail_figure(
        class_counts, 1 + len(gaps), many_thr, few_thr, class_names,
        title or 'per-class accuracy', ylabels)
    for ax, (fp, binary) in zip(axes[1:], gaps):
        _draw_gap(ax, (values[fp] - values[binary])[order], group_of, smooth,
                  definition=gap_label(fp, binary))
    ax = axes[0]
    for i, (label, v) in enumerate(values.items()):
        _draw_series(ax, v[order], f'{label} (mean {_nanmean(v):.1f})', f'C{i}', smooth)
        if group_means:  # one run: a legend entry per group mean; several: one entry for all
            _group_means(ax, v[order], group_of, [f'C{i}'] * len(SHOT_GROUP_STYLE),
                         fmt='{:.1f}' if len(values) == 1 else None)
    if group_means and len(values) > 1:
        ax.plot([], [], color='0.3', ls='--', label='shot-group means')
    top = max([np.nanmax(v) for v in values.values() if not np.isnan(v).all()] or [100.0])
    ax.set_ylim(-2, 102 if top > 1.0 else 1.02)
    _legend_outside(ax)
    return _save(fig, out_path)


def plot_lambda_curve(scalars_json_paths: Mapping[str, PathLike],
                      out_path: PathLike,
                      std_band: bool = True,
                      title: Optional[str] = None) -> Figure:
    """Lambda (weight of the logit term of the distillation loss) over training iterations.

    One line per run, the mean of lambda over the batch, with a +-std band when the std was
    logged (:func:`load_lambda_curve`; values are the logger's window averages).

    Args:
        scalars_json_paths (Mapping[str, str | PathLike]): ``{label: scalars.json or work dir}``.
        out_path (str | PathLike): Image file to write.
        std_band (bool): Shade mean +- std. Defaults to True.
        title (str, optional): Figure title.

    Returns:
        matplotlib.figure.Figure: The saved figure.

    Example:
        >>> import json, tempfile
        >>> path = tempfile.mktemp(suffix='.json')
        >>> with open(path, 'w') as f:
        ...     for it in range(1, 5):
        ...         print(json.dumps(dict(lambda_mean=0.5 + 0.1 * it, iter=it)), file=f)
        >>> fig = plot_lambda_curve({'run': path}, tempfile.mktemp(suffix='.png'))
        >>> fig.axes[0].lines[0].get_xdata().tolist()
        [1, 2, 3, 4]
    """
    if not scalars_json_paths:
        raise ValueError('plot_lambda_curve: no runs given')
    curves = {label: load_lambda_curve(path) for label, path in scalars_json_paths.items()}
    fig = Figure(figsize=(7.5 + LEGEND_WIDTH, 4.2), dpi=120, layout='constrained')
    ax = fig.add_subplot()
    for i, (label, curve) in enumerate(curves.items()):
        ax.plot(curve.iters, curve.mean, color=f'C{i}', lw=1.6,
                marker='o' if len(curve.iters) <= 30 else None, ms=3,
                label=f'{label} (last {curve.mean[-1]:.3f})')
        if std_band and curve.std is not None:
            ax.fill_between(curve.iters, np.clip(curve.mean - curve.std, 0, 1),
                            np.clip(curve.mean + curve.std, 0, 1), color=f'C{i}', alpha=0.2,
                            lw=0)
    ax.axhline(0.5, color='grey', lw=0.8, ls=':')
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel('iteration')
    ax.set_ylabel('λ (weight of the logit term)')
    ax.grid(alpha=0.3)
    handles = ax.get_legend_handles_labels()[0]
    if std_band and any(curve.std is not None for curve in curves.values()):
        handles.append(Patch(color='0.5', alpha=0.3, label='mean ± std of λ over the batch'))
    _legend_outside(ax, handles)
    ax.set_title(title or 'distillation balance: λ · logit term + (1 - λ) · feature term',
                 fontsize=10)
    return _save(fig, out_path)


def plot_accuracy_vs_epochs(series: Mapping[str, Mapping[int, Sequence[float]]],
                            lines: Optional[Mapping[str, float]] = None,
                            out_path: Optional[PathLike] = None,
                            ylabel: str = 'mean per-class accuracy (%)') -> Figure:
    """Accuracy against the length of the schedule: each series' mean over seeds at each
    number of epochs, with one standard deviation as error bars and the seeds as dots.

    Args:
        series (Mapping[str, Mapping[int, Sequence[float]]]): label -> epochs -> the values of
            its seeds.
        lines (Mapping[str, float], optional): label -> a value drawn as a horizontal line
            (e.g. the teacher, trained once).
        out_path (PathLike, optional): Save the figure there.
        ylabel (str): The y axis' label.

    Returns:
        Figure: The figure.

    Example:
        >>> fig = plot_accuracy_vs_epochs(
        ...     {'method': {20: [77.0, 78.0], 40: [79.0]}}, lines={'teacher': 82.0})
        >>> len(fig.axes[0].lines) > 0
        True
    """
    fig = Figure(figsize=(7.0, 4.0), layout='constrained')
    ax = fig.add_subplot()
    for i, (label, by_epochs) in enumerate(series.items()):
        color = f'C{i}'
        epochs = sorted(by_epochs)
        means = [float(np.mean(by_epochs[e])) for e in epochs]
        stds = [float(np.std(by_epochs[e], ddof=1)) if len(by_epochs[e]) > 1 else 0.0
                for e in epochs]
        ax.errorbar(epochs, means, yerr=stds, color=color, marker='o', capsize=3, label=label)
        for e in epochs:
            ax.scatter([e] * len(by_epochs[e]), by_epochs[e], color=color, s=8, alpha=0.5)
    for i, (label, value) in enumerate((lines or {}).items()):
        ax.axhline(value, color='black', ls=('--', ':', '-.')[i % 3], lw=1.0, label=label)
    all_epochs = sorted({e for by_epochs in series.values() for e in by_epochs})
    ax.set_xscale('log', base=2)
    ax.set_xticks(all_epochs, [str(e) for e in all_epochs])
    ax.set_xlabel('epochs (cosine schedule over each)')
    ax.set_ylabel(ylabel)
    _legend_outside(ax)
    if out_path is not None:
        _save(fig, out_path)
    return fig
