# A tiny real-data config for tests of the tools: a small GroupNorm CNN on sklearn digits.
# No random augmentation, no BatchNorm: a 2-process run and a 1-process run of the same global
# batch see the same samples per step and compute the same update.
_base_ = [
    '../../configs/_base_/datasets/digits.py',
    '../../configs/_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=8, base_channels=8,
        num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(1, ),
        norm_cfg=dict(type='GN', num_groups=4)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=16,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
train_dataloader = dict(batch_size=32)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-3))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[3], gamma=0.1)]
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=-1))
randomness = dict(seed=0, deterministic=False)
auto_scale_lr = dict(base_batch_size=32)
