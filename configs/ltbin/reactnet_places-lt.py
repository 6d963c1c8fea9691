# Calibrate and Distill on Places-LT (62,500 images, 365 classes): ReActNet-A at 224 px, 90
# epochs (as ImageNet-LT: the binary student starts from scratch; the literature's 30 epochs
# fine-tune an ImageNet-pretrained model).
# Needs the dataset (configs/_base_/datasets/places_lt.py) and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_places-lt.py
_base_ = ['../_base_/datasets/places_lt.py', './_base_/calibrated-distill_224px.py']

model = dict(
    head=dict(num_classes=365),
    teacher=dict(model=dict(num_classes=365),
                 checkpoint='work_dirs/calibrate_effnet-lite0_places-lt/epoch_30.pth'))
train_cfg = dict(max_epochs=90)
train_dataloader = _base_.method_train_dataloader
