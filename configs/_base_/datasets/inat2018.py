# iNaturalist 2018: 8,142 classes, 437,513 training images (1000 ... 2 per class), validation
# 24,426 images (3 per class; also used as the test set), read from the official files in
# data/inaturalist2018: train2018.json, val2018.json and the images under train_val2018/.
# The LT literature's list files instead: inat2018_lists.py.
_base_ = './lt_224px.py'

data_root = 'data/inaturalist2018'
data_preprocessor = dict(num_classes=8142)
train_dataloader = dict(
    dataset=dict(
        profile='all',
        dataset=dict(type='INaturalist2018', data_root=data_root, ann_file='train2018.json')))
val_dataloader = dict(
    dataset=dict(type='INaturalist2018', data_root=data_root, ann_file='val2018.json'))
test_dataloader = val_dataloader
val_evaluator = dict(per_class=False)
test_evaluator = val_evaluator
