# CIFAR-10-LT, rho 100.
_base_ = './cifar10_lt.py'
train_dataloader = dict(dataset=dict(rho=100))
