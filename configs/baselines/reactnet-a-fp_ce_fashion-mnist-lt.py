# The full-precision twin of the binary ReActNet-A (width 0.25): the same blocks with real weights
# and activations (backbone binary=False), trained with cross-entropy like
# reactnet-a_ce_fashion-mnist-lt.py: the reference of the Binary-FP gap (the paper's Figure 1).
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(backbone=dict(binary=False))
