# The calibrated teacher with a fourth, larger view: features averaged over 32, 64, 96 and
# 128 px (the default uses the first three). Its students set the same teacher resolutions.
_base_ = './calibrate_effnet-lite0_fashion-mnist-lt.py'

model = dict(resolutions=(32, 64, 96, 128))
