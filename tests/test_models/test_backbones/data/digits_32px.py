# scikit-learn's digits (real images, no download) as 32x32 3-channel inputs: a dataset part
# for the binary-backbone and export tests (merge a `model` into it).
_base_ = ['../../../../configs/_base_/default_runtime.py']

data_preprocessor = dict(num_classes=10, mean=[85.0] * 3, std=[100.0] * 3, to_rgb=False)
_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='SklearnDigits', split='train', pipeline=_pipeline))
test_dataloader = dict(
    batch_size=64, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SklearnDigits', split='test', pipeline=_pipeline))
test_evaluator = dict(type='Accuracy', topk=(1, ))
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.0))
train_cfg = dict(by_epoch=True, max_epochs=1)
