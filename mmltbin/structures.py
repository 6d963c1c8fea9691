"""Keys that several parts of mmltbin share, defined in one neutral place.

A dataset transform writes them into a sample's metainfo and a model reads them back; neither
side imports the other.
"""

#: The augmented-image key ``SlottedAugment`` writes into a sample's metainfo (keep it with
#: ``PackInputs(meta_keys=(..., 'aug_key'))``): ``sample_idx * num_slots + slot``, the key under
#: which ``TeacherOutputCache`` stores the teacher's outputs for that image.
AUG_KEY = 'aug_key'

__all__ = ['AUG_KEY']
