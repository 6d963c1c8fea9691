# UCF101-LT (middle frames): one image per video, the middle frame, as in CoOp's
# UCF-101-midframes. mmpretrain has no UCF101 class, so CustomDataset reads annotation lists
# `relpath label` relative to data/ucf101/UCF-101-midframes: meta/train.txt and meta/test.txt
# (from the official split 1, label = class index 0-100) -> n_max = smallest class, rho 10.
_base_ = './derived_lt.py'

data_root = 'data/ucf101'
data_preprocessor = dict(num_classes=101)
train_dataloader = dict(
    dataset=dict(
        num_classes=101,
        dataset=dict(type='CustomDataset', data_root=data_root,
                     data_prefix='UCF-101-midframes', ann_file='meta/train.txt')))
val_dataloader = dict(
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='UCF-101-midframes',
                 ann_file='meta/test.txt'))
test_dataloader = val_dataloader
