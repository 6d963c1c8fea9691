# Calibrate-and-Distill on Fashion-MNIST-LT (n_max 1000, rho 100: 1000 ... 10 images, 2,478):
# ReActNet-A (width 0.25, stride-1 stem) at 32 px, distilled from the calibrated ImageNet
# EfficientNet-Lite0 teacher, which sees the student's augmented crop at 32, 64 or 96 px.
#   bash tools/prepare_data.sh
#   python tools/model_converters/efficientnet_lite0_to_timm.py
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_fashion-mnist-lt.py   # teacher
#   python tools/train.py configs/ltbin/reactnet_fashion-mnist-lt.py                 # student
_base_ = [
    '../_base_/datasets/fashion_mnist_lt.py',
    './_base_/calibrated-distill_reactnet-a_effnet-lite0.py',
    '../_base_/schedules/adam_cosine_20e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(widen_factor=0.25, stem_stride=1),
    head=dict(num_classes=10, in_channels=256),
    teacher=dict(
        model=dict(num_classes=10),
        checkpoint='work_dirs/calibrate_effnet-lite0_fashion-mnist-lt/epoch_30.pth'),
)

# Teacher views: the same augmented 32 px crop resized to one random size of 32 / 64 / 96 per
# sample (the teacher's cost at all three sizes would be about 3 times the student's step).
train_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    dict(type='RandomCrop', crop_size=32, padding=4 + (32 - 28) // 2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiResPipeline', teacher_sizes=(32, 64, 96), num_teacher_views=1),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
