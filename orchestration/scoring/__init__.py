"""ML in the nightly run: training assets that register models in MLflow, scoring assets that write `ml.*`.

The models themselves are the plain library `ml/`; this package holds what ties them to the warehouse
(incremental intent scoring, the consumption histories read page by page) and the assets.
"""
