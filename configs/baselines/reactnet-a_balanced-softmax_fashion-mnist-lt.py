# Balanced softmax (Ren et al., NeurIPS 2020): cross-entropy on logits + log class prior
# (tau=1; other tau: the logit-adjusted loss of Menon et al., ICLR 2021). Counts come from the
# LongTailDataset through ClassCountsHook.
#   python tools/train.py configs/baselines/reactnet-a_balanced-softmax_fashion-mnist-lt.py
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(head=dict(loss=dict(_delete_=True, type='BalancedSoftmaxLoss', tau=1.0)))
