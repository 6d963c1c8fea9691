# Resolution-subset selection: the teacher sees ONE of 32 / 64 / 96 px per sample, chosen at
# random (a third of the all-resolutions teacher cost at 32 px, about two thirds at 96), no
# cache. Measured worse (benchmarks/results): the head was calibrated on features averaged over
# the three sizes and is poor on one size alone (35% at 32 px on the held-out split).
_base_ = './reactnet_fashion-mnist-lt_no-cache.py'

# the views come from the pipeline; the teacher uses them at their own sizes
model = dict(teacher_input='views', teacher=dict(resolutions=None))
augment = [
    *_base_.augment,
    dict(type='MultiResPipeline', teacher_sizes=(32, 64, 96), num_teacher_views=1),
]
train_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    *augment,
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
