"""`pydantic-settings-per-domain`: each domain has its own `BaseSettings` class in `src/<domain>/config.py`, and
`src/config.py` keeps only app-wide values."""

from __future__ import annotations

from pathlib import PurePosixPath

import libcst as cst

from bp_rules.validator.analysis.pydantic_kinds import SETTINGS, ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import field_statements
from bp_rules.validator.analysis.settings_domains import GLOBAL_PACKAGES, domain_of
from bp_rules.validator.context import FileContext, placement
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

# prefixes of app-wide infrastructure settings: one class may hold these whatever the number of domains
INFRA_PREFIXES = frozenset(
    {"DATABASE", "DB", "POSTGRES", "POSTGRESQL", "PG", "SQLALCHEMY", "REDIS", "CACHE", "CORS", "APP", "API",
     "SERVER", "HOST", "LOG", "LOGGING", "ENV", "ENVIRONMENT", "DEBUG", "SITE", "PROJECT", "SECRET", "SENTRY",
     "OTEL", "OTLP", "HTTP", "CELERY", "BROKER", "WORKER", "DEFAULT", "BASE", "ALLOWED", "TRUSTED", "FRONTEND",
     "BACKEND", "MAX", "MIN", "ENABLE", "USE", "IS"}
)  # fmt: skip
MIN_GROUP = 2


@register
class SettingsPerDomainFacts(FileCheck):
    """Phase 1: the field names of classes (for the one-big-class branch), and reads of `<obj>.<FIELD>` in a
    domain module where the field is named after that domain (for the misplaced-field branch)."""

    rule_id = "pydantic-settings-per-domain"
    node_types = (cst.Attribute,)

    def check(self, ctx: FileContext) -> None:
        if ctx.placement.in_tests:
            return
        fields = {}
        for qualname, node in ctx.indexer.class_nodes.items():
            if node.bases:
                names = [n for n, _ in field_statements(node) if n != "model_config"]
                if names:
                    fields[qualname] = names
        reads = []
        domain = domain_of(ctx)
        if domain is not None:
            prefixes = _domain_prefixes(domain)
            for node, scope in ctx.nodes(cst.Attribute):
                attr = node.attr.value
                if not attr.upper().startswith(prefixes) or attr.upper().partition("_")[0] in INFRA_PREFIXES:
                    continue
                owner = ctx.qualify(node.value, scope)
                if owner and not owner.startswith(f"{ctx.module}.") and "()" not in owner:
                    reads.append([owner, attr, ctx.fact_span(node)])
        if fields or reads:
            ctx.summary.facts[self.rule_id] = [fields, reads]


def _domain_prefixes(domain: str) -> tuple[str, ...]:
    """`payments` -> `PAYMENTS_`, `PAYMENT_`; `policies` -> `POLICIES_`, `POLICY_`."""
    name = domain.upper()
    forms = {name}
    if name.endswith("IES"):
        forms.add(name[:-3] + "Y")
    elif name.endswith("S"):
        forms.add(name[:-1])
    return tuple(f"{f}_" for f in sorted(forms))


@register
class SettingsPerDomain(ProjectCheck):
    rule_id = "pydantic-settings-per-domain"

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        fields: dict[str, list[str]] = {}
        reads = []
        for summary in project.summaries.values():
            data = summary.facts.get(self.rule_id)
            if data:
                fields.update(data[0])
                reads += [(summary, *r) for r in data[1]]
        settings = [
            (cls, summary)
            for cls, summary in project.classes.values()
            if kinds.kind(cls.qualname) == SETTINGS and not kinds.is_in_tests(summary)
        ]
        if len(settings) == 1:
            self._one_class(project, kinds, fields, *settings[0])
        for summary, owner, attr, span in reads:
            self._read(project, kinds, fields, summary, owner, attr, span)

    def _one_class(self, project: Project, kinds: ClassKinds, fields, cls, summary) -> None:
        names = [n for c in reversed(kinds.project_bases(cls.qualname)) for n in fields.get(c, ())]
        groups: dict[str, list[str]] = {}
        for name in names:
            head, sep, _ = name.upper().partition("_")
            if sep and head not in INFRA_PREFIXES:
                groups.setdefault(head, []).append(name)
        groups = {k: v for k, v in groups.items() if len(v) >= MIN_GROUP}
        if len(groups) < 2 or len(_sibling_packages(project, summary.path)) < 2:
            return
        shown = sorted(groups, key=lambda k: (-len(groups[k]), k))
        listed = ", ".join(f"`{k}_*`" for k in shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
        project.report(
            self.rule_id,
            summary.path,
            cls.span,
            f"`{cls.name}` is the only settings class and mixes the groups {listed}; move each group into a "
            "`BaseSettings` class in its domain's `config.py`",
        )

    def _read(self, project: Project, kinds: ClassKinds, fields, summary, owner: str, attr: str, span) -> None:
        module, _, var = owner.rpartition(".")
        source = project.module_of.get(module)
        if source is None or var not in source.assigned_calls:
            return
        found = kinds.find(source.assigned_calls[var])
        if found is None or kinds.kind(found[0].qualname) != SETTINGS:
            return
        if attr not in {n for c in kinds.project_bases(found[0].qualname) for n in fields.get(c, ())}:
            return
        reader = placement(summary.path, project.config).domain
        if placement(source.path, project.config).domain == reader:
            return
        project.report(
            self.rule_id,
            summary.path,
            tuple(span),
            f"`{var}.{attr}` is a `{reader}` setting kept in `{found[0].name}` of `{source.module}`; move it to a "
            f"settings class in `{reader}`'s `config.py`",
        )


def _sibling_packages(project: Project, path: str) -> set[str]:
    """Packages next to the settings module: `src/config.py` -> the domains under `src/`."""
    parent = PurePosixPath(path).parent.parts
    depth = len(parent)
    skip = GLOBAL_PACKAGES | {"tests", "test", "migrations", "alembic"}
    out = set()
    for other in project.summaries:
        parts = PurePosixPath(other).parts
        if parts[:depth] != parent or len(parts) <= depth + 1 or parts[depth] in skip:
            continue
        if not placement(other, project.config).in_tests:
            out.add(parts[depth])
    return out
