# Full-precision reference: a 16-channel CIFAR-style ResNet-18, plain cross-entropy, balanced
# Fashion-MNIST. The FP counterpart of the binary students (same width and stem).
_base_ = [
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/adam_cosine_20e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16, base_channels=16,
                  out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
