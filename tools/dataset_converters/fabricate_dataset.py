"""Write a few fabricated images in a config's own dataset format, to smoke-run the config.

Every dataset the config's train / val / test dataloaders read is written under
``OUT_DIR/<its data_root>`` (Fashion-MNIST idx files, CIFAR batches, list files, the iNaturalist
json files, the folders and ``.mat`` files of the derived sets): run the unchanged config from
OUT_DIR and it reads them. The images are scikit-learn's digits at the real images' size. See
``mmltbin.testing.fabricate_dataset``.

Usage:
    python tools/dataset_converters/fabricate_dataset.py CONFIG OUT_DIR [--per-class 10]
        [--test-per-class 2] [--seed 0]

Example (from the repository root):
    python tools/dataset_converters/fabricate_dataset.py configs/ltbin/reactnet_dtd-lt.py /tmp/fab
    ln -s $PWD/checkpoints /tmp/fab/checkpoints && cd /tmp/fab && python $OLDPWD/tools/train.py \
        $OLDPWD/configs/ltbin/calibrate_effnet-lite0_dtd-lt.py \
        --cfg-options train_cfg.max_epochs=1 train_dataloader.num_workers=0 \
        train_dataloader.persistent_workers=False val_dataloader.num_workers=0 \
        val_dataloader.persistent_workers=False
CIFAR configs also need mmltbin.testing.accept_fabricated_cifar (mmpretrain checks the official
md5 sums of the CIFAR files), so run those from Python.
"""
import argparse

import mmltbin  # noqa: F401  (registers mmltbin's datasets)
from mmltbin.testing import fabricate_dataset


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='Fabricate a config\'s datasets')
    parser.add_argument('config', help='config whose dataloaders name the datasets')
    parser.add_argument('out_dir', help='folder to write into (data_root paths below it)')
    parser.add_argument('--per-class', type=int, default=10, help='training images per class')
    parser.add_argument('--test-per-class', type=int, default=2,
                        help='images per class of the other splits')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    for root in fabricate_dataset(args.config, args.out_dir, per_class=args.per_class,
                                  test_per_class=args.test_per_class, seed=args.seed):
        print(root)


if __name__ == '__main__':
    main()
