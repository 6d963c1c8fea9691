# Hooks are imported here (one line each).
