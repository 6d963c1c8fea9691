# LDAM-DRW (Cao et al., NeurIPS 2019): label-distribution-aware margins (the rarest class gets
# 0.5, others 0.5 * (n_min / n) ** 0.25) on a cosine classifier with scale s=30; class-balanced
# weights (effective number, beta 0.9999) switched on for the last 20% of epochs (the
# reference: epoch 160 of 200; here epoch 16 of 20, counted from 0).
#   python tools/train.py configs/baselines/reactnet-a_ldam-drw_fashion-mnist-lt.py
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(
    head=dict(
        type='CosineClsHead',
        scale=1.0,  # LDAMLoss applies s=30 after the margins
        loss=dict(
            _delete_=True,
            type='ClassBalancedLoss',
            beta=0.9999,
            enabled=False,  # DRWHook switches it on
            loss=dict(type='LDAMLoss', max_margin=0.5, scale=30.0))))

custom_hooks = [dict(type='DRWHook', start_epoch=16)]
