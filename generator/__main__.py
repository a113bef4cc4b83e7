"""`python -m generator` is the `papershelf` command."""

from .cli import main

main(prog_name="papershelf")
