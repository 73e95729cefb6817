"""The landing contract and everything that turns landing files into rows of the `raw` schema."""
