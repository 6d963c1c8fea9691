# The calibrated teacher at one resolution, the student's 32 px (balanced softmax, as the
# default calibration): the single-resolution reference for the multi-resolution teacher.
_base_ = './calibrate_effnet-lite0_fashion-mnist-lt.py'

model = dict(resolutions=None)
