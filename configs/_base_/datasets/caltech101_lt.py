# Caltech101-LT: derived from mmpretrain's Caltech101 (meta/train.txt: 30 images per class,
# 102 classes incl. BACKGROUND_Google) -> n_max 30, rho 10. Test: meta/test.txt. Layout: see
# docs/datasets.md.
_base_ = './derived_lt.py'

dataset_type = 'Caltech101'
data_root = 'data/caltech-101'
data_preprocessor = dict(num_classes=102)
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root, split='train')))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
