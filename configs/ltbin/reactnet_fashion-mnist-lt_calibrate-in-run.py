# Calibrate and distill in one run: TeacherCalibrationHook first trains the teacher's linear
# head on Fashion-MNIST-LT as calibrate_effnet-lite0_fashion-mnist-lt.py does (frozen ImageNet
# EfficientNet-Lite0, balanced softmax, 32/64/96 px, Adam 1e-3 cosine, 30 epochs, test
# pipeline), saves it as work_dirs/<this config>/calibrated_teacher.pth (reloaded on resume),
# then distills exactly as reactnet_fashion-mnist-lt.py.
#   python tools/model_converters/efficientnet_lite0_to_timm.py
#   python tools/train.py configs/ltbin/reactnet_fashion-mnist-lt_calibrate-in-run.py
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(
    teacher=dict(
        model=dict(
            encoder_checkpoint='checkpoints/efficientnet-lite0_in1k_timm.pth',
            loss=dict(type='BalancedSoftmaxLoss', loss_weight=1.0),
            cache_features=True,
            # resolutions (32, 64, 96) from the base: used by calibration and distillation
        ),
        checkpoint=None))

custom_hooks = [
    dict(type='TeacherCalibrationHook', epochs=30),
    *_base_.custom_hooks,  # AdversarialBalanceHook
]
