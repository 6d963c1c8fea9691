# scikit-learn's 8x8 handwritten digits (ships inside scikit-learn; no download).
# A real, tiny dataset for smoke tests and demos: 1,438 train / 359 test images.
dataset_type = 'SklearnDigits'

data_preprocessor = dict(num_classes=10, mean=[85.0], std=[100.0], to_rgb=False)

train_pipeline = [dict(type='PackInputs')]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
