# The *uncalibrated* reference teacher: the same frozen EfficientNet-Lite0 encoder and new linear
# head at 32 / 64 / 96 px, trained with plain cross-entropy (no long-tail-aware loss), so its
# predictions keep the head-class bias of the long-tailed training set.
_base_ = './calibrate_effnet-lite0_fashion-mnist-lt.py'

model = dict(loss=dict(_delete_=True, type='CrossEntropyLoss', loss_weight=1.0))
