# Binary ResNet-34 (Bi-Real Net-34, Liu et al., ECCV 2018): binary-resnet18.py with depth 34
# (same stem, shortcuts, head and options).
_base_ = './binary-resnet18.py'

model = dict(backbone=dict(depth=34))
