# The method with cached teacher outputs (the default until the views table's 160-epoch rows;
# the main, variants and schedule tables' "method" rows): 4 fixed augmentations per image, the
# teacher in float32 run once per augmented image before the first epoch, no Mixup. About 1.1x
# the plain binary step against ~1.9x for the online default (docs/results.md, the cost table).
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(**_base_.cached_model)
default_hooks = dict(teacher_cache_prefill=_base_.cache_prefill_hook)
train_pipeline = [*_base_.preprocess, dict(**_base_.slotted_augment, transforms=_base_.augment),
                  _base_.pack_inputs]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
