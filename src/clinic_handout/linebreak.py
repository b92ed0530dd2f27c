"""Japanese line breaking (JLREQ rules, greedy fill with push-out), on plain text and widths.

Pure: text and one width per character in, line ranges out. `typeset.py` puts it under ReportLab.

Rules (W3C JLREQ, as `../shared/japanese-typesetting.md` states them):
- no line starts with a closing bracket, ！？・：；。、，．, an iteration mark, ー or a small kana
  (NO_START); no line ends with an opening bracket (NO_END);
- no break inside a number (`1,200`, `9:00`, `03-0000-0000`), a number with its unit (`10秒`,
  `5回`, `1日2セット`, `2026年11月25日`), a Latin word, a URL or an email address, `……` or `——`;
- nothing hangs past the line's width: a character that may not start the next line pulls the
  character before it down with it (push-out), so lines fit table cells and boxes too;
- a URL or email address longer than a whole line breaks only after `/ . - @` (between characters
  only where no such point fits); another token longer than a line breaks before a number that
  follows a unit (`1日|2セット`) where it can.
Spaces after a word stay at the end of its line and do not count towards the width; the lines
joined give back the text exactly.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

CLOSING_BRACKETS = "’”）〕］｝〉》」』】〙〗〟｠)]}"
NO_START = frozenset(
    CLOSING_BRACKETS
    + "‐〜゠–～"  # hyphens and the wave dash
    + "？！‼⁇⁈⁉?!"  # dividing punctuation
    + "・：；:;"  # middle dots
    + "。．、，.,"  # full stops and commas
    + "ヽヾゝゞ々〻"  # iteration marks
    + "ー"  # prolonged sound mark
    + "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"  # small kana
    + "%％℃"
)
NO_END = frozenset("‘“（〔［｛〈《「『【〘〖〝｟([{〒#＃")
BREAK_AFTER_IN_ADDRESSES = frozenset("/.-@")  # where a URL or email longer than a line may break
SPACES = frozenset(" \t")
FUZZ = 1e-6

_DIGITS = "0-9０-９"
_NUMBER = rf"[{_DIGITS}]+(?:[-.,:．，：－][{_DIGITS}]+)*"
_DIGIT = re.compile(rf"[{_DIGITS}]")
_UNITS = ("時間|週間|か月|ヶ月|カ月|ヵ月|ケ月|箇月|セット|ページ|行目|種類|センチ|キロ|ミリ|"
          "秒|分|時|日|週|月|年|回|歳|才|円|人|個|本|枚|度|階|番|号|行|件|歩|つ|%|％|℃|cm|mm|kg|km|m|g")
_LATIN = r"[A-Za-z0-9\u00C0-\u024F\u1E00-\u1EFF\u0300-\u036F'’_]"
TOKEN = re.compile("|".join([
    r"(?:https?://|www\.)[!-~]+",  # a URL: printable ASCII up to a space or Japanese text
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",  # an email address
    rf"(?:{_NUMBER}(?:{_UNITS}))+(?:{_NUMBER})?|{_NUMBER}",  # numbers, with units: 1日2セット
    rf"{_LATIN}+(?:[-.]{_LATIN}+)*(?:(?<=[0-9])(?:{_UNITS}))?",  # a word: O'Brien-Smith, example.com, A4回
    r"…{2,}|‥{2,}|—{2,}|―{2,}|─{2,}|⋯{2,}",  # ……, ——
]))


def atoms(text: str) -> list[tuple[int, int]]:
    """Spans that no line break may fall inside, in order, covering text.

    Tokens (numbers with units, words, URLs, ……) stay whole; a NO_START character joins the span
    before it (over any spaces), a NO_END character joins the span after it, and spaces join the
    span before them.
    """
    spans: list[list[int]] = []
    i = 0
    while i < len(text):
        match = TOKEN.match(text, i)
        end = match.end() if match and match.end() > i else i + 1
        spans.append([i, end])
        i = end
    merged: list[list[int]] = []
    for span in spans:
        first = text[span[0]]
        if merged and (first in SPACES or first in NO_START or _last_visible(text, merged[-1]) in NO_END
                       or _only_spaces(text, merged[-1])):
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    return [(a, b) for a, b in merged]


def _last_visible(text: str, span) -> str:
    """The last character of span that is not a space ('' if none): what a line would end with."""
    return text[span[0]:span[1]].rstrip("".join(SPACES))[-1:]


def _only_spaces(text: str, span) -> bool:
    return all(ch in SPACES for ch in text[span[0]:span[1]])


def break_lines(text: str, widths: Sequence[float], max_widths: Sequence[float]) -> list[tuple[int, int]]:
    """Line ranges (start, end) for text with one width per character.

    max_widths[i] is the width of line i; the last one applies to every line after it.
    """
    assert len(widths) == len(text)

    def limit(line: int) -> float:
        return max_widths[min(line, len(max_widths) - 1)] + FUZZ

    lines: list[tuple[int, int]] = []
    start = 0
    used = 0.0  # width of the line so far, trailing spaces included
    for a, b in atoms(text):
        visible_end = b
        while visible_end > a and text[visible_end - 1] in SPACES:
            visible_end -= 1
        visible = sum(widths[a:visible_end])
        if a > start and used + visible > limit(len(lines)):
            lines.append((start, a))
            start, used = a, 0.0
        if visible > limit(len(lines)):  # a token longer than a whole line: the only place rules may give
            *full, (start, _) = _split_long(text, widths, a, b, len(lines), limit)
            lines += full
            used = sum(widths[start:b])
        else:
            used += sum(widths[a:b])
    if start < len(text) or not lines:
        lines.append((start, len(text)))
    return lines


def _starts_number(text: str, at: int) -> bool:
    """A digit right after a unit (1日|2セット): where a run of numbers with units may break."""
    after_unit = _DIGIT.match(text, at - 1) is None and text[at - 1] not in "-.,:．，：－"
    return after_unit and _DIGIT.match(text, at) is not None


def _split_long(text, widths, a, b, first_line, limit) -> list[tuple[int, int]]:
    """Breaks the span a..b, wider than a line, into pieces that fill lines; the last may be short."""
    pieces: list[tuple[int, int]] = []
    address = "@" in text[a:b] or "://" in text[a:b] or text.startswith("www.", a)
    start = a
    while start < b:
        available = limit(first_line + len(pieces))
        width, end, preferred = 0.0, start, None
        while end < b and (end == start or width + widths[end] <= available):
            width += widths[end]
            end += 1
            if end < b and (text[end - 1] in BREAK_AFTER_IN_ADDRESSES if address else _starts_number(text, end)):
                preferred = end
        if end < b and preferred is not None:
            end = preferred
        while end < b and end - 1 > start and (text[end] in NO_START or text[end - 1] in NO_END):
            end -= 1  # even inside an over-long token, keep kinsoku where a shorter piece allows
        pieces.append((start, end))
        start = end
    return pieces
