"""`structure-constants-module`: a domain's literal constants and error-code enums live in
`src/<domain>/constants.py`."""

from __future__ import annotations

import re

import libcst as cst

from bp_rules.validator.analysis.layout import ClassKinds, Layout, report_per_file, subject
from bp_rules.validator.analysis.misplaced import placed, public_classes, role_home
from bp_rules.validator.analysis.tables import assign_targets
from bp_rules.validator.context import FileContext
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")


CODE_ENUM = re.compile(r"(ErrorCode|Status)")


CONSTANT_ROLES = ("router", "service", "dependencies")


@register
class ConstantsFacts(FileCheck):
    """Records module-level `UPPER_CASE = <literal>` assignments, with their spans."""

    rule_id = "structure-constants-module"

    def check(self, ctx: FileContext) -> None:
        if ctx.config.role_of(ctx.path.rsplit("/", 1)[-1]) not in CONSTANT_ROLES:
            return
        for stmt in ctx.tree.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not isinstance(small, (cst.Assign, cst.AnnAssign)) or small.value is None:
                    continue
                targets = assign_targets(small)
                if len(targets) != 1 or not isinstance(targets[0], cst.Name):
                    continue
                name = targets[0].value
                if UPPER.match(name) and _literal(small.value):
                    ctx.summary.facts.setdefault(self.rule_id, []).append(["constant", name, ctx.fact_span(targets[0])])


def _literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False")
    if isinstance(node, cst.UnaryOperation):
        return _literal(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _literal(node.left) and _literal(node.right)
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return bool(node.elements) and all(_literal(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return bool(node.elements) and all(
            isinstance(e, cst.DictElement) and _literal(e.key) and _literal(e.value) for e in node.elements
        )
    return False


@register
class ConstantsModule(ProjectCheck):
    rule_id = "structure-constants-module"

    def check(self, project: Project) -> None:
        kinds = ClassKinds.of(project)
        items = []
        for place, summary in placed(project):
            if project.config.role_of(place.parts[-1]) not in CONSTANT_ROLES:
                continue
            for fact in summary.facts.get(self.rule_id, []):
                if fact and fact[0] == "constant":
                    items.append((place.path, tuple(fact[2]), fact[1]))
            for cls in public_classes(summary):
                if CODE_ENUM.search(cls.name) and kinds.is_enum(cls):
                    items.append((place.path, cls.span, cls.name))

        def message(path: str, labels: list[str]) -> str:
            place = Layout.of(project).place(path)
            return (
                f"{subject(labels, 'constant')} declared in `{path}`; move literal constants and error "
                f"codes to {role_home(place, project, 'constants')} and import them"
            )

        report_per_file(project, self.rule_id, items, message)
