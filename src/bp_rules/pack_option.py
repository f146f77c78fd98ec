"""The pack as the commands take it: the `--rules` option, and loading the pack or exiting 2 with its errors.

Its own module so that a command module (`agents/command`, ...) and the command line that lists it both use it
without importing each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from bp_rules.schema.loader import Pack

RULES_DIR_OPTION = click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A directory of your own rule records (repeatable); a record with a built-in id replaces it.",
)


def load_pack_or_exit(rule_dirs: tuple[Path, ...]) -> Pack:
    from bp_rules.schema.loader import PackError, load_pack

    try:
        return load_pack(rule_dirs)
    except PackError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(2) from None
