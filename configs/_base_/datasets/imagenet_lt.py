# ImageNet-LT (Liu et al. 2019): 1000 classes, 115,846 training images (1280 ... 5 per class),
# validation 20 and test 50 images per class. Annotation lists `relpath label` relative to
# data/imagenet: meta/ImageNet_LT_{train,val,test}.txt (paths like
# train/n01440764/n01440764_10026.JPEG; val/test images sorted into val/<wnid>/ folders).
_base_ = './lt_224px.py'

data_root = 'data/imagenet'
data_preprocessor = dict(num_classes=1000)
train_dataloader = dict(
    dataset=dict(
        profile='all',
        dataset=dict(type='ImageNet', data_root=data_root,
                     ann_file='meta/ImageNet_LT_train.txt')))
val_dataloader = dict(
    dataset=dict(type='ImageNet', data_root=data_root, ann_file='meta/ImageNet_LT_val.txt'))
test_dataloader = dict(
    dataset=dict(type='ImageNet', data_root=data_root, ann_file='meta/ImageNet_LT_test.txt'))
val_evaluator = dict(per_class=False)
test_evaluator = val_evaluator
