# Calibrate-and-Distill on CIFAR-100-LT (rho 100, 500 ... 5 images, 10,847): as
# reactnet_cifar10-lt.py with CIFAR-100 (the dataset settings of
# configs/_base_/datasets/cifar100_lt.py). Needs data/cifar100/cifar-100-python/ and the
# calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_cifar100-lt.py
_base_ = './reactnet_cifar10-lt.py'

data_preprocessor = dict(num_classes=100, mean=[129.304, 124.070, 112.434],
                         std=[68.170, 65.392, 70.418])
model = dict(
    head=dict(num_classes=100),
    teacher=dict(model=dict(num_classes=100),
                 checkpoint='work_dirs/calibrate_effnet-lite0_cifar100-lt/epoch_30.pth'),
)
_cifar100 = dict(type='CIFAR100', data_root='data/cifar100')
train_dataloader = dict(dataset=dict(n_max=500, dataset=_cifar100))
val_dataloader = dict(dataset=_cifar100)
test_dataloader = val_dataloader
