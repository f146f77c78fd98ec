"""`structure-external-client-module`: external services (payments, storage, e-mail APIs) are reached through
a `src/<domain>/client.py` wrapper, not by importing their SDK in routers and dependencies."""

from __future__ import annotations

from bp_rules.validator.analysis.layout import Layout, report_per_file
from bp_rules.validator.analysis.misplaced import placed, role_home
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import FileSummary

SDKS = frozenset(
    {
        "boto3", "aioboto3", "botocore", "aiobotocore", "stripe", "httpx", "requests", "aiohttp", "urllib3",
        "openai", "anthropic", "twilio", "sendgrid", "slack_sdk", "mailchimp_marketing", "mailgun",
    }
)  # fmt: skip


# SDK parts that do not talk to the service: webhook signature checks, error and type definitions
NOT_CLIENT_PARTS = frozenset({"signature", "errors", "exceptions", "error", "webhook", "Webhook", "types", "models"})


def _sdk_calls(summary: FileSummary) -> set[str]:
    """SDKs this module calls into (a client, a request, an API object), not only imports for types."""
    used = set()
    for fn in [None, *summary.functions]:
        for call in summary.module_calls if fn is None else fn.calls:
            for name in (call.name, *call.passed_refs):
                parts = name.split(".")
                if parts[0] in SDKS and len(parts) > 1 and not NOT_CLIENT_PARTS & set(parts[1:]):
                    used.add(parts[0])
    return used


@register
class ExternalClientModule(ProjectCheck):
    rule_id = "structure-external-client-module"

    def check(self, project: Project) -> None:
        items = []
        for place, summary in placed(project):
            if project.config.role_of(place.parts[-1]) not in ("router", "dependencies"):
                continue
            used = _sdk_calls(summary)
            for imp in summary.imports:
                top = imp.module.split(".", 1)[0]
                if top in used and imp.level == 0:
                    items.append((place.path, imp.span, top))

        def message(path: str, labels: list[str]) -> str:
            place = Layout.of(project).place(path)
            sdk = labels[0]
            client = role_home(place, project, "client")
            return (
                f"`{path}` talks to an external service through `{sdk}` directly; wrap the service in {client} "
                "and reach it through a dependency"
            )

        report_per_file(project, self.rule_id, items, message)
