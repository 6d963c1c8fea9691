# Food101-LT: derived from mmpretrain's Food101 train split (meta/train.txt: 750 per class,
# 101 classes) -> n_max 750, rho 10. Test split (250 per class) stays balanced.
_base_ = './derived_lt.py'

dataset_type = 'Food101'
data_root = 'data/food-101'
data_preprocessor = dict(num_classes=101)
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root, split='train')))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
