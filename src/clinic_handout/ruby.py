"""Ruby (furigana) in content texts: `{股関節|こかんせつ}` prints こかんせつ small above 股関節.

Pure (no ReportLab): the syntax, the plain-text form for mail and the terminal, and the marks that
carry a ruby group through ReportLab's paragraph markup to typeset.py, which sets it.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from html import escape as _html_escape

RUBY = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")  # {base|reading}
OPEN, SEP, CLOSE = "\ue000", "\ue001", "\ue002"  # private-use characters: never typed, never drawn


def escape(text: str) -> str:
    """&, < and > as entities (xml.sax.saxutils.escape, whose module imports urllib.request: 20 ms of a cold
    start)."""
    return _html_escape(text, quote=False)


def plain(text: str) -> str:
    """The text with each reading in brackets after its base, as before ruby: 股関節（こかんせつ）."""
    return RUBY.sub(lambda m: f"{m[1]}（{m[2]}）", text)


def base(text: str) -> str:
    """The text without its readings: what a reader copies from the PDF."""
    return RUBY.sub(lambda m: m[1], text)


def markup(text: str, markup_piece: Callable[[str], str]) -> str:
    """Paragraph markup of text: the pieces outside ruby groups through markup_piece (escaping, fallback
    fonts); each group as OPEN base SEP reading CLOSE, which typeset.py takes apart."""
    out, at = [], 0
    for m in RUBY.finditer(text):
        out += [markup_piece(text[at:m.start()]), OPEN, markup_piece(m[1]), SEP, escape(m[2]), CLOSE]
        at = m.end()
    out.append(markup_piece(text[at:]))
    return "".join(out)
