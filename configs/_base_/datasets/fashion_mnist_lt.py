# Fashion-MNIST-LT: an exponential long-tailed subset of the Fashion-MNIST training set
# (n_i = floor(n_max * rho^(-i / 9)), class i = label i), balanced 10k test set.
# Default (set B): n_max 1000, rho 100 -> 1000, 599, 359, 215, 129, 77, 46, 27, 16, 10 (2,478),
# with classes in all three shot groups. Leaves: fashion_mnist_lt_n{1000,6000}_r{10,100}.py.
_base_ = ['./fashion_mnist.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='LongTailDataset',
        dataset=_base_.train_dataloader.dataset,
        profile='exp',
        n_max=1000,
        rho=100,
        class_order='index',
        seed=0,
    ))
val_evaluator = dict(_delete_=True, type='ShotAccuracy')
test_evaluator = val_evaluator
