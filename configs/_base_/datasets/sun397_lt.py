# SUN397-LT: derived from mmpretrain's SUN397 (Partitions/Training_01.txt: 50 per class, 397
# classes) -> n_max 50, rho 10. Testing_01.txt stays balanced. Some SUN397 .jpg files are not
# JPEGs: images are decoded with pillow, as mmpretrain advises.
_base_ = './derived_lt.py'

dataset_type = 'SUN397'
data_root = 'data/SUN397'
load_with_pillow = dict(type='LoadImageFromFile', imdecode_backend='pillow')
data_preprocessor = dict(num_classes=397)
train_pipeline = [load_with_pillow, *_base_.train_pipeline[1:]]
test_pipeline = [load_with_pillow, *_base_.test_pipeline[1:]]
train_dataloader = dict(
    dataset=dict(
        dataset=dict(type=dataset_type, data_root=data_root, split='train',
                     pipeline=train_pipeline)))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
