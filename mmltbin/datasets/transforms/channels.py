"""Channel handling for grey datasets fed to 3-channel networks."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RepeatChannels(BaseTransform):
    """Turn a grey ``HxW`` (or ``HxWx1``) image into ``HxWxC`` by repeating it.

    Fashion-MNIST and MNIST images are 28x28 grey; ImageNet-pretrained teachers and most
    backbones expect 3 channels. Images that already have ``num_channels`` channels pass
    through unchanged.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``.

    Args:
        num_channels (int): Channels of the output. Defaults to 3.

    Example:
        >>> import numpy as np
        >>> RepeatChannels()(dict(img=np.zeros((28, 28), np.uint8)))['img'].shape
        (28, 28, 3)
    """

    def __init__(self, num_channels: int = 3) -> None:
        if num_channels < 1:
            raise ValueError(f'RepeatChannels: num_channels must be >= 1, got {num_channels}')
        self.num_channels = num_channels

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = img[..., None]
        if img.ndim != 3:
            raise ValueError(f'RepeatChannels expects an HxW or HxWxC image, got {img.shape}')
        if img.shape[2] == 1 and self.num_channels != 1:
            img = np.ascontiguousarray(np.repeat(img, self.num_channels, axis=2))
        elif img.shape[2] != self.num_channels:
            raise ValueError(f'RepeatChannels: cannot make {self.num_channels} channels from '
                             f'an image with {img.shape[2]}')
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_channels={self.num_channels})'
