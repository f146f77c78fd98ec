"""Where the published rule pages live, for links from exported files and SARIF `helpUri`.

The pages are `docs/rules/<id>.md` in the bp-rules repository, written by `bp-rules rules docs`. Links pin
the release tag of the running version, so a link always shows the rule as this version states and checks
it, not as a later release rewrote it. `REPOSITORY` is also `[project.urls] Repository` in pyproject.toml.
"""

from __future__ import annotations

from bp_rules import __version__

REPOSITORY = "https://github.com/bp-rules/bp-rules"
PAGES_DIR = "docs/rules"


def pages_base(version: str = __version__) -> str:
    """The URL every rule page's file name is appended to."""
    return f"{REPOSITORY}/blob/v{version}/{PAGES_DIR}/"


def rule_page(rule_id: str, version: str = __version__) -> str:
    return f"{pages_base(version)}{rule_id}.md"


def published(pack) -> frozenset[str]:
    """The ids of `pack`'s rules that have a published page: the built-in records (a record of your own,
    even one replacing a built-in id, has none)."""
    from bp_rules.schema.loader import builtin_rules_dir

    root = builtin_rules_dir().resolve()
    return frozenset(i for i, path in pack.sources.items() if path.resolve().is_relative_to(root))
