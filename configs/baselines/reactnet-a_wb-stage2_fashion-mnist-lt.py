# Weight balancing, stage 2 (Alshammari et al., CVPR 2022): from stage 1, the backbone is
# frozen and the classifier is fine-tuned for 10 epochs with a class-balanced cross-entropy
# (effective number, beta 0.9999), weight decay and a MaxNorm constraint (every class weight
# vector kept within min + 0.1 * (max - min) of the loaded classifier's norms, by projection
# after each step). Sampling stays instance-balanced, as in the reference.
#   python tools/train.py configs/baselines/reactnet-a_wb-stage1_fashion-mnist-lt.py
#   python tools/train.py configs/baselines/reactnet-a_wb-stage2_fashion-mnist-lt.py
_base_ = './reactnet-a_crt_fashion-mnist-lt.py'

model = dict(
    backbone=dict(init_cfg=None),  # everything comes from load_from
    head=dict(
        loss=dict(
            _delete_=True,
            type='ClassBalancedLoss',
            beta=0.9999,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0))))
load_from = 'work_dirs/reactnet-a_wb-stage1_fashion-mnist-lt/epoch_20.pth'

train_dataloader = dict(sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.1),
    paramwise_cfg=dict(norm_decay_mult=0.0))
custom_hooks = [dict(type='MaxNormHook', thresh=0.1, mode='relative', layer='head.fc')]
