"""The `garita` subcommands, one module per group of people's tasks (see station/cli.py)."""
