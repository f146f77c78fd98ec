"""testing-asgitransport: `AsyncClient(app=app)` -> `AsyncClient(transport=ASGITransport(app=app))`."""

from __future__ import annotations

import libcst as cst

from bp_rules.fixes.fix import CannotFix, Codemod, Fix, register


@register
class AsgiTransport(Codemod):
    rule_id = "testing-asgitransport"
    targets = (cst.Call,)

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        keywords = [a.keyword.value for a in node.args if a.keyword is not None]
        if "app" not in keywords or "transport" in keywords or any(a.star for a in node.args):
            raise CannotFix
        func = node.func
        if isinstance(func, cst.Attribute):
            transport = func.with_changes(attr=cst.Name("ASGITransport"))
        elif isinstance(func, cst.Name):
            transport = cst.Name("ASGITransport")
            fix.add_import("httpx", "ASGITransport")
        else:
            raise CannotFix
        args = []
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "app":
                inner = cst.Call(transport, [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
                arg = arg.with_changes(keyword=cst.Name("transport"), value=inner)
            args.append(arg)
        fix.replace(node, node.with_changes(args=args))
