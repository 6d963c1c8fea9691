# Decoupling, learnable weight scaling (LWS; Kang et al., ICLR 2020): the whole CE baseline
# (stage 1) is loaded and frozen, backbone and classifier; only one scale per class on the
# classifier's scores is learned, for 10 epochs with class-balanced sampling.
#   python tools/train.py configs/baselines/reactnet-a_lws_fashion-mnist-lt.py
# Another stage-1 checkpoint: --cfg-options load_from=PATH
_base_ = './reactnet-a_crt_fashion-mnist-lt.py'

model = dict(
    backbone=dict(init_cfg=None),  # everything comes from load_from
    head=dict(type='LWSClsHead', freeze_fc=True))
load_from = _base_.stage1_checkpoint

# The scales start at 1 and must move by a sizeable fraction of that: Adam moves a parameter by
# about lr per step, so 1e-3 over the ~200 steps of 10 epochs could change a scale by 0.2 at most.
optim_wrapper = dict(optimizer=dict(lr=1e-2))
