"""Helpers for tests and smoke runs of configs (not imported by ``import mmltbin``)."""
from .fabricate import WRITERS, accept_fabricated_cifar, fabricate_dataset

__all__ = ['WRITERS', 'accept_fabricated_cifar', 'fabricate_dataset']
