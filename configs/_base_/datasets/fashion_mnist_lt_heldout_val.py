# Fashion-MNIST-LT (set B: n_max 1000, rho 100) validated on a held-out *balanced* split of the
# training images it does not use (200 per class after each class's first 1000, same seed), so
# defaults are chosen without touching the 10k test set. test_dataloader stays the test set.
_base_ = './fashion_mnist_lt_n1000_r100.py'

val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='LongTailDataset',
        dataset=dict(type='FashionMNIST', data_root={{_base_.data_root}}, split='train',
                     download=False, pipeline={{_base_.test_pipeline}}),
        profile='counts',
        counts=[200] * 10,
        offset=1000,
        seed=0,
    ))
