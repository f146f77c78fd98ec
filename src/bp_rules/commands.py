"""Commands whose modules are heavier to import (the validator, the exporters), registered on demand."""

import click


def register(cli: click.Group) -> None:
    from bp_rules.validator.command import verify

    if "verify" not in cli.commands:
        cli.add_command(verify)
    from bp_rules.agents.command import export

    if "export" not in cli.commands:
        cli.add_command(export)
