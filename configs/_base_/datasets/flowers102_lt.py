# Flowers102-LT: derived from mmpretrain's Flowers102 trainval split (setid.mat: 20 per class,
# 102 classes) -> n_max 20, rho 10. Test split (6,149 images) as published.
_base_ = './derived_lt.py'

dataset_type = 'Flowers102'
data_root = 'data/Flowers102'
data_preprocessor = dict(num_classes=102)
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root, split='trainval')))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
