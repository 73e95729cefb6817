"""Plain Python that the Dagster assets call: no dagster import below this package."""
