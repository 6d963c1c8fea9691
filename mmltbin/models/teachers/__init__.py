# Components of this subpackage are imported here (one line each).
from .frozen_teacher import FrozenTeacher  # noqa: F401
from .output_cache import TeacherOutputCache  # noqa: F401

__all__ = ['FrozenTeacher', 'TeacherOutputCache']
