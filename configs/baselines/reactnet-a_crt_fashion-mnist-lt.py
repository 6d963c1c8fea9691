# Decoupling, classifier re-training (cRT; Kang et al., ICLR 2020): the backbone of the CE
# baseline (stage 1) is loaded and frozen (weights and BatchNorm statistics), a new randomly
# initialised linear classifier is trained for 10 epochs with class-balanced sampling.
#   python tools/train.py configs/baselines/reactnet-a_ce_fashion-mnist-lt.py     # stage 1
#   python tools/train.py configs/baselines/reactnet-a_crt_fashion-mnist-lt.py    # stage 2
# Another stage-1 checkpoint: --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

stage1_checkpoint = 'work_dirs/reactnet-a_ce_fashion-mnist-lt/epoch_20.pth'

model = dict(
    backbone=dict(
        frozen_stages=5,  # the stem and all 5 stages: no gradient, BatchNorm in eval mode
        norm_eval=True,
        # only the backbone's weights are loaded: the classifier starts from scratch
        init_cfg=dict(type='Pretrained', checkpoint=stage1_checkpoint, prefix='backbone.')))

# class-balanced sampling: every class equally likely, then an image uniformly
train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler', mode='balanced'))

# a short classifier-only schedule
param_scheduler = [dict(type='CosineAnnealingLR', T_max=10, by_epoch=True, eta_min=0.0)]
train_cfg = dict(max_epochs=10)
