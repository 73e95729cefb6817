"""Plain-Python machine-learning library of the platform (no dagster, no orchestration imports)."""
