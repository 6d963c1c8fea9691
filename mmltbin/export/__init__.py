"""Packed 1-bit export of binary networks and loading it back."""
from .packed import (export_packed, load_packed, pack_model, packed_floor_bytes,
                     packed_to_checkpoint, read_packed, sign_bits, state_dict_bytes,
                     unpack_state_dict)
from .verify import first_test_images, max_output_difference, model_config

__all__ = [
    'export_packed', 'load_packed', 'pack_model', 'packed_floor_bytes', 'packed_to_checkpoint',
    'read_packed', 'sign_bits', 'state_dict_bytes', 'unpack_state_dict', 'first_test_images',
    'max_output_difference', 'model_config'
]
