# Oxford-IIIT-Pets-LT: derived from mmpretrain's OxfordIIITPet trainval split
# (annotations/trainval.txt, 37 classes) -> n_max = its smallest class, rho 10.
_base_ = './derived_lt.py'

dataset_type = 'OxfordIIITPet'
data_root = 'data/Oxford-IIIT_Pets'
data_preprocessor = dict(num_classes=37)
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root, split='trainval')))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
