# Calibrate and Distill on ImageNet-LT (115,846 images, 1,000 classes): ReActNet-A at 224 px,
# 90 epochs (the ImageNet-LT schedule of Kang et al. 2020, decoupling).
# Caveat: an ImageNet-1k teacher has seen ImageNet-LT's training images (and the balanced rest
# of ImageNet): use a teacher pretrained elsewhere for a long-tailed result.
# Needs the dataset (configs/_base_/datasets/imagenet_lt.py) and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_imagenet-lt.py
_base_ = ['../_base_/datasets/imagenet_lt.py', './_base_/calibrated-distill_224px.py']

model = dict(
    head=dict(num_classes=1000),
    teacher=dict(model=dict(num_classes=1000),
                 checkpoint='work_dirs/calibrate_effnet-lite0_imagenet-lt/epoch_30.pth'))
train_cfg = dict(max_epochs=90)
train_dataloader = _base_.method_train_dataloader
