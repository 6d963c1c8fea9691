# Fashion-MNIST-LT, n_max 1000, rho 10.
_base_ = './fashion_mnist_lt.py'
train_dataloader = dict(dataset=dict(n_max=1000, rho=10))
