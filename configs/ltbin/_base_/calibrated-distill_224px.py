# Calibrate-and-Distill on the large 224 px long-tailed datasets (ImageNet-LT, Places-LT,
# iNaturalist 2018): ReActNet-A as published (width 1.0, stride-2 stem), one resolution (the
# paper runs its large datasets at a single resolution): the teacher runs online on the
# student's augmented 224 px crop. Leaves set the dataset, classes and teacher checkpoint.
_base_ = ['./calibrated-distill_reactnet-a_effnet-lite0.py']

model = dict(
    backbone=dict(widen_factor=1.0, stem_stride=2),
    head=dict(in_channels=1024),
    teacher_input='student',
)
