# Stanford-Cars-LT: derived from mmpretrain's StanfordCars train split (196 classes; cars_annos.mat
# or devkit/ layout) -> n_max = its smallest class, rho 10. Test split as published.
_base_ = './derived_lt.py'

dataset_type = 'StanfordCars'
data_root = 'data/Stanford_Cars'
data_preprocessor = dict(num_classes=196)
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root, split='train')))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
