# Components of this subpackage are imported here (one line each).
