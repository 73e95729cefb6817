"""The dashboards as code: what superset/build_assets.py writes into superset/assets/ (Superset's export format).

`model` holds the spec's vocabulary (Chart, Dashboard, ad-hoc metrics and filters); `metrics` the measures several
dashboards share; `dashboards/` one module per dashboard; `datasets`, `charts` and `layout` turn the spec into
the YAML Superset imports. Dataset names equal mart names, and column types and descriptions come from the marts'
dbt YAML, so a renamed column breaks the build, not the browser.
"""
