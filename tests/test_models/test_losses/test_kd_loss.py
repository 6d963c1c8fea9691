"""KDLoss: tau^2 KL(teacher || student) and its long-tailed options."""
import pytest
import torch
import torch.nn.functional as F

import mmltbin  # noqa: F401
from mmltbin.models.losses import BalancedSoftmaxLoss, KDLoss
from mmltbin.models.losses.class_balanced import effective_number_weights
from mmpretrain.registry import MODELS

COUNTS = [50, 20, 5, 1]


def _logits(seed=0, n=6, c=4, scale=2.0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, generator=gen) * scale


def test_registered_and_equals_the_textbook_formula():
    loss = MODELS.build(dict(type='KDLoss', tau=3.0))
    z_s, z_t = _logits(0), _logits(1)
    expected = F.kl_div(F.log_softmax(z_s / 3, 1), F.softmax(z_t / 3, 1),
                        reduction='batchmean') * 9
    torch.testing.assert_close(loss(z_s, z_t), expected)
    per_sample = loss(z_s, z_t, reduction_override='none')
    assert per_sample.shape == (6, )
    torch.testing.assert_close(per_sample.mean(), expected)


def test_zero_only_at_the_teacher_and_no_gradient_to_the_teacher():
    z_t = _logits(1).requires_grad_(True)
    z_s = z_t.detach().clone().requires_grad_(True)
    loss = KDLoss(tau=2.0)
    assert loss(z_s, z_t).abs() < 1e-6
    value = loss(z_s + torch.tensor([1.0, 0, 0, 0]), z_t)
    assert value > 0
    value.backward()
    assert z_t.grad is None and z_s.grad is not None


def test_power_flattens_the_teacher_like_a_teacher_only_temperature():
    z_t = _logits(1, scale=4.0)
    sharp = KDLoss(power=1.0).target_log_probs(z_t).exp()
    flat = KDLoss(power=0.5).target_log_probs(z_t).exp()
    entropy = lambda p: -(p * p.log()).sum(1)  # noqa: E731
    assert (entropy(flat) > entropy(sharp)).all()
    # p^power / sum p^power
    expected = sharp.pow(0.5) / sharp.pow(0.5).sum(1, keepdim=True)
    torch.testing.assert_close(flat, expected)


def test_student_prior_adjustment_on_one_hot_targets_is_balanced_softmax():
    labels = torch.tensor([0, 1, 2, 3, 3, 0])
    z_s = _logits(0)
    one_hot_teacher = F.one_hot(labels, 4).float() * 60.0  # a memorised, near one-hot teacher
    kd = KDLoss(prior_adjust='student', class_counts=COUNTS)
    bsm = BalancedSoftmaxLoss(class_counts=COUNTS)
    torch.testing.assert_close(kd(z_s, one_hot_teacher), bsm(z_s, labels), rtol=1e-4, atol=1e-4)
    # without the adjustment it is plain cross-entropy
    torch.testing.assert_close(KDLoss()(z_s, one_hot_teacher), F.cross_entropy(z_s, labels),
                               rtol=1e-4, atol=1e-4)


def test_both_adjusted_is_minimal_at_the_teacher_student_adjusted_is_not():
    z_t = _logits(1)
    both = KDLoss(prior_adjust='both', class_counts=COUNTS)
    student = KDLoss(prior_adjust='student', class_counts=COUNTS)
    assert both(z_t.clone(), z_t).abs() < 1e-6
    assert student(z_t.clone(), z_t) > 1e-2
    # 'student' is minimal where z_S + log pi matches the teacher's balanced logits
    log_prior = torch.tensor(COUNTS, dtype=torch.float).log()
    assert student(z_t - log_prior, z_t).abs() < 1e-5


def test_class_balanced_weights_follow_the_label_and_mixed_targets():
    labels = torch.tensor([0, 3, 1, 3, 2, 0])
    z_s, z_t = _logits(0), _logits(1)
    plain = KDLoss(reduction='none')(z_s, z_t)
    cb = KDLoss(class_balanced_beta=0.999, class_counts=COUNTS, reduction='none')
    weights = effective_number_weights(COUNTS, 0.999).float()
    torch.testing.assert_close(cb(z_s, z_t, target=labels), plain * weights[labels])
    # a Mixup target weighs the two classes' weights
    soft = 0.3 * F.one_hot(labels, 4).float() + 0.7 * F.one_hot(labels.flip(0), 4).float()
    expected = plain * (0.3 * weights[labels] + 0.7 * weights[labels.flip(0)])
    torch.testing.assert_close(cb(z_s, z_t, target=soft), expected)
    # rare classes count more
    assert weights[3] > weights[0]


def test_reduction_weight_and_avg_factor():
    z_s, z_t = _logits(0), _logits(1)
    loss = KDLoss(loss_weight=2.0)
    per_sample = KDLoss(reduction='none')(z_s, z_t)
    weight = torch.tensor([1.0, 0, 0, 0, 0, 1.0])
    torch.testing.assert_close(loss(z_s, z_t, weight=weight, avg_factor=2.0),
                               2.0 * (per_sample[0] + per_sample[5]) / 2)
    torch.testing.assert_close(loss(z_s, z_t, reduction_override='sum'), 2 * per_sample.sum())


def test_clear_errors():
    with pytest.raises(ValueError, match='tau'):
        KDLoss(tau=0)
    with pytest.raises(ValueError, match='power'):
        KDLoss(power=-1)
    with pytest.raises(ValueError, match='prior_adjust'):
        KDLoss(prior_adjust='teacher')
    with pytest.raises(ValueError, match='class_balanced_beta'):
        KDLoss(class_balanced_beta=2.0)
    with pytest.raises(RuntimeError, match='KDLoss needs the per-class training counts'):
        KDLoss(prior_adjust='student')(_logits(0), _logits(1))
    with pytest.raises(ValueError, match='needs the labels'):
        KDLoss(class_balanced_beta=0.9, class_counts=COUNTS)(_logits(0), _logits(1))
    with pytest.raises(ValueError, match='differ in shape'):
        KDLoss()(_logits(0, c=4), _logits(1, c=5))
    with pytest.raises(ValueError, match='class_counts has 4 classes'):
        KDLoss(prior_adjust='both', class_counts=COUNTS)(_logits(0, c=5), _logits(1, c=5))


def test_counts_come_through_set_class_counts():
    loss = KDLoss(prior_adjust='student')
    assert loss.uses_counts and loss.class_counts is None
    loss.set_class_counts(COUNTS)
    assert loss.class_counts == COUNTS
    assert torch.isfinite(loss(_logits(0), _logits(1)))
    assert not KDLoss().uses_counts
