# CIFAR-100-LT, rho 100.
_base_ = './cifar100_lt.py'
train_dataloader = dict(dataset=dict(rho=100))
