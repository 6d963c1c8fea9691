# The default (the teacher online, consistent Mixup) with the teacher in float32 and in torch:
# the reference of the default's bfloat16 and OpenVINO teachers (the views table's 80-epoch
# "online-mixup" row, the cost table's float32 rows).
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(teacher=dict(autocast=None, runtime='torch'))
