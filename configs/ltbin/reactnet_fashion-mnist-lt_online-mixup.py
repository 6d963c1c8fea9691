# The default (the teacher online, consistent Mixup) with the teacher in float32: the precision
# reference of the default's bfloat16 teacher (the views table's 80-epoch "online-mixup" row).
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(teacher=dict(autocast=None))
