"""ReportLab's Paragraph with Japanese line breaking (linebreak.py) in place of its greedy CJK split.

A style with `phrases=True` (headings, captions, table headers, the footer) breaks between phrases
(linebreak.break_phrases with phrases.py's BudouX levels); any other keeps the JLREQ greedy fill and
mends a last line of one to three characters (linebreak.mend_tail).
"""
from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import getAscentDescent, getFont
from reportlab.platypus.paragraph import FragLine, Paragraph, ParaLines, _handleBulletWidth

from .linebreak import SPACES, break_lines, break_phrases, mend_tail
from .phrases import phrase_levels


class JapaneseParagraph(Paragraph):
    """A Paragraph whose lines follow the JLREQ rules of linebreak.py; needs wordWrap='CJK'."""

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
        return ParaLines(kind=1, lines=lines)


class _Segment:
    """The text between forced line breaks, with each character's width and the frag it comes from."""

    def __init__(self, phrases: bool):
        self.phrases = phrases  # break between phrases (a short text), else JLREQ greedy with a mended tail
        self.text = ""
        self.widths: list[float] = []
        self.runs: list[tuple] = []  # (frag, start, end)

    def add(self, frag) -> None:
        text = frag.text or ""
        face = getFont(frag.fontName).face
        scale, known, default = 0.001 * frag.fontSize, face.charWidths.get, face.defaultWidth
        self.runs.append((frag, len(self.text), len(self.text) + len(text)))
        self.text += text
        self.widths += [known(ord(ch), default) * scale for ch in text]  # as ReportLab's stringWidth

    def lines(self, max_widths, first_line: int, forced=None) -> list:
        text, widths = self.text, self.widths
        widths_here = list(max_widths[first_line:]) or [max_widths[-1]]
        if self.phrases:
            ranges = break_phrases(text, widths, widths_here, lambda: phrase_levels(text))
        else:
            ranges = mend_tail(text, widths, widths_here, break_lines(text, widths, widths_here),
                               lambda: phrase_levels(text))
        lines = []
        for number, (start, end) in enumerate(ranges):
            max_width = max_widths[min(first_line + number, len(max_widths) - 1)]
            visible_end = end
            while visible_end > start and text[visible_end - 1] in SPACES:
                visible_end -= 1
            used = sum(widths[start:visible_end])
            words = [frag.clone(text=text[max(a, start):min(b, end)])
                     for frag, a, b in self.runs if max(a, start) < min(b, end)]
            breaks_here = forced is not None and number == len(ranges) - 1
            if breaks_here:
                words.append(forced.clone(text=""))
            metrics = [(w.fontSize, *getAscentDescent(w.fontName, w.fontSize)) for w in words] or [(0, 0, 0)]
            lines.append(FragLine(kind=1, extraSpace=max_width - used, wordCount=1, words=words,
                                  fontSize=max(m[0] for m in metrics), ascent=max(m[1] for m in metrics),
                                  descent=min(m[2] for m in metrics), maxWidth=max_width, currentWidth=used,
                                  lineBreak=breaks_here))
        return lines
