"""ReportLab's Paragraph with Japanese line breaking (linebreak.py) in place of its greedy CJK split.

A style with `phrases=True` (headings, captions, table headers, the footer) breaks between phrases
(linebreak.break_phrases with phrases.py's BudouX levels); any other keeps the JLREQ greedy fill and
mends a last line of one to three characters (linebreak.mend_tail).

Ruby (ruby.py's `{股関節|こかんせつ}`, arriving as OPEN base SEP reading CLOSE) is JLREQ's group ruby, centred
(中付き) over its base, at half the base's size but never smaller than the handout's smallest text
(ruby_size: 10.5 pt, the contract's floor; large print's 12.25 pt), so over 12 pt body text it is 10.5 pt
and usually wider than its base. A group is set as ruby only when its reading is at most one of its own
characters wider than its base (ruby_fits: 股 under また); any wider reading would pull its base apart, so
the group is set as plain text, base（reading）, as before ruby. Then, as JLREQ 3.3.7 and JIS X 4051 set
group ruby that is longer than its base, the reading is set solid and the base is spaced out, 1 unit
before the first character, 2 between characters, 1 after the last (group_layout); the reading never
overhangs the characters beside the group (JLREQ's variation without overhang, the one the JLREQ task
force's simple ruby rules chose to avoid misreadings), so a group's box is as wide as the wider of base
and reading, and at a line's head or end the reading's edge is the line's edge. A reading shorter than
its base is spaced 1:2:1 over it, its ends at most one reading em in. No line breaks inside a group (the
breaker sees the group as one token as wide as its box); a line with ruby is as tall as it needs
(autoLeading 'max'), so the reading never runs into the line above. Copying gives the base text only: the
reading is marked with an empty /ActualText, and a spaced-out base with its own text as /ActualText
(spaces would otherwise appear in the gaps). On a tagging canvas (tagging.py) a group becomes a Ruby
element: callbacks at the base's start and end mark its RB, and the reading is drawn as its RT.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.abag import ABag
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getAscentDescent, getFont, stringWidth
from reportlab.platypus.paragraph import FragLine, Paragraph, ParaLines

from .linebreak import SPACES, break_lines, break_phrases, mend_tail
from .phrases import phrase_levels
from .rl_compat import (
    font_families,
    handle_bullet_width,
    second_half,
    set_char_space,
    set_named_callback,
    set_text_font,
    text_code,
    text_font,
    text_line_state,
    text_out,
)
from .ruby import CLOSE, OPEN, SEP

RUBY_SIZE = 0.5  # JLREQ's usual size of a reading, of its base's ...
RUBY_MIN_PT = 10.5  # ... but never under the contract's smallest text (a style's rubyMinSize: large print's)
EM_TOP = 0.88  # the top of an ideographic em box above the baseline, of the size (BIZ UD Gothic: 880/1000)
RUBY_SPREAD = 1.0  # a reading at most this many of its own characters wider than its base is ruby; else brackets
RUBY_ROOM = 0.1  # room kept above a reading, of the base's size


# Parsed paragraphs: ReportLab parses each paragraph's markup into fragments with Python's HTML parser, about a
# tenth of a warm handout, and every handout parses the same texts in the same styles again.
_PARSED: dict[tuple, tuple[str, tuple]] = {}
PARSED_MAX = 4096  # texts kept; emptied when full


def parse_key(text: str, style, case_sensitive) -> tuple | None:
    """Everything ReportLab's parse of a paragraph reads, as a key: the text, every value of the style (a
    style holds its parent's values as its own), the parser's case rule (which Python's HTML parser, lowering
    every tag and attribute, makes moot today), and the font families (what <b>
    and <font face> turn into: fonts.Face, the one place this package registers fonts, counts them; a
    mapping added elsewhere changes ReportLab's count); None when a value cannot be part of a key."""
    from . import fonts

    if len(text) > KEEP_MAX_CHARS:  # a long note: parsed each time, never kept
        return None
    values = tuple((name, value) for name, value in vars(style).items() if name != "parent")
    key = (text, values, case_sensitive, fonts.registrations, font_families())
    try:
        hash(key)
    except TypeError:
        return None
    return key


class JapaneseParagraph(Paragraph):
    """A Paragraph whose lines follow the JLREQ rules of linebreak.py; needs wordWrap='CJK'."""

    def _setup(self, text, style, bulletText, frags, cleaner):
        """ReportLab's, with the parsed fragments kept per parse_key. The fragments are shared between the
        paragraphs of a text, never changed: the lines are made of copies (_Segment._words), and ReportLab
        changes only those when it splits a paragraph (tests/test_speed.py checks it after every sample)."""
        key = parse_key(text, style, self.caseSensitive) if frags is None and isinstance(text, str) else None
        kept = _PARSED.get(key) if key is not None else None
        # A paragraph of a text short enough to keep: its widths and lines are kept too. Not the parts a split
        # makes of a long one (ReportLab passes their fragments): a long note's lines stay the patient's own.
        self._keep_layout = key is not None
        if kept is not None:
            text, shared = kept
            frags = list(shared)
        super()._setup(text, style, bulletText, frags, cleaner)
        if key is not None and kept is None and self.style is style and self.bulletText is bulletText:
            if len(_PARSED) >= PARSED_MAX:  # (a text whose <para> or <bullet> tag changed them is not kept)
                _PARSED.clear()
            _PARSED[key] = (self.text, tuple(self.frags))

    def __init__(self, text, style=None, *args, **kwargs):
        if isinstance(text, str) and OPEN in text and style is not None:  # ruby: lines as tall as they need
            style = ParagraphStyle(f"{style.name}-ruby", parent=style, autoLeading="max")
        super().__init__(text, style, *args, **kwargs)

    def draw(self):
        set_named_callback(self.canv, RUBY_CALLBACK, _draw_ruby)
        set_named_callback(self.canv, RUBY_END_CALLBACK, _end_ruby)
        super().draw()

    def wrap(self, availWidth, availHeight):
        """ReportLab's, done once per width: a paragraph is wrapped again and again at the same width (the
        cell it is in sized, measured, drawn), and ReportLab's wrap reads nothing but the width (its lines,
        kept per width, and its style), and sets only width, height, its widths and lines."""
        if self.__dict__.get("_wrapped_at") == availWidth and "blPara" in self.__dict__:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return size

    def breakLinesCJK(self, maxWidths):
        """The lines for these widths; ReportLab wraps one paragraph several times at the same
        width (table sizing, KeepTogether, splitting), so each width's lines are kept."""
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        if any(hasattr(frag, "cbDefn") for frag in self.frags):  # inline images, anchors: never in a handout
            return super().breakLinesCJK(maxWidths)
        key = (tuple(maxWidths), second_half(self))
        self.height = 0
        handle_bullet_width(self.bulletText, self.style, maxWidths)  # on the caller's list, as ReportLab does
        if hasattr(self, "blPara") and second_half(self):
            return self.blPara  # the second half of a split paragraph keeps its lines
        cache = self.__dict__.setdefault("_japanese_lines", {})
        if key not in cache:
            cache[key] = self._break(maxWidths)
        return cache[key]

    def _break(self, maxWidths) -> ParaLines:
        style = self.style
        if not self.frags:
            return ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName, textColor=style.textColor,
                             lines=[], ascent=style.fontSize, descent=-0.2 * style.fontSize)
        lines: list = []
        floor = getattr(style, "rubyMinSize", RUBY_MIN_PT)
        keep = getattr(self, "_keep_layout", False)
        segment = _Segment(getattr(style, "phrases", False), floor, keep)
        for frag in self.frags:
            if hasattr(frag, "lineBreak"):  # <br/>: the text so far ends with a forced break
                lines += segment.lines(maxWidths, len(lines), forced=frag)
                segment = _Segment(segment.phrases, floor, keep)
            else:
                segment.add(frag)
        if segment.text:
            lines += segment.lines(maxWidths, len(lines))
        if getattr(style, "autoLeading", "") == "max":  # (ruby) a line is at least the style's leading: the
            for line in lines:  # height ReportLab wraps to is then the height it draws
                line.descent = min(line.descent, -style.leading / 6)
        return ParaLines(kind=1, lines=lines)


class _Segment:
    """The text between forced line breaks, with each character's width and the frag it comes from."""

    def __init__(self, phrases: bool, ruby_floor: float = RUBY_MIN_PT, keep: bool = False):
        self.phrases = phrases  # break between phrases (a short text), else JLREQ greedy with a mended tail
        self.ruby_floor = ruby_floor  # the smallest size of a reading
        self.keep = keep  # widths and lines kept per process (a text of the content, not a patient's long note)
        self.text = ""
        self.widths: list[float] = []
        self.runs: list[tuple] = []  # (frag, start, end)
        self.rubies: list[tuple] = []  # (start, end, reading, frag) of each ruby group's base in text
        self._ruby: list | None = None  # the group being read: [start, end or None, reading, frag]

    def add(self, frag) -> None:
        face = getFont(frag.fontName).face  # type: ignore[attr-defined]  # our fonts are all TTFonts
        if self._ruby is None and OPEN not in (frag.text or ""):  # no ruby: the text as it is
            start = len(self.text)
            self.text += frag.text or ""
            self.widths += char_widths(frag.text or "", face, frag.fontSize, self.keep)
            self.runs.append((frag, start, len(self.text)))
            return
        text = ""
        scale, known, default = 0.001 * frag.fontSize, face.charWidths.get, face.defaultWidth
        widths: list[float] = []  # as ReportLab's stringWidth

        def put(chars: str) -> None:
            nonlocal text
            text += chars
            widths.extend(known(ord(ch), default) * scale for ch in chars)

        for ch in frag.text or "":  # take the ruby marks out; the readings aside
            at = len(self.text) + len(text)
            if ch == OPEN:
                self._ruby = [at, None, "", frag]
            elif ch == SEP and self._ruby is not None:
                self._ruby[1] = at
            elif ch == CLOSE and self._ruby is not None:
                start, end, reading, first = self._ruby
                self._ruby = None
                base_width = sum((self.widths + widths)[start:end])
                size = ruby_size(first.fontSize, self.ruby_floor)
                if ruby_fits(base_width, stringWidth(reading, first.fontName, size), size):
                    self.rubies.append((start, end, reading, first))
                else:  # too wide to stand over its base: after it in brackets, as plain text
                    put(f"（{reading}）")
            elif self._ruby is not None and self._ruby[1] is not None:
                self._ruby[2] += ch
            else:
                put(ch)
        self.runs.append((frag, len(self.text), len(self.text) + len(text)))
        self.text += text
        self.widths += widths

    def layouts(self) -> dict[int, tuple]:
        """Each ruby group's (end, reading, frag, size of its reading, GroupLayout), by its base's start."""
        out = {}
        for start, end, reading, frag in self.rubies:
            size = ruby_size(frag.fontSize, self.ruby_floor)
            out[start] = (end, reading, frag, size, group_layout(
                sum(self.widths[start:end]), end - start, stringWidth(reading, frag.fontName, size), len(reading),
                size))
        return out

    def lines(self, max_widths, first_line: int, forced=None) -> list:
        text = self.text
        groups = self.layouts()
        widths = list(self.widths)  # a group's base characters share the room its box takes beyond them
        for start, (end, *_, layout) in groups.items():
            extra = (layout.width - sum(widths[start:end])) / (end - start)
            widths[start:end] = [w + extra for w in widths[start:end]]
        widths_here = list(max_widths[first_line:]) or [max_widths[-1]]
        masked = text  # a ruby group's base is one token to the breaker: no break inside it; groups side by
        for number, (start, end, _, _) in enumerate(self.rubies):  # side are two tokens, so a line may end
            masked = masked[:start] + "A…"[number % 2] * (end - start) + masked[end:]  # between them
        ranges = line_ranges(self.phrases, masked, text, tuple(widths), tuple(widths_here), self.keep)
        lines = []
        for number, (start, end) in enumerate(ranges):
            max_width = max_widths[min(first_line + number, len(max_widths) - 1)]
            visible_end = end
            while visible_end > start and text[visible_end - 1] in SPACES:
                visible_end -= 1
            used = sum(widths[start:visible_end])
            words = self._words(start, end, groups)
            breaks_here = forced is not None and number == len(ranges) - 1
            if breaks_here:
                words.append(forced.clone(text=""))
            metrics = [(w.fontSize, *getAscentDescent(w.fontName, w.fontSize)) for w in words] or [(0, 0, 0)]
            # a reading's em box sits on its base's: the line reaches up to the reading's top, and a little
            # more (RUBY_ROOM), so a reading in a table cell stays clear of the cell's rule
            ruby_top = max((w.fontSize * (EM_TOP + RUBY_ROOM) + groups[w.cbDefn.label[0]][3] for w in words
                            if getattr(getattr(w, "cbDefn", None), "name", "") == RUBY_CALLBACK), default=0)
            # ReportLab sets a paragraph's first baseline its line's fontSize below the top: with ruby, the line's top
            lines.append(FragLine(kind=1, extraSpace=max_width - used, wordCount=1, words=words,
                                  fontSize=max([m[0] for m in metrics] + [ruby_top]),
                                  ascent=max([m[1] for m in metrics] + [ruby_top]),
                                  descent=min(m[2] for m in metrics), maxWidth=max_width, currentWidth=used,
                                  lineBreak=breaks_here))
        return lines

    def _words(self, start: int, end: int, groups: dict) -> list:
        """The frags of text[start:end]; before each ruby group's base, a zero-width callback that draws
        its reading and spaces its base out (ReportLab calls it at the base's position), after it one that
        ends the group."""
        text = self.text
        here = {s: g for s, g in groups.items() if start <= s < end}
        ends = {g[0]: s for s, g in here.items()}
        cuts = sorted({start, end} | set(here) | {e for e in ends if e < end})
        words, shift = [], 0.0  # shift: how much wider than their bases the groups before are in this line
        for frag, a, b in self.runs:
            for left, right in zip(cuts, cuts[1:], strict=False):
                lo, hi = max(a, left), min(b, right)
                if lo >= hi:
                    continue
                if lo in here:
                    e, reading, first, size, layout = here[lo]
                    words.append(first.clone(text="", cbDefn=ABag(kind="onDraw", name=RUBY_CALLBACK, label=(
                        lo, reading, size, layout, shift, first.fontName, first.fontSize, first.textColor,
                        text[lo:e]))))
                    shift += layout.width - sum(self.widths[lo:e])
                words.append(frag.clone(text=text[lo:hi]))
                if hi in ends:  # after a group's base, even at a line's end: a spaced base's end is in its line
                    words.append(_ruby_end(frag, here[ends[hi]][4]))
        return words


# The per-process caches keep texts up to this long (the content's texts: the sample's longest is 188
# characters); a longer one, such as a patient's long note, is worked out each time and never kept, so a
# day's batch with notes does not grow a worker's memory by a copy of every note.
KEEP_MAX_CHARS = 600


def char_widths(text: str, face, size: float, keep: bool = True) -> tuple[float, ...]:
    """Each character's width in a face (the face itself in the key: its identity) at a size, as ReportLab's
    stringWidth adds them up. Pure, so kept per process (_kept_widths) when keep and the text is no longer
    than KEEP_MAX_CHARS: every handout sets the same texts in the same faces."""
    return _kept_widths(text, face, size) if keep and len(text) <= KEEP_MAX_CHARS else _widths(text, face, size)


def _widths(text: str, face, size: float) -> tuple[float, ...]:
    scale, known, default = 0.001 * size, face.charWidths.get, face.defaultWidth
    return tuple(known(ord(ch), default) * scale for ch in text)


_kept_widths = lru_cache(maxsize=2048)(_widths)


def line_ranges(phrases: bool, masked: str, text: str, widths: tuple[float, ...],
                max_widths: tuple[float, ...], keep: bool = True) -> tuple[tuple[int, int], ...]:
    """The lines of a text as (start, end) ranges: phrase-aware (a short text) or JLREQ greedy with a
    mended tail. Pure, so kept per process (_kept_lines) as char_widths: every handout breaks the same texts
    at the same widths. masked: the text the breaker sees (each ruby base one token); text: the words BudouX
    reads."""
    lines = _kept_lines if keep and len(text) <= KEEP_MAX_CHARS else _lines
    return lines(phrases, masked, text, widths, max_widths)


def _lines(phrases: bool, masked: str, text: str, widths: tuple[float, ...],
           max_widths: tuple[float, ...]) -> tuple[tuple[int, int], ...]:
    if phrases:
        return tuple(break_phrases(masked, widths, max_widths, lambda: phrase_levels(text)))
    return tuple(mend_tail(masked, widths, max_widths, break_lines(masked, widths, max_widths),
                           lambda: phrase_levels(text)))


_kept_lines = lru_cache(maxsize=2048)(_lines)


def ruby_fits(base_width: float, reading_width: float, reading_size: float) -> bool:
    """Whether a group is set as ruby: its reading (at its size, ruby_size) is at most one of its own
    characters wider than its base (RUBY_SPREAD). Then the base is spaced out by at most one reading character
    in all, half at each end for one kanji: 股 (12 pt) under また (2 x 10.5 = 21 pt, 9 pt wider). A wider
    reading would pull the base apart (梨 状 筋 症 候 群: the word falls apart and the kana line up over the
    wrong kanji: a fresh reader's verdict), so the group is set base（reading）in brackets instead."""
    return reading_width <= base_width + RUBY_SPREAD * reading_size + 0.01


def ruby_size(base_size: float, floor: float = RUBY_MIN_PT) -> float:
    """A reading's size: half its base's (JLREQ), never under floor (the handout's smallest text), because
    a reading too small to read helps nobody: 10.5 pt over 12 pt body text, 12.25 pt over large print's 14."""
    return max(base_size * RUBY_SIZE, floor)


@dataclass(frozen=True)
class GroupLayout:
    """Where a ruby group's base and reading go, from the start of the group's box (points)."""
    width: float  # the box: as wide as the wider of base and reading
    base_lead: float  # before the first base character
    base_space: float  # after each base character (PDF character spacing)
    reading_lead: float  # before the first character of the reading
    reading_space: float  # after each character of the reading


def group_layout(base_width: float, base_chars: int, reading_width: float, reading_chars: int,
                 reading_size: float) -> GroupLayout:
    """JLREQ 3.3.7 (group ruby), in JIS X 4051's proportions. A reading longer than its base is set solid and
    the base spaced out: 1 unit before it, 2 between its characters, 1 after it. A reading shorter than its
    base is spaced out the same way over it, its ends at most one of its ems in (JLREQ: wider ends would
    read as a reading of the characters beside); one character is centred."""
    if reading_width > base_width:
        unit = (reading_width - base_width) / (2 * base_chars)
        return GroupLayout(reading_width, unit, 2 * unit, 0.0, 0.0)
    spare = base_width - reading_width
    if reading_chars <= 1:
        return GroupLayout(base_width, 0.0, 0.0, spare / 2, 0.0)
    unit = spare / (2 * reading_chars)
    if unit <= reading_size:
        return GroupLayout(base_width, 0.0, 0.0, unit, 2 * unit)
    return GroupLayout(base_width, 0.0, 0.0, reading_size, (spare - 2 * reading_size) / (reading_chars - 1))


RUBY_CALLBACK = "clinic_handout_ruby"
RUBY_END_CALLBACK = "clinic_handout_ruby_end"


def _ruby_end(frag, layout: GroupLayout):
    """A zero-width word that marks where a ruby group's base ends (a tagged PDF's RB ends there; a spaced
    base's character spacing too)."""
    return frag.clone(text="", cbDefn=ABag(kind="onDraw", name=RUBY_END_CALLBACK, label=layout))


def _utf16(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _end_ruby(canvas, _kind, layout: GroupLayout) -> None:
    tx = text_line_state(canvas)["tx"]
    if layout.base_space:  # the base was spaced out: spacing off, its ActualText ends, and the pen goes back
        # from 1 unit past the box's end (the last character's spacing) to the box's end
        text_code(tx).append(f"0 Tc EMC [{fp_str(layout.base_lead * 1000 / text_font(tx)[1])}] TJ")
        set_char_space(tx, 0)
    end = getattr(canvas, "ruby_end", None)
    if end is not None:
        end(tx)


def _draw_ruby(canvas, _kind, label) -> None:
    """Draws a reading above its base and starts the base's spacing; ReportLab calls this while it sets the
    line, with the base's position in text_line_state (its only way to tell a callback)."""
    _, reading, size, layout, shift, font, base_size, color, base = label
    where = text_line_state(canvas)
    tx, start = where["tx"], where["cur_x"] + shift  # ReportLab's cur_x counts bases, not the boxes before
    # In a tagged PDF the group is a Ruby element (tagging.py): the base (RB, in the text object), the reading
    # (RT, drawn here); the element's ActualText is the base, so a screen reader says it once.
    ruby = getattr(canvas, "ruby", None)
    with ruby(tx, base) if ruby is not None else nullcontext():
        canvas.saveState()
        canvas.setFillColor(color)
        canvas.setFont(font, size)
        canvas.addLiteral("/Span <</ActualText ()>> BDC")  # copied or searched: the base only
        canvas.drawString(start + layout.reading_lead,
                          where["cur_y"] + base_size * EM_TOP + size * (1 - EM_TOP), reading,
                          charSpace=layout.reading_space)
        canvas.addLiteral("EMC")
        canvas.restoreState()
    if layout.base_space:
        # The base spaced out, as one /ActualText so copying gives it without spaces; an invisible space at
        # the box's start, so the copied text has no gap before it either; then 1 unit in, 2 units a character.
        if text_font(tx) != (font, base_size):
            set_text_font(tx, font, base_size)
        text_code(tx).append(f"/Span <</ActualText {_utf16(base)}>> BDC")
        text_out(tx, " ")
        lead = layout.base_lead - stringWidth(" ", font, base_size)
        text_code(tx).append(f"[{fp_str(-lead * 1000 / base_size)}] TJ {fp_str(layout.base_space)} Tc")
        set_char_space(tx, layout.base_space)
