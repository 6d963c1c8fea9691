# Ablation: one resolution (as reactnet_fashion-mnist-lt_32px.py) and a fixed lambda of 0.5
# (terms normalised by their running scale) instead of the adversarial balancer.
_base_ = './reactnet_fashion-mnist-lt_32px.py'

model = dict(balancer=dict(_delete_=True, type='FixedBalancer', lam=0.5, normalize_terms=True))
