"""Small argument checks shared by mmltbin's components (errors that name the component)."""
from typing import Any

from mmengine.model import is_model_wrapper
from torch import nn


def check_int(owner: str, name: str, value: Any, minimum: int) -> int:
    """``value`` if it is an int (not a bool) >= ``minimum``, else a ``ValueError`` naming
    ``owner`` and ``name``.

    Example:
        >>> check_int('SlottedAugment', 'num_slots', 4, minimum=1)
        4
        >>> check_int('SlottedAugment', 'num_slots', 0, minimum=1)
        Traceback (most recent call last):
        ...
        ValueError: SlottedAugment: num_slots must be an int >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f'{owner}: {name} must be an int >= {minimum}, got {value!r}')
    return value


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside an mmengine model wrapper (e.g. distributed), or ``model`` itself.

    Example:
        >>> from torch import nn
        >>> layer = nn.Linear(2, 2)
        >>> unwrap_model(layer) is layer
        True
    """
    return model.module if is_model_wrapper(model) else model


__all__ = ['check_int', 'unwrap_model']
