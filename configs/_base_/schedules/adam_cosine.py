# Adam with cosine decay to 0 over the whole run: the usual recipe for binary networks (no weight
# decay on latent binary weights, which would push them towards zero and make their signs flip
# at random). The cosine's length follows train_cfg.max_epochs (mmengine sets the scheduler's
# `end` to it), so a leaf sets only `train_cfg = dict(max_epochs=N)`.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.0))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, eta_min=0.0)]
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# the base learning rate is for a total batch of 128; `--auto-scale-lr` rescales it
auto_scale_lr = dict(base_batch_size=128)
