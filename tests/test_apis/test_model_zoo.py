"""The model zoo: metafiles, shipped weights, mmltbin.get_model / list_models and mim search."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader
from modelindex.load_model_index import load

import mmltbin
from mmltbin.apis import get_metainfo, model_index_path, zoo_path
from mmltbin.apis.model_zoo import evaluate_zoo_model
from mmltbin.export import load_packed
from toolrun import REPO_ROOT

STUDENT = 'reactnet-a-w0.25_calibrated-distill_fashion-mnist-lt'
BASELINE = 'reactnet-a-w0.25_ce_fashion-mnist-lt'
TEACHER = 'effnet-lite0_calibrated_fashion-mnist-lt'
ENCODER = osp.join(REPO_ROOT, 'checkpoints', 'efficientnet-lite0_in1k_timm.pth')
#: metafile metric name -> ShotAccuracy's key
METRICS = {'Top 1 Accuracy': 'accuracy/top1', 'Mean Per-class Accuracy': 'accuracy/mean_per_class',
           'Many-shot Accuracy': 'accuracy/many', 'Medium-shot Accuracy': 'accuracy/medium',
           'Few-shot Accuracy': 'accuracy/few'}


def _metafile_models():
    index = load(osp.join(REPO_ROOT, 'model-index.yml'))
    index.build_models_with_collections()
    return index.models


def _metrics(name):
    return get_metainfo(name).results[0].metrics


def _test_images(root, num):
    """The first ``num`` Fashion-MNIST test images through the student's test pipeline."""
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    dataset_cfg = mmltbin.apis.model_config(STUDENT).test_dataloader.dataset
    dataset = DATASETS.build(dict(dataset_cfg, data_root=root, indices=num))
    return [dataset[i] for i in range(num)]


def _accuracy(model, samples):
    data = model.data_preprocessor(dict(inputs=[s['inputs'] for s in samples],
                                        data_samples=[s['data_samples'] for s in samples]))
    with torch.no_grad():
        logits = model(data['inputs'], mode='tensor')
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    return logits, (logits.argmax(1) == labels).float().mean().item()


def test_metafiles_parse_and_resolve():
    models = _metafile_models()
    names = [m.name for m in models]
    assert sorted(n.lower() for n in names) == mmltbin.list_models()
    assert {STUDENT, BASELINE, TEACHER} <= set(names)
    for model in models:
        assert osp.isfile(osp.join(REPO_ROOT, model.config)), model.config
        assert osp.isfile(zoo_path(model.weights)), model.weights
        assert model.in_collection
        metrics = model.results[0].metrics
        assert set(metrics) == set(METRICS), model.name
        assert all(0 < v <= 100 for v in metrics.values()), model.name
        assert model.results[0].dataset == 'Fashion-MNIST'
    assert osp.isfile(model_index_path())


def test_list_models_pattern():
    assert mmltbin.list_models('reactnet*') == sorted([STUDENT, BASELINE])
    assert mmltbin.list_models('nothing*') == []


def test_shipped_student_is_small_and_packed():
    size = osp.getsize(zoo_path(get_metainfo(STUDENT).weights))
    assert size < 512 * 1024
    assert get_metainfo(STUDENT).weights.endswith('.npz')


def test_zoo_scheme_errors():
    with pytest.raises(ValueError, match='inside the mmltbin package'):
        zoo_path('mmltbin://../setup.py')
    with pytest.raises(FileNotFoundError, match='mmltbin://model_zoo/missing.npz'):
        CheckpointLoader.load_checkpoint('mmltbin://model_zoo/missing.npz')
    with pytest.raises(ValueError, match='list_models'):
        mmltbin.get_model('no-such-model')


def test_zoo_scheme_loads_through_mmengine():
    ckpt = CheckpointLoader.load_checkpoint(get_metainfo(TEACHER).weights)
    assert sorted(ckpt['state_dict']) == ['head.fc.bias', 'head.fc.weight']
    assert ckpt['meta']['dataset_meta']['class_counts'][0] == 1000


def test_get_model_student_equals_packed_file(fashion_mnist_root):
    """get_model's classifier gives the outputs (and accuracy) of the shipped packed file."""
    model = mmltbin.get_model(STUDENT, pretrained=True)
    assert type(model).__name__ == 'ImageClassifier' and not model.training
    reference = load_packed(zoo_path(get_metainfo(STUDENT).weights))  # its own stored config
    samples = _test_images(fashion_mnist_root, 200)
    logits, acc = _accuracy(model, samples)
    ref_logits, ref_acc = _accuracy(reference, samples)
    assert torch.equal(logits, ref_logits)
    assert acc == ref_acc
    # an untrained student of the same config is far from the shipped one on these images
    untrained = mmltbin.get_model(STUDENT, pretrained=False)
    assert not torch.allclose(_accuracy(untrained, samples)[0], logits)


def test_get_model_teacher_needs_its_encoder(tmp_path):
    missing = str(tmp_path / 'no-encoder.pth')
    with pytest.raises(FileNotFoundError, match='encoder_checkpoint'):
        mmltbin.get_model(TEACHER, pretrained=True, encoder_checkpoint=missing)


@pytest.mark.slow
@pytest.mark.parametrize('name', [STUDENT, BASELINE])
def test_students_match_metafile(name, fashion_mnist_root, tmp_path):
    """The full test set (10k images, 20-40 s each on 2 cores): the metafile's numbers."""
    metrics = evaluate_zoo_model(name, work_dir=str(tmp_path))
    for key, value in _metrics(name).items():
        assert metrics[METRICS[key]] == pytest.approx(value, abs=0.006), key


def _encoder() -> str:
    if not osp.isfile(ENCODER):
        pytest.skip('run tools/model_converters/efficientnet_lite_to_timm.py first')
    return ENCODER


@pytest.mark.slow
def test_teacher_near_metafile_on_1000_images(fashion_mnist_root, tmp_path):
    """The shipped head on the converted encoder: top-1 on the first 1000 test images lies
    within 5 points (about 4 standard errors) of the metafile's full-set number; a head on a
    wrongly loaded encoder scores near chance (10%)."""
    metrics = evaluate_zoo_model(TEACHER, work_dir=str(tmp_path), num_images=1000,
                                 encoder_checkpoint=_encoder())
    assert metrics['accuracy/top1'] == pytest.approx(_metrics(TEACHER)['Top 1 Accuracy'], abs=5)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get('MMLTBIN_TEST_FULL_ZOO'),
                    reason='4-5 minutes on 2 cores: set MMLTBIN_TEST_FULL_ZOO=1')
def test_teacher_matches_metafile(fashion_mnist_root, tmp_path):
    """The teacher at 3 resolutions on the full test set: the metafile's numbers."""
    metrics = evaluate_zoo_model(TEACHER, work_dir=str(tmp_path), encoder_checkpoint=_encoder())
    for key, value in _metrics(TEACHER).items():
        assert metrics[METRICS[key]] == pytest.approx(value, abs=0.006), key


def test_mim_reads_the_index(tmp_path, monkeypatch):
    """mim's search on a package laid out as an install (``.mim`` beside the package)."""
    from mim.commands import search
    package = tmp_path / 'mmltbin'
    (package / '.mim').mkdir(parents=True)
    for item in ('configs', 'model-index.yml'):
        os.symlink(osp.join(REPO_ROOT, item), package / '.mim' / item)
    monkeypatch.setattr(search, 'get_installed_path', lambda name: str(package))
    table = search.get_model_info('mmltbin', to_dict=True)
    assert set(table) == {m.name for m in _metafile_models()}
    assert table[STUDENT]['weight'] == get_metainfo(STUDENT).weights


@pytest.mark.slow
@pytest.mark.xdist_group('mim')  # beside the tests that install mmltbin
def test_mim_search_command(tmp_path):
    """``mim search mmltbin`` from another folder, when this checkout is the installed one."""
    mim = shutil.which('mim') or osp.join(osp.dirname(sys.executable), 'mim')
    if not osp.isfile(mim):
        pytest.skip('mim is not installed')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('PYTHONPATH', None)
    where = subprocess.run([sys.executable, '-c', 'import mmltbin; print(mmltbin.__file__)'],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    if where.returncode != 0 or not where.stdout.strip().startswith(REPO_ROOT + os.sep):
        pytest.skip('the installed mmltbin is not this checkout')
    proc = subprocess.run([mim, 'search', 'mmltbin'], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for model in _metafile_models():
        assert model.name in proc.stdout


def test_docs_table_is_the_metafiles():
    """docs/model_zoo.md carries the table generated from the metafiles, unedited."""
    with open(osp.join(REPO_ROOT, 'docs', 'model_zoo.md'), encoding='utf-8') as f:
        assert mmltbin.apis.zoo_table() in f.read()
