# Decoupling, tau-normalisation (Kang et al., ICLR 2020): the CE-trained classifier's class
# weights divided by their norm ** tau at test time, bias dropped; nothing is retrained.
# Choose tau on a balanced held-out split of unused training images:
#   python tools/analysis_tools/tau_norm_search.py \
#       configs/baselines/reactnet-a_ce_fashion-mnist-lt.py \
#       work_dirs/reactnet-a_ce_fashion-mnist-lt/epoch_20.pth
# then test with it:
#   python tools/test.py configs/baselines/reactnet-a_tau-norm_fashion-mnist-lt.py \
#       work_dirs/reactnet-a_ce_fashion-mnist-lt/epoch_20.pth --cfg-options model.head.tau=TAU
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(head=dict(type='TauNormClsHead', tau=1.0, keep_bias=False))
