from .class_aware import ClassAwareSampler

__all__ = ['ClassAwareSampler']
