# CIFAR-100-LT, rho 10.
_base_ = './cifar100_lt.py'
train_dataloader = dict(dataset=dict(rho=10))
