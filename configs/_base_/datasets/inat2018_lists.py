# iNaturalist 2018 from the LT literature's annotation lists (`relpath label` relative to
# data/inaturalist2018: meta/iNaturalist18_{train,val}.txt, paths like
# train_val2018/Plantae/7477/<id>.jpg); the same images and labels as inat2018.py, which reads the
# official json files.
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
