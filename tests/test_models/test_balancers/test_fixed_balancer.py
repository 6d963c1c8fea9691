"""FixedBalancer: a constant lambda, nothing to learn."""
import pytest
import torch

import mmltbin  # noqa: F401
from mmltbin.models.balancers import FixedBalancer
from mmpretrain.registry import MODELS


def test_constant_lambda_mixes_the_terms():
    bal = MODELS.build(dict(type='FixedBalancer', lam=0.3))
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([4.0, 8.0], requires_grad=True)
    out = bal(a, b)
    torch.testing.assert_close(out.logit_part, 0.3 * a)
    torch.testing.assert_close(out.feature_part, 0.7 * b)
    assert out.reg_loss is None and not bal.adversarial and list(bal.parameters()) == []
    (out.logit_part + out.feature_part).sum().backward()
    torch.testing.assert_close(a.grad, torch.full((2, ), 0.3))
    assert bal.stats() == dict(lambda_mean=pytest.approx(0.3), lambda_std=0.0)


def test_extremes_select_one_term_and_normalisation_balances_scales():
    a, b = torch.tensor([1.0, 3.0]), torch.tensor([100.0, 300.0])
    assert FixedBalancer(lam=1.0)(a, b).feature_part.abs().sum() == 0
    out = FixedBalancer(lam=0.5, normalize_terms=True)(a, b)
    torch.testing.assert_close(out.logit_part, out.feature_part)  # both divided by their mean


def test_lambda_out_of_range_is_an_error():
    with pytest.raises(ValueError, match=r'lam must be in \[0, 1\]'):
        FixedBalancer(lam=1.2)
