# Weight balancing, stage 1 (Alshammari et al., CVPR 2022): cross-entropy with a tuned weight
# decay, which keeps the classifier's per-class weight norms balanced. Binary networks are
# usually trained without weight decay; here AdamW's decoupled decay applies to every weight
# except BatchNorm parameters. 0.05 is a default, not a tuned value: the method's point is to
# tune it on a validation split (e.g. --cfg-options optim_wrapper.optimizer.weight_decay=0.2).
#   python tools/train.py configs/baselines/reactnet-a_wb-stage1_fashion-mnist-lt.py
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0))
