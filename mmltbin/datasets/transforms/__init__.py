from .channels import RepeatChannels
from .epoch_seeded import EpochSeeded
from .multi_res import MultiResPipeline
from .slotted_augment import SlottedAugment

__all__ = ['EpochSeeded', 'MultiResPipeline', 'RepeatChannels', 'SlottedAugment']
