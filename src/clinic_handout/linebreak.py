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

Phrase-aware breaking (`break_phrases`, for short texts: headings, captions, table headers, the
footer) takes a level for each place the text may break: ITEM (after a full-width space between
items), PHRASE (a phrase boundary, from phrases.py), or nothing (a place only kinsoku allows).
Each line ends at the last place that fits with the highest level, so a line breaks between
phrases unless one phrase is wider than the whole line; kinsoku still holds, since only the places
between atoms count. `mend_tail` pulls a last line of one to three characters together with the
phrase before it (any paragraph, short or long), where that phrase fits on the last line.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

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


ITEM, PHRASE = 2, 1  # levels of a place to break: between items (after 　), between phrases
MIN_TAIL = 4  # a last line shorter than this many characters takes the phrase before it when it can
# The costs of break_phrases: a line; a break by its level; a last line under MIN_TAIL characters.
LINE_COST, KINSOKU_ONLY_COST, SHORT_TAIL_COST = 10.0, 20.0, 5.0
BREAK_COST = {ITEM: 0.0, PHRASE: 0.5}


def _visible_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in SPACES:
        end -= 1
    return end


def break_phrases(text: str, widths: Sequence[float], max_widths: Sequence[float],
                  levels: Callable[[], dict[int, int]]) -> list[tuple[int, int]]:
    """Line ranges for a short text, breaking between phrases (see the module's text).

    levels() maps a position (a break before text[position]) to ITEM or PHRASE (called only when the
    text needs more than one line); a position that is not
    between two atoms is ignored, so kinsoku and whole tokens still hold. Of all the ways to break,
    the one with the lowest cost wins (costs below, in this order of weight): fewest lines; no break
    that only kinsoku allows; no last line under MIN_TAIL characters; items before phrases; lines of
    even length (a title of two lines breaks near its middle, at a phrase), the earlier lines longer.
    """
    assert len(widths) == len(text)
    n = len(text)
    if n == 0:
        return [(0, 0)]
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    steady = len(max_widths) - 1

    def limit(line: int) -> float:
        return max_widths[min(line, steady)] + FUZZ

    if prefix[_visible_end(text, 0, n)] <= limit(0):  # one line: most short texts
        return [(0, n)]
    level_at = levels()
    places = [0]  # where a line may start: between atoms; a token wider than a line gives its own places
    for a, b in atoms(text):
        if prefix[_visible_end(text, a, b)] - prefix[a] > limit(steady):
            places += [end for _, end in _split_long(text, widths, a, b, steady, limit)]
        else:
            places.append(b)

    def cost(i: int, j: int, line: int) -> float | None:
        a, b = places[i], places[j]
        used, available = prefix[_visible_end(text, a, b)] - prefix[a], limit(line)
        if used > available and j > i + 1:
            return None
        slack = ((available - min(used, available)) / available) ** 2
        if b < n:  # an earlier line's slack weighs a little more: of two even choices, the longer first line
            return LINE_COST + 1.1 * slack + BREAK_COST.get(level_at.get(b, 0), KINSOKU_ONLY_COST)
        short = i > 0 and len(text[a:_visible_end(text, a, b)]) < MIN_TAIL
        return LINE_COST + slack + (SHORT_TAIL_COST if short else 0.0)

    # best[(i, line)] = (cost of setting text from places[i] on, starting on that line, next place)
    best: dict[tuple[int, int], tuple[float, int]] = {}
    last = len(places) - 1
    for line in range(steady, -1, -1):
        for i in range(last - 1, -1, -1):
            choice: tuple[float, int] | None = None
            for j in range(i + 1, last + 1):
                here = cost(i, j, line)
                if here is None:
                    break
                rest = 0.0 if j == last else best[(j, min(line + 1, steady))][0]
                if choice is None or here + rest <= choice[0]:
                    choice = (here + rest, j)
            assert choice is not None  # the next place always fits: a line of one atom
            best[(i, line)] = choice
    lines, i, line = [], 0, 0
    while i < last:
        j = best[(i, min(line, steady))][1]
        lines.append((places[i], places[j]))
        i, line = j, line + 1
    return lines


def mend_tail(text: str, widths: Sequence[float], max_widths: Sequence[float], lines: list[tuple[int, int]],
              levels: Callable[[], dict[int, int]]) -> list[tuple[int, int]]:
    """lines, with a last line of fewer than MIN_TAIL characters moved back to the last place of
    level PHRASE or more on the line before, where the new last line still fits and has MIN_TAIL
    characters (the line before keeps at least one atom). Unchanged when no such place exists.

    levels() gives the levels of text's places (called only when the last line is short).
    """
    if len(lines) < 2:
        return lines
    (a, _), (c, d) = lines[-2], lines[-1]
    if len(text[c:_visible_end(text, c, d)]) >= MIN_TAIL:
        return lines
    available = max_widths[min(len(lines) - 1, len(max_widths) - 1)] + FUZZ
    places, edges = levels(), {end for _, end in atoms(text)}
    for place in range(c - 1, a, -1):
        if sum(widths[place:_visible_end(text, place, d)]) > available:
            break
        tail = text[place:_visible_end(text, place, d)]
        if places.get(place, 0) >= PHRASE and place in edges and len(tail) >= MIN_TAIL:
            return lines[:-2] + [(a, place), (place, d)]
    return lines
