# Calibrate-and-Distill on CIFAR-10-LT (rho 100, 12,406 images): ReActNet-A (width 0.25,
# stride-1 stem) at 32 px; the teacher resizes the crop to 32, 64 and 96 px (averaged, as
# calibrated), its outputs cached (4 fixed augmentations per image, all computed before the
# first epoch), as the Fashion-MNIST-LT default.
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
    teacher=dict(model=dict(num_classes=10, resolutions=(32, 64, 96)),
                 checkpoint='work_dirs/calibrate_effnet-lite0_cifar10-lt/epoch_30.pth'),
    teacher_input='student',
    teacher_cache=dict(type='TeacherOutputCache', dtype='float32'),
)

augment = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [
    dict(type='SlottedAugment', num_slots=4, transforms=augment),
    dict(type='PackInputs',
         meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'aug_key')),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
default_hooks = dict(
    teacher_cache_prefill=dict(type='TeacherCachePrefillHook', batch_size=32))
