# The method with a teacher-output cache: every image gets one of 4 fixed augmentations (crop,
# flip, teacher resolution) per run (SlottedAugment), so the frozen teacher's outputs are
# computed once per augmented image and read back in later epochs (TeacherOutputCache).
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(teacher_cache=dict(type='TeacherOutputCache', dtype='float32'))
train_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    dict(type='SlottedAugment', num_slots=4, transforms=_base_.train_pipeline[1:4]),
    dict(type='PackInputs',
         meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'aug_key')),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
