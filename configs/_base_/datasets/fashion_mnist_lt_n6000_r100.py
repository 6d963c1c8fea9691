# Fashion-MNIST-LT, n_max 6000, rho 100.
_base_ = './fashion_mnist_lt.py'
train_dataloader = dict(dataset=dict(n_max=6000, rho=100))
