# Calibrate-and-Distill on Fashion-MNIST-LT (n_max 1000, rho 100: 1000 ... 10 images, 2,478):
# ReActNet-A (width 0.25, stride-1 stem) at 32 px, distilled from the calibrated ImageNet
# EfficientNet-Lite0 teacher, which sees the student's augmented crop resized (inside the
# teacher) to 32, 64 and 96 px, features averaged, as in its calibration.
# The teacher's outputs are cached: every image gets one of 4 fixed augmentations per run
# (SlottedAugment), and the frozen teacher runs once per augmented image (TeacherOutputCache),
# all of them before the first epoch in batches of 32 (TeacherCachePrefillHook), so training
# steps never call the teacher.
# Batches are drawn by square-root sampling (class c with probability proportional to
# sqrt(n_c)), so the KD term's prior adjustment and the balanced-softmax task loss on the
# labels have strength 0.5: the log prior of the classes as sampled (chosen on the held-out
# split, configs/ltbin/README.md).
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
        model=dict(num_classes=10, resolutions=(32, 64, 96)),
        checkpoint='work_dirs/calibrate_effnet-lite0_fashion-mnist-lt/epoch_30.pth'),
    teacher_input='student',
    teacher_cache=dict(type='TeacherOutputCache', dtype='float32'),
    # logits shifted by 0.5 log(prior): the class prior under square-root sampling
    kd_loss=dict(prior_adjust='both', prior_strength=0.5),
    task_loss=dict(_delete_=True, type='BalancedSoftmaxLoss', tau=0.5, loss_weight=1.0),
)

augment = [
    dict(type='RandomCrop', crop_size=32, padding=4 + (32 - 28) // 2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    dict(type='SlottedAugment', num_slots=4, transforms=augment),
    dict(type='PackInputs',
         meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'aug_key')),
]
# batch 32, as the binary baselines (configs/baselines/reactnet-a_ce_fashion-mnist-lt.py)
train_dataloader = dict(
    batch_size=32,
    sampler=dict(_delete_=True, type='ClassAwareSampler', mode='sqrt'),
    dataset=dict(dataset=dict(pipeline=train_pipeline)))
# every image x slot through the teacher before training (reactnet_fashion-mnist-lt_no-cache.py
# shows how to take it out)
default_hooks = dict(
    teacher_cache_prefill=dict(type='TeacherCachePrefillHook', batch_size=32))
