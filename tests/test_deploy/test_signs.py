"""Tracing an exported model's differences from torch to the binary activations that flip."""
import numpy as np
import pytest
import torch

from mmltbin.deploy import OpenVINOModel, build_openvino_model
from mmltbin.deploy.signs import exported_sign_codes, first_sign_flip, record_sign_margins
from mmltbin.models.layers import RSign

# ReActNet-A, width 0.25, stem stride 1, on 28 px digits (as test_export.py's)
BACKBONE, WIDTH, SIZE = dict(type='ReActNet', widen_factor=0.25, stem_stride=1), 256, 28


def _margins(model, image):
    with torch.no_grad(), record_sign_margins(model) as margins:
        model(torch.from_numpy(image), mode='tensor')
        return dict(margins)


def test_margins_are_the_sign_inputs_minus_thresholds(trained_classifier, digits_images):
    model = trained_classifier(BACKBONE, WIDTH, SIZE)
    image = digits_images(SIZE, count=1)[0].numpy()
    margins = _margins(model, image)
    rsigns = [n for n, m in model.named_modules() if isinstance(m, RSign)]
    assert list(margins) == rsigns and len(rsigns) == 26  # every sign, in the order it ran
    name = rsigns[3]
    rsign = model.get_submodule(name)
    assert rsign.threshold.abs().max() > 0  # trained: the threshold matters
    inputs = {}
    handle = rsign.register_forward_pre_hook(lambda _, args: inputs.update(x=args[0]))
    with torch.no_grad():
        model(torch.from_numpy(image), mode='tensor')
    handle.remove()
    expected = inputs['x'] - rsign.threshold.view(1, -1, 1, 1)
    assert torch.equal(margins[name], expected)


def test_exported_codes_are_torchs_signs_away_from_ties(trained_classifier, digits_images):
    model = trained_classifier(BACKBONE, WIDTH, SIZE)
    net = OpenVINOModel(build_openvino_model(model), num_threads=1)
    for image in digits_images(SIZE, count=3, offset=40)[0].numpy():
        margins = _margins(model, image[None])
        codes = exported_sign_codes(net, image[None])
        assert set(codes) == set(margins)
        for name, margin in margins.items():
            clear = margin.abs() > 1e-4
            assert clear.float().mean() > 0.9
            assert np.array_equal(codes[name][clear.numpy()], (margin[clear] >= 0).numpy())
        assert first_sign_flip(model, net, image[None])['layer'] is None


def test_first_flip_names_the_layer_and_margin(trained_classifier, digits_images):
    """Moving one torch threshold onto an activation makes torch and the (unchanged) export
    disagree first at that layer, by signs within the move of their threshold."""
    model = trained_classifier(BACKBONE, WIDTH, SIZE)
    net = OpenVINOModel(build_openvino_model(model), num_threads=1)
    image = digits_images(SIZE, count=1, offset=7)[0].numpy()
    name = [n for n, m in model.named_modules() if isinstance(m, RSign)][5]
    margin = _margins(model, image)[name][0]
    channel = int(margin.abs().amin(dim=(1, 2)).argmin())
    smallest = margin[channel].abs().min()
    # moving the threshold by just over the smallest |x - t| flips that activation in torch
    target = margin[channel].flatten()[margin[channel].abs().flatten().argmin()]
    rsign = model.get_submodule(name)
    saved = rsign.threshold.detach().clone()
    try:
        with torch.no_grad():
            rsign.threshold[channel] += target * 1.001 + torch.sign(target) * 1e-7
        flip = first_sign_flip(model, net, image, tie_margin=1e-3)
    finally:
        with torch.no_grad():
            rsign.threshold.copy_(saved)
    assert flip['layer'] == name
    assert flip['flipped'] >= 1
    # the flipped signs were within the move of the old threshold, so near the new one
    assert flip['max_margin'] <= float(smallest) * 0.002 + 2e-7
    assert flip['all_ties']
    assert 0 <= flip['float64_agrees'] <= flip['flipped']


def test_unnamed_sign_nodes_are_refused(trained_classifier, digits_images):
    """A graph without the sign nodes' names (an older export) cannot be traced: say so rather
    than report that no sign differs."""
    model = trained_classifier(BACKBONE, WIDTH, SIZE)
    graph = build_openvino_model(model)
    for op in graph.get_ops():
        if op.get_type_name() == 'FakeQuantize':
            op.set_friendly_name('unnamed')
    image = digits_images(SIZE, count=1)[0].numpy()
    with pytest.raises(ValueError, match='no named sign nodes'):
        exported_sign_codes(OpenVINOModel(graph, num_threads=1), image)
