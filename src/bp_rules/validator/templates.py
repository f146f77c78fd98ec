"""Template files named `.py` (a code generator's Jinja templates): not Python source, so no syntax error.

A file that does not parse is a template when template syntax stands where Python code would: a `{%`
statement or `%}` outside strings and comments (Python has no such token pair), a `{# ... #}` comment, or a
`{{ ... }}` expression on the line the parser stopped at. A real syntax error that merely sits next to a
`{{` inside a string is still one: strings and comments are skipped by reading the file's tokens.
"""

from __future__ import annotations

import io
import tokenize

STATEMENT_OPEN = ("{", "%")
STATEMENT_CLOSE = ("%", "}")
EXPRESSION_OPEN = ("{", "{")
EXPRESSION_CLOSE = ("}", "}")


def template_syntax(text: str, error_line: int) -> str | None:
    """What marks the unparsable `text` as a template (`` `{%` at line 6 ``), or None for a real syntax
    error. `error_line` is where the parser stopped."""
    previous: tokenize.TokenInfo | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and previous is not None and _adjacent(previous, token, "{"):
                if token.string.rstrip().endswith("#}"):
                    return _where("{#", token.start[0])
            elif token.type == tokenize.OP and previous is not None and _adjacent(previous, token):
                pair = (previous.string, token.string)
                if pair in (STATEMENT_OPEN, STATEMENT_CLOSE):
                    return _where("".join(pair), token.start[0])
                if pair in (EXPRESSION_OPEN, EXPRESSION_CLOSE) and token.start[0] == error_line:
                    return _where("".join(pair), token.start[0])
            if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                previous = token
    except (tokenize.TokenError, SyntaxError):
        pass  # the tokens read so far are all there is to go on
    return None


def _adjacent(first: tokenize.TokenInfo, second: tokenize.TokenInfo, string: str | None = None) -> bool:
    """`second` starts right where `first` ends (`{%`, not `{ %`), and `first` is `string` when given."""
    return first.type == tokenize.OP and (string is None or first.string == string) and first.end == second.start


def _where(marker: str, line: int) -> str:
    return f"`{marker}` at line {line}"
