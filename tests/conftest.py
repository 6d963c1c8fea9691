import os
import os.path as osp

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
