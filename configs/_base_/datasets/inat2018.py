# iNaturalist 2018: 8,142 classes, 437,513 training images (1000 ... 2 per class), validation
# 24,426 images (3 per class; also used as the test set). Annotation lists `relpath label`
# relative to data/inaturalist2018: meta/iNaturalist18_{train,val}.txt (paths like
# train_val2018/Plantae/7477/<id>.jpg).
_base_ = './lt_224px.py'

data_root = 'data/inaturalist2018'
data_preprocessor = dict(num_classes=8142)
train_dataloader = dict(
    dataset=dict(
        profile='all',
        num_classes=8142,
        dataset=dict(type='CustomDataset', data_root=data_root,
                     ann_file='meta/iNaturalist18_train.txt')))
val_dataloader = dict(
    dataset=dict(type='CustomDataset', data_root=data_root,
                 ann_file='meta/iNaturalist18_val.txt'))
test_dataloader = val_dataloader
val_evaluator = dict(per_class=False)
test_evaluator = val_evaluator
