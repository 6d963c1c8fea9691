# The CPU-sized student (ReActNet-A width 0.25, as the Fashion-MNIST-LT benchmark) on
# CIFAR-100-LT; everything else as reactnet_cifar100-lt.py.
_base_ = './reactnet_cifar100-lt.py'

model = dict(backbone=dict(widen_factor=0.25), head=dict(in_channels=256))
