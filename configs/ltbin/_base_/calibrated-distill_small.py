# Calibrate and Distill on small images (28-32 px: Fashion-MNIST-LT, CIFAR-10/100-LT): the
# method of calibrated-distill.py with multi-resolution teacher views: the teacher resizes the
# student's augmented (and mixed) crop to 32, 64 and 96 px and averages its features, as in its
# calibration (the student sees 32 px). The teacher runs online on every batch, so the views
# are fresh every epoch; a leaf takes its dataset base's training pipeline as it is.
_base_ = ['./calibrated-distill.py']

model = dict(teacher=dict(resolutions=(32, 64, 96)))

# The cached form (a leaf's `_cached` variant, e.g. ../reactnet_fashion-mnist-lt_cached.py): every
# image gets one of `num_slots` fixed augmentations per run (SlottedAugment), the frozen teacher
# runs once per augmented image (TeacherOutputCache), all of them before the first epoch
# (TeacherCachePrefillHook), so training steps never call it. It is cheaper per step but the
# views repeat, and a cached image cannot be mixed (no Mixup); the online default leads it on
# the held-out split at 160 epochs (docs/results.md). Such a leaf writes
#   model = dict(**_base_.cached_model)
#   default_hooks = dict(teacher_cache_prefill=_base_.cache_prefill_hook)
#   train_pipeline = [*_base_.preprocess, dict(**_base_.slotted_augment,
#                     transforms=_base_.augment), _base_.pack_inputs]
#   train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
cached_model = dict(
    teacher=dict(autocast=None),
    teacher_cache=dict(type='TeacherOutputCache', dtype='float32'),
    train_cfg=dict(_delete_=True))
slotted_augment = dict(type='SlottedAugment', num_slots=4)
pack_inputs = dict(
    type='PackInputs', meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'aug_key'))
# every image x slot through the teacher before training, in batches of 32
cache_prefill_hook = dict(type='TeacherCachePrefillHook', batch_size=32)
