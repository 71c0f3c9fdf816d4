"""`python -m harness` is the `ttq-harness` command."""

from harness.cli import main

main()
