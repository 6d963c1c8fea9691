# Components of this subpackage are imported here (one line each).
from .multi_res_data_preprocessor import MultiResDataPreprocessor  # noqa: F401
