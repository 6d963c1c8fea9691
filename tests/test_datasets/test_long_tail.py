"""LongTailDataset on real data: exact counts, annotation-file round trip, laziness, errors."""
import os.path as osp

import cv2
import numpy as np
import pytest

import mmltbin  # noqa: F401
from mmltbin.datasets import LongTailDataset, SklearnDigits, long_tail_counts
from mmpretrain.datasets import CustomDataset, FashionMNIST

FASHION_LT_B = [1000, 599, 359, 215, 129, 77, 46, 27, 16, 10]  # FINDINGS.md, set B
CIFAR10_LT_100 = [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]  # published, 12,406


@pytest.fixture(scope='module')
def fashion_train():
    from toolrun import FASHION_MNIST_ROOT
    if not osp.isfile(osp.join(FASHION_MNIST_ROOT, 'train-labels-idx1-ubyte')):
        pytest.skip('Fashion-MNIST is not prepared: run `bash tools/prepare_data.sh`')
    return FashionMNIST(data_root=FASHION_MNIST_ROOT, split='train', download=False)


@pytest.fixture(scope='module')
def digits_train():
    return SklearnDigits(split='train')


@pytest.fixture(scope='module')
def digits_folder(tmp_path_factory):
    """The sklearn digits test split written as PNG files in class folders (a real image set)."""
    root = tmp_path_factory.mktemp('digits_png')
    digits = SklearnDigits(split='test')
    for i in range(len(digits)):
        info = digits.get_data_info(i)
        folder = root / f'class {info["gt_label"]}'  # a space, as in some real folder names
        folder.mkdir(exist_ok=True)
        cv2.imwrite(str(folder / f'{i:04d}.png'), info['img'])
    return str(root)


def test_exp_formula_reproduces_published_counts():
    assert long_tail_counts(10, 1000, 100) == FASHION_LT_B
    assert long_tail_counts(10, 5000, 100) == CIFAR10_LT_100
    assert sum(long_tail_counts(100, 500, 100)) == 10847  # CIFAR-100-LT rho 100
    assert sum(long_tail_counts(10, 6000, 100)) == 14886  # Fashion-MNIST set A
    assert long_tail_counts(6, 90, 10, profile='step', step_fraction=0.5) == [90] * 3 + [9] * 3
    assert long_tail_counts(1, 7, 100) == [7]


@pytest.mark.slow
@pytest.mark.parametrize('n_max,rho,total', [(1000, 100, 2478), (1000, 10, 4084),
                                             (6000, 100, 14886), (6000, 10, 24516)])
def test_fashion_mnist_lt_counts_equal_formula(fashion_train, n_max, rho, total):
    lt = LongTailDataset(fashion_train, n_max=n_max, rho=rho)
    expected = [int(np.floor(n_max * rho**(-i / 9) + 1e-6)) for i in range(10)]
    counts = lt.metainfo['class_counts']
    assert counts == expected and sum(counts) == total == len(lt)
    assert all(type(c) is int for c in counts)
    # recount independently from the wrapped dataset's own labels of the kept samples
    kept = fashion_train.get_gt_labels()[lt.indices]
    assert np.bincount(kept, minlength=10).tolist() == expected
    assert len(set(lt.indices.tolist())) == len(lt)
    if (n_max, rho) == (1000, 100):
        assert counts == FASHION_LT_B


def test_fashion_mnist_round_trip_through_annotation_file(fashion_train, tmp_path):
    lt = LongTailDataset(fashion_train, n_max=1000, rho=100, class_order='shuffle', seed=3)
    path = str(tmp_path / 'fmnist_lt.txt')
    lt.save_ann_file(path)
    again = LongTailDataset(fashion_train, profile='file', ann_file=path)
    assert np.array_equal(again.indices, lt.indices)
    assert again.metainfo == lt.metainfo
    again.save_ann_file(str(tmp_path / 'again.txt'))
    assert open(path).read() == open(tmp_path / 'again.txt').read()
    first = open(path).readline().split()
    assert int(first[1]) == fashion_train.get_gt_labels()[int(first[0])]
    assert np.array_equal(again[5]['img'], fashion_train[int(lt.indices[5])]['img'])


def test_image_folder_round_trip_and_custom_dataset_reads_the_file(digits_folder, tmp_path):
    source = CustomDataset(data_prefix=digits_folder, pipeline=[dict(type='LoadImageFromFile')])
    lt = LongTailDataset(source, n_max=30, rho=10, seed=1)
    assert lt.metainfo['class_counts'] == long_tail_counts(10, 30, 10)
    path = str(tmp_path / 'lt.txt')
    lt.save_ann_file(path)
    assert open(path).readline().startswith('class ')  # relative to the image prefix
    rebuilt = LongTailDataset(CustomDataset(data_prefix=digits_folder), profile='file',
                              ann_file=path)
    assert np.array_equal(rebuilt.indices, lt.indices)
    assert rebuilt.metainfo == lt.metainfo
    # the same file is a plain CustomDataset annotation list
    plain = CustomDataset(data_prefix=digits_folder, ann_file=path)
    assert [plain.get_data_info(i)['img_path'] for i in range(len(plain))] == \
        [lt.get_data_info(i)['img_path'] for i in range(len(lt))]
    assert plain.get_gt_labels().tolist() == lt.get_gt_labels().tolist()
    assert lt[0]['img'].shape[:2] == (8, 8)  # samples come through the wrapped pipeline


def test_building_reads_no_image(digits_train, tmp_path):
    def forbidden(*args, **kwargs):
        raise AssertionError('an image was loaded while building the subset')

    digits_train.prepare_data = forbidden
    try:
        lt = LongTailDataset(digits_train, n_max=50, rho=10)
        assert len(lt) == sum(long_tail_counts(10, 50, 10))
    finally:
        del digits_train.prepare_data
    # annotation list of image files that do not exist: building works, loading would fail
    (tmp_path / 'ann.txt').write_text(''.join(f'missing/{i}.png {i % 3}\n' for i in range(30)))
    lt = LongTailDataset(dict(type='CustomDataset', data_root=str(tmp_path), ann_file='ann.txt',
                              pipeline=[dict(type='LoadImageFromFile')]),
                         profile='counts', counts=[10, 5, 2])
    assert lt.metainfo['class_counts'] == [10, 5, 2]
    with pytest.raises(FileNotFoundError):
        lt[0]


def test_lazy_init_defers_the_choice(digits_train):
    lt = LongTailDataset(digits_train, n_max=50, rho=10, lazy_init=True)
    assert not lt._fully_initialized
    assert lt.metainfo['class_counts'][0] == 50  # metainfo triggers full_init
    assert lt._fully_initialized


def test_choice_is_deterministic_seeded_nested_and_ordered(digits_train):
    a = LongTailDataset(digits_train, n_max=60, rho=10, seed=0)
    b = LongTailDataset(digits_train, n_max=60, rho=10, seed=0)
    c = LongTailDataset(digits_train, n_max=60, rho=10, seed=1)
    assert np.array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)
    assert a.metainfo['class_counts'] == c.metainfo['class_counts']
    # a steeper profile keeps a subset of the gentler one (same n_max, order, seed)
    steep = LongTailDataset(digits_train, n_max=60, rho=30, seed=0)
    assert set(steep.indices.tolist()) <= set(a.indices.tolist())
    # shuffled class order: the class at rank r gets the rank-r count
    shuffled = LongTailDataset(digits_train, n_max=60, rho=10, class_order='shuffle', seed=5)
    rank_class = shuffled.class_of_rank()
    assert sorted(rank_class.tolist()) == list(range(10))
    assert rank_class.tolist() != list(range(10))
    counts = np.asarray(shuffled.metainfo['class_counts'])
    assert counts[rank_class].tolist() == long_tail_counts(10, 60, 10)
    # kept samples really have the labels the counts claim
    assert np.array_equal(shuffled.get_gt_labels(),
                          digits_train.get_gt_labels()[shuffled.indices])


def test_n_max_none_takes_the_smallest_class_and_all_keeps_everything(digits_train):
    smallest = int(np.bincount(digits_train.get_gt_labels()).min())
    lt = LongTailDataset(digits_train, rho=10)
    assert lt.metainfo['class_counts'][0] == smallest
    everything = LongTailDataset(digits_train, profile='all')
    assert len(everything) == len(digits_train)
    assert everything.metainfo['class_counts'] == \
        np.bincount(digits_train.get_gt_labels()).tolist()


def test_step_and_explicit_counts(digits_train):
    step = LongTailDataset(digits_train, profile='step', n_max=100, rho=10, step_fraction=0.3)
    assert step.metainfo['class_counts'] == [100] * 7 + [10] * 3
    explicit = LongTailDataset(digits_train, profile='counts', counts=list(range(10, 110, 10)))
    assert explicit.metainfo['class_counts'] == list(range(10, 110, 10))


@pytest.mark.parametrize('kwargs,match', [
    (dict(rho=0.5), 'rho .* must be >= 1'),
    (dict(profile='log'), 'unknown profile "log"'),
    (dict(n_max=200, rho=10), r'class 0 "0" is asked for 200 images .* has only 142'),
    (dict(n_max=100, rho=101), r'1 class\(es\) left empty \(9 "9"\)'),
    (dict(profile='counts', counts=[5] * 9), 'counts has 9 entries'),
    (dict(profile='counts', counts=[5] * 9 + [0]), r'left empty \(9 "9"\)'),
    (dict(class_order='random'), 'unknown class_order'),
    (dict(profile='file'), '`ann_file` is required'),
])
def test_bad_settings_raise_clear_errors(digits_train, kwargs, match):
    with pytest.raises(ValueError, match=match):
        LongTailDataset(digits_train, **kwargs)


def test_bad_annotation_files_name_the_line(digits_train, tmp_path):
    label0 = int(digits_train.get_gt_labels()[0])
    cases = {
        'unknown.txt': ('99999 1\n', 'unknown.txt:1: "99999" is not a sample'),
        'label.txt': (f'0 {(label0 + 1) % 10}\n', 'label.txt:1: "0" has label'),
        'twice.txt': (f'0 {label0}\n0 {label0}\n', 'twice.txt:2: "0" is listed twice'),
        'format.txt': ('0\n', 'format.txt:1: expected'),
    }
    for name, (text, match) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ValueError, match=match):
            LongTailDataset(digits_train, profile='file', ann_file=str(tmp_path / name))
    with pytest.raises(FileNotFoundError, match='nowhere.txt'):
        LongTailDataset(digits_train, profile='file', ann_file=str(tmp_path / 'nowhere.txt'))


def test_missing_data_folder_is_named():
    with pytest.raises(FileNotFoundError, match='data/no_such_cars'):
        LongTailDataset(dict(type='StanfordCars', data_root='data/no_such_cars'))


@pytest.mark.slow
def test_offset_holds_out_a_disjoint_balanced_split(fashion_train):
    """A validation split chosen after the training subset's images never overlaps it."""
    train = LongTailDataset(fashion_train, n_max=1000, rho=100)
    val = LongTailDataset(fashion_train, profile='counts', counts=[200] * 10, offset=1000)
    assert val.metainfo['class_counts'] == [200] * 10
    assert not set(train.indices.tolist()) & set(val.indices.tolist())
    # the offset continues the same per-class permutation: the head class's first 1200 images
    head = LongTailDataset(fashion_train, profile='counts', counts=[1200] + [1] * 9)
    head_idx = set(head.indices.tolist())
    labels = fashion_train.get_gt_labels()
    assert {i for i in train.indices.tolist() if labels[i] == 0} | \
        {i for i in val.indices.tolist() if labels[i] == 0} == \
        {i for i in head_idx if labels[i] == 0}
    with pytest.raises(ValueError, match='after offset 5900'):
        LongTailDataset(fashion_train, profile='counts', counts=[200] * 10, offset=5900)


def _ldam_drw_reference(targets, img_max, imb_factor, rand_number=0):
    """LDAM-DRW's imbalanced CIFAR, written again from its description: per-class counts
    ``int(img_max * imb_factor ** (i / (C - 1.0)))``, NumPy's global legacy generator seeded
    once, then for each class in label order its indices shuffled in place and the first n
    kept. Returns the kept indices of the balanced set, sorted."""
    targets = np.asarray(targets, dtype=np.int64)
    classes = np.unique(targets)
    counts = [int(img_max * imb_factor**(i / (len(classes) - 1.0))) for i in range(len(classes))]
    state = np.random.get_state()
    try:
        np.random.seed(rand_number)
        kept = []
        for c, n in zip(classes, counts):
            idx = np.where(targets == c)[0]
            np.random.shuffle(idx)
            kept.extend(idx[:n].tolist())
    finally:
        np.random.set_state(state)
    return sorted(kept)


@pytest.mark.parametrize('rho,seed', [(10, 0), (100, 0), (50, 3)])
def test_ldam_drw_selection_keeps_the_same_images(fashion_train, rho, seed):
    """The CIFAR-LT of the LT literature: the same images as LDAM-DRW's procedure (real
    Fashion-MNIST labels stand in for CIFAR's: the procedure reads labels only)."""
    lt = LongTailDataset(fashion_train, n_max=5000, rho=rho, seed=seed, selection='ldam-drw')
    reference = _ldam_drw_reference(fashion_train.get_gt_labels(), 5000, 1 / rho, seed)
    assert lt.indices.tolist() == reference
    # and not what the default (per-class seeded) selection keeps
    assert LongTailDataset(fashion_train, n_max=5000, rho=rho, seed=seed).indices.tolist() \
        != reference


def test_ldam_drw_selection_refuses_what_it_cannot_reproduce(digits_train):
    with pytest.raises(ValueError, match='class_order="index" and offset=0'):
        LongTailDataset(digits_train, n_max=100, selection='ldam-drw', class_order='shuffle')
    with pytest.raises(ValueError, match='unknown selection "ldam"'):
        LongTailDataset(digits_train, n_max=100, selection='ldam')
