"""AdversarialBalancer: lambda learned by ascent, bounded, never NaN; the student still descends."""
import math

import pytest
import torch
from torch import nn

import mmltbin  # noqa: F401
from mmltbin.models.balancers import AdversarialBalancer, BaseBalancer
from mmltbin.models.balancers.base_balancer import bounded_lambda, scale_grad
from mmpretrain.registry import MODELS


def _total(out):
    """The loss an optimizer minimises: student terms plus the balancer's regulariser."""
    total = (out.logit_part + out.feature_part).mean()
    return total if out.reg_loss is None else total + out.reg_loss


def _train(bal, a, b, feats=None, steps=200, lr=0.05):
    """Joint steps with one optimizer (gradient reversal), as in the training step."""
    opt = torch.optim.Adam(bal.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        _total(bal(a, b, teacher_feature=feats)).backward()
        opt.step()
    return bal(a, b, teacher_feature=feats).lam


def _two_groups(n=16, dim=12, seed=0):
    """Teacher features of two clusters; the logit term dominates in the first."""
    gen = torch.Generator().manual_seed(seed)
    centre = torch.randn(dim, generator=gen)
    feats = torch.cat([centre + 0.3 * torch.randn(n, dim, generator=gen),
                       -centre + 0.3 * torch.randn(n, dim, generator=gen)])
    a = torch.cat([torch.full((n, ), 2.0), torch.full((n, ), 0.5)])
    b = torch.cat([torch.full((n, ), 0.5), torch.full((n, ), 2.0)])
    return feats, a, b


def test_registered_and_starts_in_the_middle():
    bal = MODELS.build(dict(type='AdversarialBalancer', in_channels=12))
    feats, a, b = _two_groups()
    lam = bal(a, b, teacher_feature=feats).lam
    torch.testing.assert_close(lam, torch.full_like(lam, 0.5))
    assert isinstance(bal, BaseBalancer) and bal.adversarial


def test_lambda_rises_where_the_logit_term_dominates_and_falls_where_it_does_not():
    feats, a, b = _two_groups()
    bal = AdversarialBalancer(in_channels=12)  # defaults: [0.1, 0.9], normalised, regularised
    lam = _train(bal, a, b, feats)
    assert lam[:16].min() > 0.7, lam[:16]
    assert lam[16:].max() < 0.3, lam[16:]


@pytest.mark.parametrize('input', ['teacher_feature', 'loss_values'])
def test_lambda_rises_for_every_input_that_sees_the_difference(input):
    feats, a, b = _two_groups()
    bal = AdversarialBalancer(input=input, in_channels=12)
    lam = _train(bal, a, b, feats)
    assert lam[:16].mean() > 0.6 > 0.4 > lam[16:].mean()


def test_unconstrained_paper_form_runs_to_the_bound():
    """lo=0, hi=1, raw terms, no regulariser: ascent always favours the larger term."""
    a, b = torch.full((8, ), 1.0), torch.full((8, ), 0.1)
    bal = AdversarialBalancer(input='constant', lo=0.0, hi=1.0, reg_weight=0.0,
                              normalize_terms=False)
    lam = _train(bal, a, b, steps=300, lr=0.1)
    assert lam.min() > 0.95 and lam.max() < 1.0


def test_regulariser_makes_it_balance_at_the_analytic_optimum():
    """max_lambda lambda*a + (1-lambda)*b - g*(lambda - 0.5)^2  ->  lambda = 0.5 + (a-b)/(2g)."""
    a, b, g = torch.full((8, ), 1.0), torch.full((8, ), 0.6), 2.0
    bal = AdversarialBalancer(input='constant', lo=0.0, hi=1.0, reg_weight=g,
                              normalize_terms=False)
    lam = _train(bal, a, b, steps=600, lr=0.05)
    torch.testing.assert_close(lam, torch.full_like(lam, 0.5 + 0.4 / (2 * g)), atol=0.01,
                               rtol=0)


def test_student_gradients_are_those_of_the_minimisation():
    torch.manual_seed(0)
    student = nn.Linear(3, 2)
    x = torch.randn(10, 3)
    feats = torch.randn(10, 5)
    bal = AdversarialBalancer(in_channels=5, reg_weight=0.5, normalize_terms=True)
    nn.init.normal_(bal.mlp[-1].weight, std=1.0)  # lambda differs between samples
    student_params, bal_params = list(student.parameters()), list(bal.parameters())

    def terms():
        out = student(x)
        return out[:, 0].pow(2), (out[:, 1] - 1).pow(2)

    a, b = terms()
    out = bal(a, b, teacher_feature=feats)
    grads = torch.autograd.grad(_total(out), student_params + bal_params)

    # manual: the first batch normalises by its own means; lambda is a constant for the student
    a, b = terms()
    scale_a, scale_b = a.detach().mean(), b.detach().mean()
    lam = bal.compute_lambda(bal.source(a / scale_a, b / scale_b, feats))
    assert lam.std() > 0.01
    student_obj = (lam.detach() * a / scale_a + (1 - lam.detach()) * b / scale_b).mean()
    manual_student = torch.autograd.grad(student_obj, student_params)
    ascent_obj = (lam * (a / scale_a).detach() + (1 - lam) * (b / scale_b).detach()).mean()
    reg = 0.5 * (lam - 0.5).pow(2).mean()
    manual_bal = torch.autograd.grad(-ascent_obj + reg, bal_params)
    for got, want in zip(grads, manual_student + manual_bal):
        torch.testing.assert_close(got, want)


def test_grad_scale_zero_freezes_the_balancer_but_not_the_student():
    torch.manual_seed(0)
    student = nn.Linear(3, 2)
    x, feats = torch.randn(6, 3), torch.randn(6, 5)
    bal = AdversarialBalancer(in_channels=5)
    bal.set_grad_scale(0.0)
    out = student(x)
    result = bal(out[:, 0].pow(2), out[:, 1].pow(2), teacher_feature=feats)
    _total(result).backward()
    assert all(p.grad is not None and p.grad.abs().sum() == 0 for p in bal.parameters())
    assert student.weight.grad.abs().sum() > 0


def test_ascent_loss_is_the_negated_objective_of_the_last_batch():
    feats, a, b = _two_groups()
    bal = AdversarialBalancer(in_channels=12, normalize_terms=False, reg_weight=0.0)
    with pytest.raises(RuntimeError, match='no training batch'):
        bal.ascent_loss()
    out = bal(a, b, teacher_feature=feats)
    objective = (out.logit_part + out.feature_part).mean()
    torch.testing.assert_close(bal.ascent_loss(), -objective)
    # descending it is ascending the objective: lambda rises where a > b
    opt = torch.optim.SGD(bal.parameters(), lr=0.5)
    for _ in range(50):
        opt.zero_grad()
        bal.ascent_loss().backward()
        opt.step()
    lam = bal(a, b, teacher_feature=feats).lam
    assert lam[:16].mean() > 0.55 and lam[16:].mean() < 0.45


@pytest.mark.parametrize('lo,hi', [(0.0, 1.0), (0.1, 0.9), (0.45, 0.55)])
def test_lambda_stays_inside_the_bounds_and_finite_with_extreme_inputs(lo, hi):
    big = float(torch.finfo(torch.float32).max)
    feats = torch.tensor([[big, -big, 0.0], [float('inf'), 1.0, 2.0],
                          [float('nan'), float('-inf'), 1.0], [0.0, 0.0, 0.0],
                          [1e-30, -1e-30, 1e-30], [1e30, 1e30, 1e30]])
    terms = torch.tensor([1e30, float('inf'), float('nan'), 0.0, -1.0, 1e-30])
    for input in ('teacher_feature', 'loss_values', 'constant'):
        bal = AdversarialBalancer(input=input, in_channels=3, lo=lo, hi=hi)
        for param in bal.parameters():  # an exploded balancer
            param.data.fill_(1e30)
        for mode in (True, False):
            bal.train(mode)
            lam = bal(terms, terms.flip(0), teacher_feature=feats).lam
            assert torch.isfinite(lam).all(), (input, lam)
            assert (lam > lo).all() and (lam < hi).all(), (input, lam)


def test_lambda_stays_inside_after_long_saturating_training():
    a, b = torch.full((4, ), 1e6), torch.zeros(4)
    for lo, hi in ((0.0, 1.0), (0.1, 0.9)):
        bal = AdversarialBalancer(input='loss_values', lo=lo, hi=hi, reg_weight=0.0,
                                  normalize_terms=False)
        lam = _train(bal, a, b, steps=300, lr=1.0)
        assert torch.isfinite(lam).all() and (lam > lo).all() and (lam < hi).all()
        assert lam.min() > hi - 0.01  # saturated, yet inside


def test_bounded_lambda_and_gradient_reversal_helpers():
    lam = bounded_lambda(torch.tensor([-math.inf, -1e9, 0.0, 1e9, math.inf, math.nan]), 0.0, 1.0)
    assert (lam > 0).all() and (lam < 1).all() and lam[2] == 0.5 and lam[5] == 0.5
    x = torch.ones(3, requires_grad=True)
    (scale_grad(x, -0.5) * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [-0.5, -1.0, -1.5]


def test_running_scale_normalisation():
    bal = AdversarialBalancer(input='constant', momentum=0.5)
    a, b = torch.tensor([2.0, 4.0]), torch.tensor([10.0, 30.0])
    out = bal(a, b)  # first batch: its own means (3, 20)
    torch.testing.assert_close(out.logit_part / out.lam, a / 3.0)
    torch.testing.assert_close(bal.running_scale, torch.tensor([3.0, 20.0]))
    out = bal(2 * a, 2 * b)  # uses the previous scale, then updates it
    torch.testing.assert_close(out.logit_part / out.lam, 2 * a / 3.0)
    torch.testing.assert_close(bal.running_scale, torch.tensor([4.5, 30.0]))
    bal.eval()
    bal(100 * a, 100 * b)
    torch.testing.assert_close(bal.running_scale, torch.tensor([4.5, 30.0]))
    assert int(bal.num_updates) == 2


def test_stats_of_the_last_batch():
    feats, a, b = _two_groups()
    bal = AdversarialBalancer(in_channels=12)
    assert bal.stats() == {}
    _train(bal, a, b, feats, steps=50)
    stats = bal.stats()
    lam = bal(a, b, teacher_feature=feats).lam
    assert stats.keys() == {'lambda_mean', 'lambda_std'}
    assert abs(stats['lambda_mean'] - lam.mean().item()) < 0.05 and stats['lambda_std'] > 0.05


def test_clear_errors():
    with pytest.raises(ValueError, match=r'input "student_feature" does not exist.*'
                                         r'model\.balancer\.input'):
        AdversarialBalancer(input='student_feature', in_channels=4)
    with pytest.raises(ValueError, match='needs in_channels'):
        AdversarialBalancer(input='teacher_feature')
    with pytest.raises(ValueError, match='lo < hi'):
        AdversarialBalancer(in_channels=4, lo=0.6, hi=0.4)
    with pytest.raises(ValueError, match='lo < hi'):
        AdversarialBalancer(in_channels=4, hi=1.5)
    with pytest.raises(ValueError, match='hidden_dims'):
        AdversarialBalancer(in_channels=4, hidden_dims=(0, ))
    with pytest.raises(ValueError, match='reg_weight'):
        AdversarialBalancer(in_channels=4, reg_weight=-1)
    bal = AdversarialBalancer(in_channels=4)
    with pytest.raises(ValueError, match='expected 4 input channels'):
        bal(torch.ones(2), torch.ones(2), teacher_feature=torch.ones(2, 3))
    with pytest.raises(ValueError, match='per-sample terms'):
        bal(torch.ones(2), torch.ones(3), teacher_feature=torch.ones(2, 4))
