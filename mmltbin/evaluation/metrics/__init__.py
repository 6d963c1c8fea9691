# Metrics are imported here (one line each).
