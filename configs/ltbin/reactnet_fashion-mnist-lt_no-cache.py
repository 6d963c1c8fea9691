# The method without the teacher-output cache: fresh random augmentations every epoch and the
# teacher run on every batch at 32, 64 and 96 px (the cost reference for the cache).
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(teacher_cache=None)
default_hooks = dict(teacher_cache_prefill=None)
train_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    *_base_.augment,
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
