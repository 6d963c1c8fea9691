# Class-balanced softmax cross-entropy (Cui et al., CVPR 2019): each sample weighted by
# (1 - beta) / (1 - beta ** n_y), normalised to sum to the number of classes; beta 0.9999
# (close to inverse frequency for classes of <= 1000 images).
#   python tools/train.py configs/baselines/reactnet-a_cb-ce_fashion-mnist-lt.py
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='ClassBalancedLoss',
            beta=0.9999,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0))))
