# MiSLAS stage 2 (Zhong et al., CVPR 2021): from the Mixup-trained stage 1, the backbone is
# frozen; the classifier and a learnable scale per class (LWS) are trained for 10 epochs with
# label-aware smoothing (0.3 -> 0.0, concave) and class-balanced sampling. (The reference's
# optional shifted BatchNorm is off for CIFAR-10-LT, so BatchNorm statistics stay frozen.)
#   python tools/train.py configs/baselines/reactnet-a_mislas-stage1_fashion-mnist-lt.py
#   python tools/train.py configs/baselines/reactnet-a_mislas-stage2_fashion-mnist-lt.py
_base_ = './reactnet-a_crt_fashion-mnist-lt.py'

model = dict(
    backbone=dict(init_cfg=None),  # everything comes from load_from
    head=dict(
        type='LWSClsHead',
        freeze_fc=False,
        loss=dict(
            _delete_=True,
            type='LabelAwareSmoothingLoss',
            smooth_head=0.3,
            smooth_tail=0.0,
            shape='concave')))
load_from = 'work_dirs/reactnet-a_mislas-stage1_fashion-mnist-lt/epoch_20.pth'
