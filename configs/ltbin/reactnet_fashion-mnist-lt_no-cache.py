# The method without Mixup: the teacher online in float32 on every batch at 32, 64 and 96 px,
# fresh random augmentations every epoch (the views table's "online" row, and the cost
# reference of the cache).
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(teacher=dict(autocast=None), train_cfg=dict(_delete_=True))
