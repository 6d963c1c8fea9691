# The default with the teacher run by torch (bfloat16 autocast where the device has it): the
# default until the teacher ran in OpenVINO on a CPU, kept for the benchmark rows that measure
# torch's bfloat16 teacher.
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(teacher=dict(runtime='torch'))
