# Calibrate-and-Distill on CIFAR-10-LT (rho 100, 12,406 images): ReActNet-A (width 0.25,
# stride-1 stem) at 32 px, teacher views at 32 / 64 / 96 px (one random size per sample).
# Needs data/cifar10/cifar-10-batches-py/ and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_cifar10-lt.py
_base_ = [
    '../_base_/datasets/cifar10_lt_r100.py',
    './_base_/calibrated-distill_reactnet-a_effnet-lite0.py',
    '../_base_/schedules/adam_cosine_20e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(widen_factor=0.25, stem_stride=1),
    head=dict(num_classes=10, in_channels=256),
    teacher=dict(model=dict(num_classes=10),
                 checkpoint='work_dirs/calibrate_effnet-lite0_cifar10-lt/epoch_30.pth'),
)

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiResPipeline', teacher_sizes=(32, 64, 96), num_teacher_views=1),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
