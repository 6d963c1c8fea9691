# Label-aware smoothing (Zhong et al., CVPR 2021, MiSLAS) used alone, from scratch: smoothing
# 0.3 for the largest class down to 0.0 for the rarest, concave in the class count. The full
# two-stage MiSLAS recipe is reactnet-a_mislas-stage{1,2}_fashion-mnist-lt.py.
#   python tools/train.py configs/baselines/reactnet-a_las_fashion-mnist-lt.py
_base_ = './reactnet-a_ce_fashion-mnist-lt.py'

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LabelAwareSmoothingLoss',
            smooth_head=0.3,
            smooth_tail=0.0,
            shape='concave')))
