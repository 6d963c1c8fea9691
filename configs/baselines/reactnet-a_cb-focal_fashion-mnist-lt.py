# Class-balanced focal loss (Cui et al., CVPR 2019): mmpretrain's sigmoid focal loss
# (gamma 2; alpha 0.5 weighs positive and negative terms alike) with every sample's C binary
# terms weighted by the class-balanced weight of its class (effective number, beta 0.9999).
#   python tools/train.py configs/baselines/reactnet-a_cb-focal_fashion-mnist-lt.py
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='ClassBalancedLoss',
            beta=0.9999,
            loss=dict(type='FocalLoss', gamma=2.0, alpha=0.5, loss_weight=1.0))))
