"""Regenerate the committed schema files from the models: `python -m bp_rules.schema`."""

from pathlib import Path

from bp_rules.schema import SCHEMA_FILES, schema_text

here = Path(__file__).parent
for kind, name in SCHEMA_FILES.items():
    (here / name).write_text(schema_text(kind), encoding="utf-8")
    print(f"wrote {here / name}")
