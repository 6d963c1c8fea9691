from .channels import RepeatChannels

__all__ = ['RepeatChannels']
