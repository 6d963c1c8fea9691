# Consistent mixing (issue "patient distillation"): no teacher-output cache, the teacher runs
# on every batch at 32, 64 and 96 px on the student's own augmented and mixed images (Mixup,
# alpha 1.0: the "function matching" recipe of Beyer et al., CVPR 2022), so teacher and student
# always see the same, never repeated view. The task loss reads the mixed labels.
_base_ = './reactnet_fashion-mnist-lt_no-cache.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)))
