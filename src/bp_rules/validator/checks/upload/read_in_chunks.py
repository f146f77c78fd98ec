"""`upload-read-in-chunks` (opt-in): an `UploadFile` read whole into memory."""

from __future__ import annotations

from bp_rules.validator.context import FileContext
from bp_rules.validator.registry import FileCheck, register

UPLOAD_FILES = ("fastapi.UploadFile", "fastapi.datastructures.UploadFile", "starlette.datastructures.UploadFile")
WHOLE_READS = frozenset(f"{t}.read" for t in UPLOAD_FILES)
SPOOLED_READS = frozenset(f"{t}.file.read" for t in UPLOAD_FILES)


@register
class ReadInChunks(FileCheck):
    rule_id = "upload-read-in-chunks"

    def check(self, ctx: FileContext) -> None:
        for fn in ctx.summary.functions:
            for call in fn.calls:
                if call.name not in WHOLE_READS and call.name not in SPOOLED_READS:
                    continue
                node = ctx.call_node(call)
                if node.args:
                    continue  # a size: one chunk
                how = "`.file.read()`" if call.name in SPOOLED_READS else "`await .read()`"
                ctx.report_at(
                    self.rule_id,
                    call,
                    f"{how} loads the whole upload into memory in `{fn.name}`; loop over "
                    "`await upload.read(CHUNK_SIZE)` or copy `upload.file` with `shutil.copyfileobj`",
                )
