# The method without the teacher-output cache: fresh random augmentations every epoch and the
# teacher run on every batch at 32, 64 and 96 px (the cost reference for the cache).
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(teacher_cache=None)
# no cache, so no cache prefill: the hook is taken out of default_hooks (mmengine's Runner
# accepts None only for its own default hooks, not for added ones)
default_hooks = dict(
    _delete_=True,
    **{k: v for k, v in _base_.default_hooks.items() if k != 'teacher_cache_prefill'})
train_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    *_base_.augment,
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
