"""mmltbin.analysis.plots: the figures, head to tail, one gap sign, legends clear of the data."""
import json
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmltbin.analysis.plots import (SHOT_GROUP_STYLE, head_to_tail_order, plot_binary_fp_gap,
                                    plot_lambda_curve, plot_per_class_accuracy,
                                    plot_weight_norms)
from mmltbin.datasets import long_tail_counts

# Fashion-MNIST-LT counts, deliberately not in label order: label 3 is the head, label 0 a tail
COUNTS = [27, 599, 10, 1000, 215, 77, 359, 16, 129, 46]
ORDER = [3, 1, 6, 4, 8, 5, 9, 0, 7, 2]  # head to tail by count


def png_size(path) -> tuple:
    with Image.open(path) as img:
        return img.size


def spans(ax) -> list:
    """(start, end) of the shaded shot-group spans of an axes."""
    return [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches if p.get_alpha() == 0.15]



def assert_legends_cover_no_data(fig):
    """Every legend of ``fig`` lies outside every axes (drawn: the layout has placed it)."""
    fig.canvas.draw()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert legends
    for legend in legends:
        box = legend.get_window_extent()
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent()), (legend, ax)


def write_scalars(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(row) + '\n' for row in rows))


def test_head_to_tail_order_is_by_count_with_stable_ties():
    assert head_to_tail_order(COUNTS).tolist() == ORDER
    assert head_to_tail_order([5, 50, 5, 50]).tolist() == [1, 3, 0, 2]


# ------------------------------------------------------------------------------ figures
def test_weight_norm_figure_is_head_to_tail_with_gap_and_groups(tmp_path):
    rng = np.random.default_rng(0)
    norms = {'FP': rng.uniform(0.9, 1.1, 10), 'binary CE': rng.uniform(1.0, 2.0, 10),
             'binary C&D': rng.uniform(1.0, 1.3, 10)}
    out = tmp_path / 'figs' / 'norms.png'
    fig = plot_weight_norms(norms, COUNTS, out, gap=('FP', 'binary CE'))
    assert png_size(out) == (1140, 900)  # (6.5 + 3 for the legends) x 7.5 inches, 120 dpi
    top, bottom = fig.axes
    for line, values in zip(top.lines, norms.values()):
        np.testing.assert_allclose(line.get_ydata(), values[ORDER])
    heights = [bar.get_height() for bar in bottom.containers[0]]
    np.testing.assert_allclose(heights, (norms['FP'] - norms['binary CE'])[ORDER])
    assert 'FP - binary' in bottom.get_ylabel()
    # many > 100: 5 classes, medium 20-100: 3, few < 20: 2
    assert spans(top) == spans(bottom) == [(-0.5, 4.5), (4.5, 7.5), (7.5, 9.5)]
    assert [t.get_text() for t in top.texts] == ['many\n5 classes', 'medium\n3 classes',
                                                 'few\n2 classes']
    tick_labels = [t.get_text() for t in bottom.get_xticklabels()]
    assert tick_labels[0] == '3 (1000)' and tick_labels[-1] == '2 (10)'
    # the shot-group means of the gap, in the legend
    means = [(norms['FP'] - norms['binary CE'])[ORDER][s].mean()
             for s in (slice(0, 5), slice(5, 8), slice(8, 10))]
    legend = [t.get_text() for t in bottom.get_legend().get_texts()]
    assert legend[0] == 'per class: FP - binary CE'
    assert legend[1:] == [f'{name} mean {m:+.3g}' for (name, _), m in zip(SHOT_GROUP_STYLE, means)]
    assert_legends_cover_no_data(fig)


def test_weight_norm_figure_options_and_errors(tmp_path):
    norms = {'a': np.arange(1.0, 11.0)}
    fig = plot_weight_norms(norms, COUNTS, tmp_path / 'n.png', normalize=True, many_thr=300,
                            few_thr=50)
    assert png_size(tmp_path / 'n.png') == (1140, 504)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), (norms['a'] / 5.5)[ORDER])
    assert spans(fig.axes[0]) == [(-0.5, 2.5), (2.5, 5.5), (5.5, 9.5)]  # > 300, 50-300, < 50
    with pytest.raises(ValueError, match='norms of "b": expected 10 per-class values'):
        plot_weight_norms({'b': np.ones(9)}, COUNTS, tmp_path / 'x.png')
    with pytest.raises(KeyError, match='gap labels'):
        plot_weight_norms(norms, COUNTS, tmp_path / 'x.png', gap=('FP', 'a'))
    assert not osp.exists(tmp_path / 'x.png')


def test_binary_fp_gap_figure(tmp_path):
    fp = np.full(10, 90.0)
    binary = 90.0 - np.arange(10) * 5.0  # label i loses 5 i points
    fig = plot_binary_fp_gap(fp, binary, COUNTS, tmp_path / 'gap.png')
    ax = fig.axes[0]
    heights = [bar.get_height() for bar in ax.containers[0]]
    np.testing.assert_allclose(heights, (fp - binary)[ORDER])
    assert ax.get_legend().get_texts()[0].get_text() == 'per class: FP - binary'
    assert 'FP - binary' in ax.get_title() and 'FP - binary' in ax.get_ylabel()
    assert_legends_cover_no_data(fig)
    fig = plot_binary_fp_gap(fp, binary, COUNTS, tmp_path / 'smooth.png', smooth=3,
                             labels=('teacher', 'student'))
    ax = fig.axes[0]
    assert ax.get_legend().get_texts()[0].get_text() == 'per class: teacher - student'
    smoothed = [line for line in ax.lines if line.get_label().startswith('moving average')][0]
    gap = (fp - binary)[ORDER]
    expected = [gap[max(0, i - 1):i + 2].mean() for i in range(10)]
    np.testing.assert_allclose(smoothed.get_ydata(), expected)
    with pytest.raises(TypeError, match='sign'):  # one sign convention: no choice of it
        plot_binary_fp_gap(fp, binary, COUNTS, tmp_path / 'x.png', sign='binary-fp')


def test_per_class_accuracy_figure(tmp_path):
    ce = np.linspace(95.0, 5.0, 10)
    cd = np.linspace(95.0, 60.0, 10)
    ce[2] = np.nan  # a class without test images
    fig = plot_per_class_accuracy({'CE': ce, 'C&D': cd}, COUNTS, tmp_path / 'acc.png')
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), ce[ORDER])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), cd[ORDER])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f'CE (mean {np.nanmean(ce):.1f})', f'C&D (mean {cd.mean():.1f})',
                      'shot-group means']
    assert_legends_cover_no_data(fig)
    assert png_size(tmp_path / 'acc.png') == (1140, 504)
    # one run: its group means are in the legend
    fig = plot_per_class_accuracy({'CE': ce}, COUNTS, tmp_path / 'one.png')
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[1] == f'many mean {np.nanmean(ce[ORDER][:5]):.1f}'
    # 100 classes: rank axis, smoothing, wider figure
    counts = long_tail_counts(100, 500, 100)
    fig = plot_per_class_accuracy({'x': np.linspace(90, 10, 100)}, counts,
                                  tmp_path / 'wide.png', smooth=5)
    assert png_size(tmp_path / 'wide.png') == (1680, 504)
    assert 'moving average over 5 classes' in fig.axes[0].get_ylabel()


def test_lambda_figure(tmp_path):
    scalars = tmp_path / 'run' / 'vis_data' / 'scalars.json'
    write_scalars(scalars, [dict(lambda_mean=0.5 + 0.01 * i, lambda_std=0.05, iter=20 * i)
                            for i in range(1, 41)])
    fixed = tmp_path / 'fixed.json'
    write_scalars(fixed, [dict(lambda_mean=0.25, iter=20 * i) for i in range(1, 41)])
    out = tmp_path / 'lambda.png'
    fig = plot_lambda_curve({'adversarial': tmp_path / 'run', 'fixed': fixed}, out)
    ax = fig.axes[0]
    assert ax.lines[0].get_xdata().tolist() == [20 * i for i in range(1, 41)]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.5 + 0.01 * i for i in range(1, 41)])
    assert len(ax.collections) == 1  # one std band: the fixed run logged no std
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ['adversarial (last 0.900)', 'fixed (last 0.250)']
    assert_legends_cover_no_data(fig)
    assert png_size(out) == (1260, 504)
    with pytest.raises(ValueError, match='no runs given'):
        plot_lambda_curve({}, out)
