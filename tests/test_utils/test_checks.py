"""mmltbin.utils.checks: the shared int check and model unwrapping."""
import pytest
from mmengine.model import MMDistributedDataParallel
from torch import nn

from mmltbin.utils import check_int, unwrap_model


def test_check_int_names_the_owner_and_the_key():
    assert check_int('Owner', 'size', 3, minimum=1) == 3
    assert check_int('Owner', 'size', 0, minimum=0) == 0
    for bad in (0, -1, 1.0, True, '2', None):
        with pytest.raises(ValueError, match=r"Owner: size must be an int >= 1, got "):
            check_int('Owner', 'size', bad, minimum=1)


def test_unwrap_model_returns_the_wrapped_module():
    layer = nn.Linear(2, 2)
    assert unwrap_model(layer) is layer
    wrapper = MMDistributedDataParallel.__new__(MMDistributedDataParallel)  # no process group
    nn.Module.__init__(wrapper)
    wrapper.module = layer
    assert unwrap_model(wrapper) is layer
