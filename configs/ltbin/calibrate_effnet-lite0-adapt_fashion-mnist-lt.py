# Calibration beyond the paper's frozen form: the last stage of EfficientNet-Lite0 (its last
# MBConv block and the 1x1 head convolution, ~1.0M of its 3.4M encoder weights) trains with the
# new linear head on the LT loss, at a tenth of the head's learning rate; BatchNorm statistics
# stay the ImageNet ones. The checkpoint loads as any calibrated teacher.
# Run: python tools/train.py configs/ltbin/calibrate_effnet-lite0-adapt_fashion-mnist-lt.py
_base_ = ['./calibrate_effnet-lite0_fashion-mnist-lt.py']

model = dict(cache_features=False,
             adapt_encoder=('model.blocks.6', 'model.conv_head', 'model.bn2'))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'encoder': dict(lr_mult=0.1)}))
# the adapted features change every step: nothing to memoise
default_hooks = dict(_base_.default_hooks, _delete_=True)
default_hooks.pop('feature_cache_prefill')
