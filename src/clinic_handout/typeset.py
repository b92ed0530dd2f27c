"""ReportLab's Paragraph with Japanese line breaking (linebreak.py) in place of its greedy CJK split."""
from __future__ import annotations

from reportlab.platypus.paragraph import (ParaLines, Paragraph, _handleBulletWidth, cjkU,
                                          makeCJKParaLine)

from .linebreak import SPACES, break_lines


class JapaneseParagraph(Paragraph):
    """A Paragraph whose lines follow the JLREQ rules of linebreak.py; needs wordWrap='CJK'."""

    def breakLinesCJK(self, maxWidths):
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        style = self.style
        self.height = 0
        _handleBulletWidth(self.bulletText, style, maxWidths)
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
            return self.blPara  # the second half of a split paragraph keeps its lines
        if not self.frags:
            return ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName, textColor=style.textColor,
                             lines=[], ascent=style.fontSize, descent=-0.2 * style.fontSize)
        calc_bounds = getattr(self, "autoLeading", getattr(style, "autoLeading", "")) not in ("", "off")
        units = [cjkU(ch, frag, "utf8") for frag in self.frags for ch in (frag.text or [""])]
        lines = []
        segment: list = []
        for unit in units:
            if hasattr(unit.frag, "lineBreak"):  # <br/>: the segment so far ends with a forced break
                lines += self._lines(segment, maxWidths, len(lines), calc_bounds, forced=unit)
                segment = []
            else:
                segment.append(unit)
        if segment:
            lines += self._lines(segment, maxWidths, len(lines), calc_bounds)
        return ParaLines(kind=1, lines=lines)

    @staticmethod
    def _lines(units, max_widths, first_line, calc_bounds, forced=None) -> list:
        text = "".join(units)
        widths = [u.width for u in units]
        ranges = break_lines(text, widths, list(max_widths[first_line:]) or [max_widths[-1]])
        lines = []
        for number, (start, end) in enumerate(ranges):
            max_width = max_widths[min(first_line + number, len(max_widths) - 1)]
            visible_end = end
            while visible_end > start and text[visible_end - 1] in SPACES:
                visible_end -= 1
            used = sum(widths[start:visible_end])
            line_units = units[start:end]
            last = number == len(ranges) - 1
            if last and forced is not None:
                line_units = line_units + [forced]
            lines.append(makeCJKParaLine(line_units, max_width, used, max_width - used, last and forced is not None,
                                         calc_bounds))
        return lines
