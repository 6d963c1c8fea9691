# The method with the four-view teacher (calibrate_effnet-lite0-4res_fashion-mnist-lt.py):
# every cached teacher output averages 32, 64, 96 and 128 px views of the student's crop.
_base_ = './reactnet_fashion-mnist-lt_cached.py'

model = dict(
    teacher=dict(resolutions=(32, 64, 96, 128),
                 checkpoint='work_dirs/calibrate_effnet-lite0-4res_fashion-mnist-lt/epoch_30.pth'))
