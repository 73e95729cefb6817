"""Facts of the utility's domain, written once and imported by the code location, `ml/` and the generator.

Dagster-free and light (the standard library and numpy): codes of the landing contract (`codes`), the holiday
calendar (`calendar`), and the physical constants of consumption, climate and transformers (`physics`) that the
synthetic utility draws from and the models' simulators reuse.
"""
