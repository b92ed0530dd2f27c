"""Where each glyph of a PDF page is drawn, read from the page's content stream with pypdf's parser and
the fonts' own /Widths: an oracle that shares nothing with ReportLab's layout (tests/test_ruby.py).

Handles what ReportLab writes: q/Q/cm, BT/ET, Tf, Tc, TL, Tm, Td, TD, T*, Tj, TJ, ' (simple TrueType
subset fonts, one byte a glyph, their ToUnicode maps).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import ContentStream


@dataclass
class Glyph:
    char: str
    x: float  # where it starts, on the page (points)
    y: float  # its baseline
    size: float
    width: float  # its advance without character spacing


def _multiply(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _font(font) -> tuple[dict, dict]:
    """A simple font's code -> advance (1/1000 em) and code -> text."""
    font = font.get_object()
    first = int(font.get("/FirstChar", 0))
    widths = {first + i: float(w) for i, w in enumerate(font.get("/Widths", []))}
    chars = {}
    if "/ToUnicode" in font:
        data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        for body in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
            for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", body):
                chars[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
        for body in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
            for lo, hi, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", body):
                start = int(text, 16)
                for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    chars[code] = chr(start + i)
    return widths, chars


def glyphs(path, page_number: int = 0) -> list[Glyph]:
    reader = PdfReader(str(path))
    page = reader.pages[page_number]
    fonts = {name: _font(font) for name, font in page["/Resources"].get("/Font", {}).items()}
    out: list[Glyph] = []
    ctm, stack = (1, 0, 0, 1, 0, 0), []
    tm = lm = (1, 0, 0, 1, 0, 0)
    font, size, char_space, leading = None, 0.0, 0.0, 0.0

    def show(data: bytes):
        nonlocal tm
        widths, chars = fonts[font]
        for code in data:
            w = widths.get(code, 0.0) / 1000 * size
            x, y = _multiply(tm, ctm)[4:6]
            out.append(Glyph(chars.get(code, "?"), x, y, size, w))
            tm = _multiply((1, 0, 0, 1, w + char_space, 0), tm)

    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = _multiply(tuple(float(v) for v in operands), ctm)
        elif op == b"BT":
            tm = lm = (1, 0, 0, 1, 0, 0)
        elif op == b"Tf":
            font, size = operands[0], float(operands[1])
        elif op == b"Tc":
            char_space = float(operands[0])
        elif op == b"TL":
            leading = float(operands[0])
        elif op == b"Tm":
            tm = lm = tuple(float(v) for v in operands)
        elif op in (b"Td", b"TD"):
            if op == b"TD":
                leading = -float(operands[1])
            tm = lm = _multiply((1, 0, 0, 1, float(operands[0]), float(operands[1])), lm)
        elif op in (b"T*", b"'"):
            tm = lm = _multiply((1, 0, 0, 1, 0, -leading), lm)
            if op == b"'":
                show(bytes(operands[0].original_bytes if hasattr(operands[0], "original_bytes") else operands[0]))
        elif op == b"Tj":
            value = operands[0]
            show(value.original_bytes if hasattr(value, "original_bytes") else bytes(value))
        elif op == b"TJ":
            for item in operands[0]:
                if isinstance(item, (int, float)) or hasattr(item, "as_numeric"):
                    tm = _multiply((1, 0, 0, 1, -float(item) / 1000 * size, 0), tm)
                else:
                    show(item.original_bytes if hasattr(item, "original_bytes") else bytes(item))
    return out


def runs(found: list[Glyph], text: str) -> list[list[Glyph]]:
    """Each place where text is drawn as consecutive glyphs of one size on one baseline."""
    places = []
    for i in range(len(found) - len(text) + 1):
        window = found[i:i + len(text)]
        if "".join(g.char for g in window) == text and \
                all(abs(g.y - window[0].y) < 0.01 and g.size == window[0].size for g in window):
            places.append(window)
    return places
