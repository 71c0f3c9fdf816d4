"""`python -m harness` is the `ttq-harness` command."""

from harness.adapters.cli import main

main()
