# Calibrate and Distill on small images (28-32 px: Fashion-MNIST-LT, CIFAR-10/100-LT): the
# method of calibrated-distill.py with
# - multi-resolution teacher views: the teacher resizes the student's augmented crop to 32, 64
#   and 96 px and averages its features, as in its calibration (the student sees 32 px);
# - cached teacher outputs: every image gets one of `num_slots` fixed augmentations per run
#   (SlottedAugment), the frozen teacher runs once per augmented image (TeacherOutputCache), all
#   of them before the first epoch (TeacherCachePrefillHook), so training steps never call it.
# A leaf builds its training pipeline from its dataset base's `augment` (the random transforms):
#   [*preprocess, dict(**_base_.slotted_augment, transforms=augment), _base_.pack_inputs]
_base_ = ['./calibrated-distill.py']

model = dict(
    teacher=dict(model=dict(resolutions=(32, 64, 96))),
    teacher_cache=dict(type='TeacherOutputCache', dtype='float32'),
)
slotted_augment = dict(type='SlottedAugment', num_slots=4)
pack_inputs = dict(
    type='PackInputs', meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'aug_key'))
# every image x slot through the teacher before training, in batches of 32
default_hooks = dict(
    teacher_cache_prefill=dict(type='TeacherCachePrefillHook', batch_size=32))
