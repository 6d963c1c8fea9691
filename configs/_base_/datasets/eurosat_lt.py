# EuroSAT-LT: derived from EuroSAT RGB (10 classes, 27,000 64x64 images; mmpretrain has no
# EuroSAT class, so CustomDataset reads annotation lists `relpath label` relative to
# data/eurosat/2750: meta/train.txt and meta/test.txt, e.g. converted from CoOp's
# split_zhou_EuroSAT.json; labels = index in `classes` below) -> n_max = smallest class of
# the training list, rho 10.
_base_ = './derived_lt.py'

data_root = 'data/eurosat'
classes = ('AnnualCrop', 'Forest', 'HerbaceousVegetation', 'Highway', 'Industrial', 'Pasture',
           'PermanentCrop', 'Residential', 'River', 'SeaLake')
data_preprocessor = dict(num_classes=10)
train_dataloader = dict(
    dataset=dict(
        dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='2750',
                     ann_file='meta/train.txt', metainfo=dict(classes=classes))))
val_dataloader = dict(
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='2750',
                 ann_file='meta/test.txt', metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
