import os
import os.path as osp
from typing import List

import pytest

from toolrun import FASHION_MNIST_ROOT

# Keep every test process to one thread: the suite runs on 2-core machines.
os.environ.setdefault('OMP_NUM_THREADS', '1')


@pytest.fixture
def fashion_mnist_root() -> str:
    """The prepared Fashion-MNIST folder; skips when `tools/prepare_data.sh` has not run."""
    if not osp.isfile(osp.join(FASHION_MNIST_ROOT, 'train-labels-idx1-ubyte')):
        pytest.skip('Fashion-MNIST is not prepared: run `bash tools/prepare_data.sh`')
    return FASHION_MNIST_ROOT


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """Tests of an xdist group first: a group runs on one worker one test after another, the
    longest unit pytest-xdist hands out, and handed out last it leaves the other worker idle."""
    items.sort(key=lambda item: item.get_closest_marker('xdist_group') is None)
