"""Benchmarks of the platform at utility scale (issue 11): `python -m bench run …` / `make bench`."""
