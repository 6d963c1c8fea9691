# MiSLAS stage 1 (Zhong et al., CVPR 2021): cross-entropy with Mixup (alpha 1.0) on the
# long-tailed set. Stage 2 (reactnet-a_mislas-stage2_fashion-mnist-lt.py) starts from its last
# checkpoint.
#   python tools/train.py configs/baselines/reactnet-a_mislas-stage1_fashion-mnist-lt.py
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(
    head=dict(loss=dict(use_soft=True)),  # Mixup targets are class distributions
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)))
