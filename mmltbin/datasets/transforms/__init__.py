from .channels import RepeatChannels
from .multi_res import MultiResPipeline
from .slotted_augment import SlottedAugment

__all__ = ['MultiResPipeline', 'RepeatChannels', 'SlottedAugment']
