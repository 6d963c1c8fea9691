# Cost reference: the teacher sees every resolution (32, 64 and 96 px) of every sample, instead
# of one random resolution per sample as in reactnet_fashion-mnist-lt.py.
_base_ = './reactnet_fashion-mnist-lt.py'

train_pipeline = [
    *_base_.train_pipeline[:3],
    dict(type='MultiResPipeline', teacher_sizes=(32, 64, 96)),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
