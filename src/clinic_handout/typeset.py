"""ReportLab's Paragraph with Japanese line breaking (linebreak.py) in place of its greedy CJK split.

A style with `phrases=True` (headings, captions, table headers, the footer) breaks between phrases
(linebreak.break_phrases with phrases.py's BudouX levels); any other keeps the JLREQ greedy fill and
mends a last line of one to three characters (linebreak.mend_tail).

Ruby (ruby.py's `{股関節|こかんせつ}`, arriving as OPEN base SEP reading CLOSE): the reading is set at
half size, centred above its base (wider than the base, it overhangs both sides evenly); no line
breaks inside a group (the breaker sees the base as one token); a line with ruby is as tall as it needs
(autoLeading 'max'), so the reading never runs into the line above; the reading is marked with an empty
/ActualText, so copying gives the base text only. On a tagging canvas (tagging.py) a group becomes a Ruby
element: callbacks at the base's start and end mark its RB, and the reading is drawn as its RT.
"""
from __future__ import annotations

from contextlib import nullcontext
from functools import lru_cache

from reportlab.lib.abag import ABag
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getAscentDescent, getFont
from reportlab.platypus.paragraph import FragLine, Paragraph, ParaLines, _handleBulletWidth

from .linebreak import SPACES, break_lines, break_phrases, mend_tail
from .phrases import phrase_levels
from .ruby import CLOSE, OPEN, SEP

RUBY_SIZE = 0.5  # the reading's size, of the base's
EM_TOP = 0.88  # the top of an ideographic em box above the baseline, of the size (BIZ UD Gothic: 880/1000)
RUBY_ROOM = 0.1  # room kept above a reading, of the base's size


class JapaneseParagraph(Paragraph):
    """A Paragraph whose lines follow the JLREQ rules of linebreak.py; needs wordWrap='CJK'."""

    def __init__(self, text, style=None, *args, **kwargs):
        if isinstance(text, str) and OPEN in text and style is not None:  # ruby: lines as tall as they need
            style = ParagraphStyle(f"{style.name}-ruby", parent=style, autoLeading="max")
        super().__init__(text, style, *args, **kwargs)

    def draw(self):
        _set_named_callback(self.canv, RUBY_CALLBACK, _draw_ruby)
        _set_named_callback(self.canv, RUBY_END_CALLBACK, _end_ruby)
        super().draw()

    def breakLinesCJK(self, maxWidths):
        """The lines for these widths; ReportLab wraps one paragraph several times at the same
        width (table sizing, KeepTogether, splitting), so each width's lines are kept."""
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        if any(hasattr(frag, "cbDefn") for frag in self.frags):  # inline images, anchors: never in a handout
            return super().breakLinesCJK(maxWidths)
        key = (tuple(maxWidths), getattr(self, "_splitpara", 0))
        self.height = 0
        _handleBulletWidth(self.bulletText, self.style, maxWidths)  # on the caller's list, as ReportLab does
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
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
        segment = _Segment(getattr(style, "phrases", False))
        for frag in self.frags:
            if hasattr(frag, "lineBreak"):  # <br/>: the text so far ends with a forced break
                lines += segment.lines(maxWidths, len(lines), forced=frag)
                segment = _Segment(segment.phrases)
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

    def __init__(self, phrases: bool):
        self.phrases = phrases  # break between phrases (a short text), else JLREQ greedy with a mended tail
        self.text = ""
        self.widths: list[float] = []
        self.runs: list[tuple] = []  # (frag, start, end)
        self.rubies: list[tuple] = []  # (start, end, reading, frag) of each ruby group's base in text
        self._ruby: list | None = None  # the group being read: [start, end or None, reading, frag]

    def add(self, frag) -> None:
        text = ""
        for ch in frag.text or "":  # take the ruby marks out; the readings aside
            at = len(self.text) + len(text)
            if ch == OPEN:
                self._ruby = [at, None, "", frag]
            elif ch == SEP and self._ruby is not None:
                self._ruby[1] = at
            elif ch == CLOSE and self._ruby is not None:
                start, end, reading, first = self._ruby
                self.rubies.append((start, end, reading, first))
                self._ruby = None
            elif self._ruby is not None and self._ruby[1] is not None:
                self._ruby[2] += ch
            else:
                text += ch
        face = getFont(frag.fontName).face
        scale, known, default = 0.001 * frag.fontSize, face.charWidths.get, face.defaultWidth
        self.runs.append((frag, len(self.text), len(self.text) + len(text)))
        self.text += text
        self.widths += [known(ord(ch), default) * scale for ch in text]  # as ReportLab's stringWidth

    def lines(self, max_widths, first_line: int, forced=None) -> list:
        text, widths = self.text, self.widths
        widths_here = list(max_widths[first_line:]) or [max_widths[-1]]
        masked = text  # a ruby group's base is one token to the breaker: no break inside it
        for start, end, _, _ in self.rubies:
            masked = masked[:start] + "A" * (end - start) + masked[end:]
        ranges = line_ranges(self.phrases, masked, text, tuple(widths), tuple(widths_here))
        lines = []
        for number, (start, end) in enumerate(ranges):
            max_width = max_widths[min(first_line + number, len(max_widths) - 1)]
            visible_end = end
            while visible_end > start and text[visible_end - 1] in SPACES:
                visible_end -= 1
            used = sum(widths[start:visible_end])
            words = self._words(start, end)
            breaks_here = forced is not None and number == len(ranges) - 1
            ends_group = any(e == end for _, e, _, _ in self.rubies)  # a ruby base ends the line:
            if ends_group and breaks_here:  # its end is marked before the break, else at the next line's start
                words.append(_ruby_end(words[-1]))
            if breaks_here:
                words.append(forced.clone(text=""))
            metrics = [(w.fontSize, *getAscentDescent(w.fontName, w.fontSize)) for w in words] or [(0, 0, 0)]
            # a reading's em box sits on its base's: the line reaches up to the reading's top, and a little
            # more (RUBY_ROOM), so a reading in a table cell stays clear of the cell's rule
            ruby_top = max((w.fontSize * (EM_TOP + RUBY_SIZE + RUBY_ROOM) for w in words if hasattr(w, "cbDefn")),
                           default=0)
            # ReportLab sets a paragraph's first baseline its line's fontSize below the top: with ruby, the line's top
            lines.append(FragLine(kind=1, extraSpace=max_width - used, wordCount=1, words=words,
                                  fontSize=max([m[0] for m in metrics] + [ruby_top]),
                                  ascent=max([m[1] for m in metrics] + [ruby_top]),
                                  descent=min(m[2] for m in metrics), maxWidth=max_width, currentWidth=used,
                                  lineBreak=breaks_here))
        return lines

    def _words(self, start: int, end: int) -> list:
        """The frags of text[start:end]; before each ruby group's base, a zero-width callback that draws
        its reading (ReportLab calls it at the base's position)."""
        text = self.text
        groups = {s: (e, reading, frag) for s, e, reading, frag in self.rubies if start <= s < end}
        ends = {e for e, _, _ in groups.values()}
        cuts = sorted({start, end} | set(groups) | {e for e, _, _ in groups.values() if e < end})
        words = []
        if any(e == start and s < start for s, e, _, _ in self.rubies):  # the group before ended the last line
            words.append(_ruby_end(self.runs[0][0]))
        for frag, a, b in self.runs:
            for left, right in zip(cuts, cuts[1:], strict=False):
                lo, hi = max(a, left), min(b, right)
                if lo >= hi:
                    continue
                if lo in groups:
                    e, reading, first = groups.pop(lo)
                    width = sum(self.widths[lo:e])
                    words.append(first.clone(text="", cbDefn=ABag(kind="onDraw", name=RUBY_CALLBACK, label=(
                        reading, width, first.fontName, first.fontSize, first.textColor, text[lo:e]))))
                words.append(frag.clone(text=text[lo:hi]))
                if hi in ends and hi < end:  # after a group's base (never a line's last word: see lines)
                    words.append(_ruby_end(frag))
        return words


@lru_cache(maxsize=4096)
def line_ranges(phrases: bool, masked: str, text: str, widths: tuple[float, ...],
                max_widths: tuple[float, ...]) -> tuple[tuple[int, int], ...]:
    """The lines of a text as (start, end) ranges: phrase-aware (a short text) or JLREQ greedy with a
    mended tail. Pure, so kept per process: every handout breaks the same texts at the same widths.
    masked: the text the breaker sees (each ruby base one token); text: the words BudouX reads."""
    if phrases:
        return tuple(break_phrases(masked, widths, max_widths, lambda: phrase_levels(text)))
    return tuple(mend_tail(masked, widths, max_widths, break_lines(masked, widths, max_widths),
                           lambda: phrase_levels(text)))


def _set_named_callback(canvas, name: str, callback) -> None:
    """An <onDraw> callback where this ReportLab looks for it: newer ones ask canvas.getNamedCB,
    4.3 (the oldest we allow) looks the name up as an attribute of the canvas."""
    if hasattr(canvas, "setNamedCB"):
        canvas.setNamedCB(name, callback)
    else:
        setattr(canvas, name, callback)


RUBY_CALLBACK = "clinic_handout_ruby"
RUBY_END_CALLBACK = "clinic_handout_ruby_end"


def _ruby_end(frag):
    """A zero-width word that marks where a ruby group's base ends (a tagged PDF's RB ends there).
    Never a line's last word: ReportLab ends a line on a callback word with an extra empty text."""
    return frag.clone(text="", cbDefn=ABag(kind="onDraw", name=RUBY_END_CALLBACK, label=None))


def _end_ruby(canvas, _kind, _label) -> None:
    end = getattr(canvas, "ruby_end", None)
    if end is not None:
        end(canvas._curr_tx_info["tx"])


def _draw_ruby(canvas, _kind, label) -> None:
    """Draws a reading centred above its base, half its size; ReportLab calls this while it sets the
    line, with the base's position in canvas._curr_tx_info (its only way to tell a callback)."""
    reading, width, font, size, color, base = label
    where = canvas._curr_tx_info
    # In a tagged PDF the group is a Ruby element (tagging.py): the base (RB, in the text object), the reading
    # (RT, drawn here); the element's ActualText is the base, so a screen reader says it once.
    ruby = getattr(canvas, "ruby", None)
    with ruby(where["tx"], base) if ruby is not None else nullcontext():
        canvas.saveState()
        canvas.setFillColor(color)
        canvas.setFont(font, size * RUBY_SIZE)
        canvas.addLiteral("/Span <</ActualText ()>> BDC")  # copied or searched: the base only
        canvas.drawCentredString(where["cur_x"] + width / 2,
                                 where["cur_y"] + size * EM_TOP + size * RUBY_SIZE * (1 - EM_TOP), reading)
        canvas.addLiteral("EMC")
        canvas.restoreState()
