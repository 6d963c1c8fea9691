# Derived long-tailed sets: an exponential LT subset of a balanced training split,
# n_i = floor(n_max * rho^(-i / (C - 1))), class i = label i, seed 0, test split left balanced.
# n_max=None takes the smallest class of the training split (every class can give its count);
# rho 10 because several of these splits have only 20-80 images per class (rho 100 would leave
# classes empty). Override per run, e.g. --cfg-options train_dataloader.dataset.rho=50
_base_ = './lt_224px.py'

train_dataloader = dict(
    dataset=dict(profile='exp', n_max=None, rho=10, class_order='index', seed=0))
