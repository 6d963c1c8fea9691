from .atomic_local_backend import AtomicLocalBackend, atomic_write

__all__ = ['AtomicLocalBackend', 'atomic_write']
