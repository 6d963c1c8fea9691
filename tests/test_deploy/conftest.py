"""Real images and briefly trained binary classifiers for the export tests."""
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

pytest.importorskip('openvino', reason='OpenVINO (the deploy extra) is not installed')


def _digits_images(size: int, count: int = 96, offset: int = 0) -> tuple:
    """sklearn digits as normalised ``(N, 3, size, size)`` images, and their labels."""
    digits = load_digits()
    images = torch.from_numpy(digits.images[offset:offset + count]).float().unsqueeze(1)
    images = F.interpolate(images, size=(size, size), mode='bilinear', align_corners=False)
    labels = torch.from_numpy(digits.target[offset:offset + count]).long()
    return ((images - 4.9) / 6.0).repeat(1, 3, 1, 1), labels


def _build_classifier(backbone: dict, width: int):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    return MODELS.build(dict(
        type='ImageClassifier', backbone=backbone, neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=width)))


def _train_briefly(model, size: int, steps: int = 5):
    """A few Adam steps on real digits: BatchNorm statistics, thresholds, RPReLU and latent
    weights all move away from their initial values."""
    torch.manual_seed(0)
    model.init_weights()
    images, labels = _digits_images(size, count=32 * steps, offset=500)
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for x, y in zip(images.split(32), labels.split(32)):
        optim.zero_grad()
        F.cross_entropy(model(x, mode='tensor'), y).backward()
        optim.step()
    return model.eval()


@pytest.fixture
def compile_graph():
    """Compile an OpenVINO graph for a fixed input shape, FP32, one thread."""
    from mmltbin.deploy import compile_config, openvino_core

    def run(graph, shape):
        graph.reshape(list(shape))
        return openvino_core().compile_model(graph, 'CPU', compile_config(num_threads=1))
    return run


@pytest.fixture
def digits_images():
    """``digits_images(size, count=96, offset=0)``: real images (normalised) and labels."""
    return _digits_images


_TRAINED = {}


@pytest.fixture
def trained_classifier():
    """``trained_classifier(backbone_cfg, width, size)``: an ImageClassifier after a few steps
    (trained once per session; tests only read it)."""
    def get(backbone: dict, width: int, size: int):
        key = (repr(sorted(backbone.items())), width, size)
        if key not in _TRAINED:
            _TRAINED[key] = _train_briefly(_build_classifier(backbone, width), size)
        return _TRAINED[key]
    return get
