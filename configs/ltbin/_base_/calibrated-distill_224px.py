# Calibrate and Distill on 224 px images (ImageNet-LT, Places-LT, iNaturalist 2018 and the 10
# derived sets): the method of calibrated-distill.py with ReActNet-A as published (width 1.0,
# stride-2 stem) and one teacher resolution, as the paper runs its large datasets: the teacher
# runs online on the student's augmented 224 px crop (no cache: RandomResizedCrop has too many
# views to cache; the teacher's share of a step is in docs/scaling.md).
_base_ = ['./calibrated-distill.py']

model = dict(backbone=dict(widen_factor=1.0, stem_stride=2), head=dict(in_channels=1024))
