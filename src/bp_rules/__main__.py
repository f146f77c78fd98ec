"""`python -m bp_rules` is the same as the `bp-rules` command."""

from bp_rules.cli import main

raise SystemExit(main())
