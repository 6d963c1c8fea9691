# Post-hoc logit adjustment (Menon et al., ICLR 2021): predict argmax z - tau * log(prior) with a
# model trained by plain cross-entropy. Training with this config is exactly the CE baseline
# (only predictions are adjusted); the usual use is to test the CE checkpoint:
#   python tools/test.py configs/baselines/reactnet-a_logit-adjust_fashion-mnist-lt.py \
#       work_dirs/reactnet-a_ce_fashion-mnist-lt/epoch_20.pth
# Search tau on a balanced held-out split (not the test set):
#   python tools/analysis_tools/tau_norm_search.py \
#       configs/baselines/reactnet-a_ce_fashion-mnist-lt.py \
#       work_dirs/reactnet-a_ce_fashion-mnist-lt/epoch_20.pth --method logit-adjust
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(head=dict(type='LogitAdjustedLinearClsHead', tau=1.0))
