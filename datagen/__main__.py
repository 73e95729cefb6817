"""Command line: python -m datagen --out data/landing --customers 5000 --days 180 --seed 42."""

from __future__ import annotations

import argparse
import datetime as dt

from .generator import BAD_ROW_RATE, DEFAULT_END_DATE, generate


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and write the landing directory."""
    parser = argparse.ArgumentParser(prog="python -m datagen", description=__doc__)
    parser.add_argument("--out", default="data/landing", help="landing directory to write (default data/landing)")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=DEFAULT_END_DATE, help="last day, YYYY-MM-DD")
    parser.add_argument("--bad-row-rate", type=float, default=BAD_ROW_RATE, help="share of damaged rows per daily file")
    args = parser.parse_args(argv)
    generate(args.out, args.customers, args.days, args.seed, args.end_date, bad_row_rate=args.bad_row_rate)


if __name__ == "__main__":
    main()
