# Places-LT (Liu et al. 2019): 365 classes, 62,500 training images (4980 ... 5 per class),
# validation 20 and test 100 images per class. Annotation lists `relpath label` relative to
# data/places365: meta/Places_LT_{train,val,test}.txt over the Places365-Standard images.
_base_ = './lt_224px.py'

data_root = 'data/places365'
data_preprocessor = dict(num_classes=365)
train_dataloader = dict(
    dataset=dict(
        profile='all',
        num_classes=365,
        dataset=dict(type='CustomDataset', data_root=data_root,
                     ann_file='meta/Places_LT_train.txt')))
val_dataloader = dict(
    dataset=dict(type='CustomDataset', data_root=data_root, ann_file='meta/Places_LT_val.txt'))
test_dataloader = dict(
    dataset=dict(type='CustomDataset', data_root=data_root, ann_file='meta/Places_LT_test.txt'))
val_evaluator = dict(per_class=False)
test_evaluator = val_evaluator
