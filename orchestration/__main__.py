"""`python -m orchestration …`: the command line behind `make run` (see orchestration/cli.py)."""

from orchestration.cli import main

raise SystemExit(main())
