# DTD-LT: derived from mmpretrain's DTD trainval split (imdb/imdb.mat; 80 per class, 47 classes)
# -> n_max 80, rho 10. Test split (40 per class) stays balanced.
_base_ = './derived_lt.py'

dataset_type = 'DTD'
data_root = 'data/dtd'
data_preprocessor = dict(num_classes=47)
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root, split='trainval')))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
