# FGVC-Aircraft-LT: derived from mmpretrain's FGVCAircraft trainval split (100 variants, 66-67
# per class) -> n_max 66, rho 10. Test split stays balanced.
_base_ = './derived_lt.py'

dataset_type = 'FGVCAircraft'
data_root = 'data/fgvc-aircraft-2013b'
data_preprocessor = dict(num_classes=100)
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root, split='trainval')))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
