"""Commands whose modules are heavier to import (the validator, the exporters), registered on demand."""

import click


def register(cli: click.Group) -> None:
    from bp_rules.validator.command import verify

    if "verify" not in cli.commands:
        cli.add_command(verify)
    from bp_rules.agents.command import export

    if "export" not in cli.commands:
        cli.add_command(export)

    from bp_rules.mcp_server import mcp_command

    if "mcp" not in cli.commands:
        cli.add_command(mcp_command)
    from bp_rules.hooks import hook

    if "hook" not in cli.commands:
        cli.add_command(hook)
