# CIFAR-100-LT: n_i = floor(500 * rho^(-i / 99)); rho 100 -> 500 ... 5 (10,847 images).
# Leaves: cifar100_lt_r{10,50,100}.py. Needs data/cifar100/cifar-100-python/ (download=False).
_base_ = './cifar10_lt.py'

dataset_type = 'CIFAR100'
data_root = 'data/cifar100'
data_preprocessor = dict(
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
)
train_dataloader = dict(
    dataset=dict(n_max=500, dataset=dict(type=dataset_type, data_root=data_root)))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
