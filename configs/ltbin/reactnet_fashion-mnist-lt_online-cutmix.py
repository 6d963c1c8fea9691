# Consistent mixing with CutMix (alpha 1.0) in place of Mixup: see
# reactnet_fashion-mnist-lt_online-mixup.py.
_base_ = './reactnet_fashion-mnist-lt_no-cache.py'

model = dict(train_cfg=dict(augments=dict(type='CutMix', alpha=1.0)))
