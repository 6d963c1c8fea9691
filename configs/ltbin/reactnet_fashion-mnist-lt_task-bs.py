# Variant: the method plus a balanced-softmax task loss on the labels (weight 1).
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(task_loss=dict(_delete_=True, type='BalancedSoftmaxLoss', loss_weight=1.0))
