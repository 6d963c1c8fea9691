# The CPU-sized student (ReActNet-A width 0.25, as the Fashion-MNIST-LT benchmark) on
# CIFAR-10-LT; everything else as reactnet_cifar10-lt.py.
_base_ = './reactnet_cifar10-lt.py'

model = dict(backbone=dict(widen_factor=0.25), head=dict(in_channels=256))
