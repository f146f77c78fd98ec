"""`async-run-sync-sdk-in-threadpool`: async code calls a sync SDK as `await run_in_threadpool(fn, *args)`,
passing the function, not the result of calling it."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis import phase_facts as F
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import positional
from bp_rules.validator.names import BLOCKING_CALLS, EXECUTOR_METHOD, THREAD_OFFLOAD, last, matches
from bp_rules.validator.registry import FileCheck, register

STRIPE_METHODS = frozenset(
    {
        "retrieve", "create", "modify", "list", "delete", "search", "cancel", "capture", "confirm", "update",
        "pay", "finalize_invoice", "void_invoice", "send_invoice", "mark_uncollectible", "upcoming",
        "create_reversal", "list_line_items", "expire", "close", "reject", "refund", "attach", "detach",
        "verify", "create_source", "list_sources", "retrieve_source",
    }
)  # fmt: skip


SDK_RESOURCE_METHODS = frozenset({"create", "fetch", "update", "delete", "list", "stream", "retrieve", "parse"})


# clients of vendor SDKs whose every method is a network round trip
SYNC_SDK_CLIENTS = ("slack_sdk.WebClient().", "slack_sdk.web.WebClient().", "dropbox.Dropbox().",
                    "elasticsearch.Elasticsearch().", "sendgrid.SendGridAPIClient().")  # fmt: skip


# clients whose resources expose `create`/`retrieve`... methods
SYNC_SDK_RESOURCES = ("twilio.rest.Client().", "openai.OpenAI().", "anthropic.Anthropic().")


SYNC_SDK_CALLS = frozenset(
    {
        "google.cloud.storage.Client().get_bucket", "google.cloud.storage.Client().list_blobs",
        "google.cloud.storage.Client().list_buckets", "google.cloud.storage.Client().create_bucket",
        "google.cloud.storage.Client().lookup_bucket", "google.cloud.bigquery.Client().query",
        "google.cloud.bigquery.Client().get_table", "google.cloud.bigquery.Client().insert_rows_json",
        "paramiko.SSHClient().connect", "paramiko.SSHClient().exec_command",
    }
)  # fmt: skip


CALLABLE_FACTORIES = frozenset({"functools.partial", "operator.methodcaller", "operator.attrgetter",
                                "operator.itemgetter"})  # fmt: skip


def sync_sdk(name: str) -> bool:
    if not name:
        return False
    if name in SYNC_SDK_CALLS or name.startswith(SYNC_SDK_CLIENTS):
        return True
    method = last(name)
    if name.startswith(SYNC_SDK_RESOURCES):
        return method in SDK_RESOURCE_METHODS
    if name.startswith("stripe.") and method in STRIPE_METHODS:
        owner = name.split(".")[-2]
        return (owner[:1].isupper() and owner not in ("Webhook", "WebhookSignature")) or "StripeClient()" in name
    return False


@register
class RunSyncSdkInThreadpool(FileCheck):
    rule_id = "async-run-sync-sdk-in-threadpool"
    node_types = (cst.Expr,)

    def check(self, ctx: FileContext) -> None:
        discarded = {id(e.value) for e, _ in ctx.nodes(cst.Expr) if isinstance(e.value, cst.Call)}
        blocking = frozenset(BLOCKING_CALLS) | frozenset(ctx.config.blocking_calls)
        for fn in ctx.summary.functions:
            handed_over: set[int] = set()  # calls made as the argument of an offload: reported once, as that
            for call in fn.calls:
                if call.nested:
                    continue
                node = ctx.call_node(call)
                executor = isinstance(node.func, cst.Attribute) and node.func.attr.value == EXECUTOR_METHOD
                offload = call.name in THREAD_OFFLOAD
                if not (offload or executor):
                    continue
                offloader = F.code(node.func)
                arg = positional(node, 1 if executor else 0)
                if arg is not None and isinstance(arg.value, cst.Call):
                    handed_over.add(id(arg.value))
                    inner = F.code(arg.value.func)
                    if not self._makes_callable(ctx.qualify(arg.value.func) or inner):
                        how = f"{offloader}(None, {inner}, ...)" if executor else f"{offloader}({inner}, ...)"
                        ctx.report_at(
                            self.rule_id,
                            call,
                            f"`{inner}(...)` runs on the event loop before `{offloader}` gets its result; pass "
                            f"the function and its arguments, `{how}`",
                        )
                elif offload and fn.is_async and id(node) in discarded:
                    ctx.report_at(
                        self.rule_id,
                        call,
                        f"`{offloader}(...)` is never awaited in `{fn.name}`, so the function never runs; write "
                        f"`await {offloader}(...)`",
                    )
            if not fn.is_async:
                continue
            for call in fn.calls:
                if call.nested or call.awaited or not sync_sdk(call.name) or matches(call.name, blocking):
                    continue
                node = ctx.call_node(call)
                if id(node) in handed_over:
                    continue
                shown = F.code(node.func)
                ctx.report_at(
                    self.rule_id,
                    call,
                    f"`{shown}` is a blocking SDK call inside async `{fn.name}`; run it in a thread with "
                    f"`await run_in_threadpool({shown}, ...)`",
                )

    @staticmethod
    def _makes_callable(name: str) -> bool:
        short = last(name)
        return name in CALLABLE_FACTORIES or short == "partial" or "factory" in short or short.startswith("make_")
