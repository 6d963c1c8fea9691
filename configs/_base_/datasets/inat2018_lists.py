# iNaturalist 2018 from the LT literature's annotation lists (`relpath label` relative to
# data/inaturalist2018: meta/iNaturalist18_{train,val}.txt, paths like
# train_val2018/Plantae/7477/<id>.jpg); the same images and labels as inat2018.py, which reads the
# official json files.
_base_ = './inat2018.py'

_lists = dict(_delete_=True, type='CustomDataset', data_root=_base_.data_root)
train_dataloader = dict(
    dataset=dict(num_classes=8142,
                 dataset=dict(**_lists, ann_file='meta/iNaturalist18_train.txt',
                              pipeline=_base_.train_pipeline)))
val_dataloader = dict(
    dataset=dict(**_lists, ann_file='meta/iNaturalist18_val.txt', pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
