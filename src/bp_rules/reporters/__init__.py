"""One module per output format; each renders findings to a string."""

from bp_rules.reporters import github, json_format, sarif, text

FORMATS = {"text": text, "json": json_format, "sarif": sarif, "github": github}
