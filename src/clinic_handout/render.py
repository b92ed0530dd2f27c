"""Lays out a composed Handout as an A4 PDF and returns its bytes (ReportLab platypus)."""
from __future__ import annotations

import io
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    ActionFlowable,
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
)

from . import __version__, fonts, ruby
from .compose import Card, Handout, figure_alt, japanese_day
from .figures import POSES
from .one_pdf import one_at_a_time
from .pictures import key_sample, picture, qr_code
from .rl_compat import frame_top, install, same_table_height, start_page
from .tagging import Node, TaggingCanvas
from .typeset import RUBY_MIN_PT
from .typeset import JapaneseParagraph as Paragraph

# 17 mm leaves room for a 12-14 pt 。 hanging past the frame while staying inside a 12 mm page margin.
MARGIN_X = 17 * mm
MARGIN_TOP = 13 * mm
FOOTER_BOTTOM = 12.5 * mm
BODY_PT = 12
LARGE_PRINT_PT = 14
FIGURE_WIDTH, FIGURE_HEIGHT = 45 * mm, 27 * mm  # a stretch card's picture: wide enough to copy from (issue 14)
QR_SIZE = 19 * mm  # the clinic's QR code: about 0.6 mm a module, easy for a phone camera
VIDEO_QR_SIZE = 15 * mm
GUTTER = 4 * mm  # between the two columns of a list (times k in large print)
HANG = 1.6  # a bulleted line's indent, in em: a full-width bullet and ReportLab's 0.6 em after it
QR_CAPTION_MAX = 34 * mm  # the widest the QR code's column grows for its caption (times k in large print)
LEADING = 1.7
INK = colors.black
RULE = colors.Color(0.35, 0.35, 0.35)
TINT = colors.Color(0.90, 0.90, 0.90)  # light grey: survives black-and-white printing, text stays black
SAFETY_TINT = colors.Color(0.96, 0.96, 0.96)
ALL = ((0, 0), (-1, -1))


def _style(name, size=BODY_PT, bold=False, leading=LEADING, phrases=False, **extra) -> ParagraphStyle:
    """A paragraph style in the bundled font; phrases=True for a short text (heading, caption, table
    header, footer), whose lines break between phrases (typeset.py)."""
    return ParagraphStyle(name, fontName=fonts.BOLD if bold else fonts.REGULAR, fontSize=size,
                          leading=round(size * leading, 1), wordWrap="CJK", bulletFontName=fonts.REGULAR,
                          bulletFontSize=size, phrases=phrases, **{"textColor": INK, **extra})


def grid(rows, widths, *commands, padding=(0, 0, 0, 0), split=True, **options) -> Table:
    """A Table whose cells draw in the bundled font (a Table's own default is Helvetica 10 pt).

    Cells taller than a page split inside the row (unless split=False) rather than crash the build.
    """
    left, right, top, bottom = padding
    style = [("FONT", *ALL, fonts.REGULAR, BODY_PT), ("LEFTPADDING", *ALL, left), ("RIGHTPADDING", *ALL, right),
             ("TOPPADDING", *ALL, top), ("BOTTOMPADDING", *ALL, bottom), *commands]
    return Grid(rows, colWidths=widths, style=style, splitInRow=int(split), **options)


class Grid(Table):
    """A Table laid out once per width: ReportLab wraps a table again and again at the same width (the
    table around it sizing its cells, KeepTogether measuring a block, the frame placing it, the cell drawing
    it), and each wrap wraps every flowable inside it again. A wrap at the width of the last one returns
    the layout it made, when the height given cannot change it (rl_compat.same_table_height); a split or
    a new style lays it out again. About a third of a handout's table wraps are such repeats."""

    def wrap(self, availWidth, availHeight):
        if self.__dict__.get("_wrapped_at") == availWidth and same_table_height(self, availHeight):
            self.availWidth = availWidth
            return self._width, self._height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return size

    def split(self, availWidth, availHeight):  # lays the table out too, maybe at another width
        self.__dict__.pop("_wrapped_at", None)
        return super().split(availWidth, availHeight)

    def setStyle(self, tblstyle):  # paddings, spans: a new layout
        self.__dict__.pop("_wrapped_at", None)
        super().setStyle(tblstyle)


class SafetyMark(Flowable):
    """Takes no room; notes the page the safety notice is drawn on, for page 1's pointer to it."""

    def __init__(self, template: HandoutTemplate):
        super().__init__()
        self.template = template

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.template.drawn_safety_page = self.canv.getPageNumber()


TICK_ROW = 9 * mm  # a day's row of the tick-sheet (times k in large print)
TICK_BOX, TICK_GAP = 5 * mm, 2 * mm  # a box to tick, for a pen: the same in large print
TICK_BOX_SMALL, TICK_GAP_SMALL = 4 * mm, 1.5 * mm
TICK_PADDING = 3


class TickBoxes(Flowable):
    """count empty squares to tick, centred, in as many lines as the cell's width needs."""

    def __init__(self, count: int, size: float, gap: float):
        super().__init__()
        self.count, self.size, self.gap = count, size, gap

    def wrap(self, available_width, _available_height):
        self.per_line = max(1, int((available_width + self.gap) // (self.size + self.gap)))
        lines = -(-self.count // self.per_line)
        self.width = available_width
        self.height = lines * self.size + (lines - 1) * self.gap
        return self.width, self.height

    def draw(self):
        canvas, step = self.canv, self.size + self.gap
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(1)
        for index in range(self.count):
            line, place = divmod(index, self.per_line)
            in_line = min(self.per_line, self.count - line * self.per_line)
            left = (self.width - (in_line * step - self.gap)) / 2
            canvas.rect(left + place * step, self.height - self.size - line * step, self.size, self.size,
                        stroke=1, fill=0)


def _width(markup_free_text: str, style: ParagraphStyle) -> float:
    """The width of a one-line text in a style (the bundled font; for sizing columns)."""
    return stringWidth(markup_free_text, style.fontName, style.fontSize)


# -- PAGE RULES: how the blocks of a handout fall onto pages (HandoutTemplate.story, .build) ----------
# 1. Keep with next: a section heading is one block with what follows it (the stretch heading with
#    the rules box), so a heading never ends a page; the key to the figures is one with the first card.
# 2. Whole: the header, the rules box, each stretch card, a short note, the safety notice and the
#    tick-sheet never split over two pages (a block with whole=True).
# 3. The safety notice shares its page: when it would stand alone on a page, the block before it
#    (a card or the note) moves onto its page, if the two fit on one page and the page it leaves
#    stays at least MIN_FILL full.
# 4. The tick-sheet follows on the page of the safety notice when it fits there whole; else it
#    starts the next page. It is one page for 14 days in standard and large print.
MIN_FILL = 0.5
# Tests (tests/test_pages.py) check these on every sample at both sizes, from the PDF.


@dataclass
class Block:
    role: str  # header, cause, stretches, card, note, safety, tick-sheet
    flowables: list
    whole: bool = True  # rule 2: never split over pages
    space: float = 0.0  # space before it, when it does not start a page


class HandoutTemplate:
    """The page: A4 portrait, margins, the footer, the styles and the story of one handout."""

    def __init__(self, handout: Handout):
        self.chain = fonts.font_chain(handout.fallback_fonts)
        self.handout = handout
        # Large print: every size times 14/12, so body text is 14 pt and nothing is below 12.25 pt.
        self.k = k = LARGE_PRINT_PT / BODY_PT if handout.large_print else 1.0
        self.width = A4[0] - 2 * MARGIN_X
        # The page the safety notice lands on: 2 for the standard handout; build() checks it.
        self.safety_page = self.drawn_safety_page = 2
        self.page_count = 0  # pages of the last layout pass
        self.layout: Layout | None = None  # what build() gave its last pass
        short = {"phrases": True}  # short texts: break between phrases
        self.styles = {
            "title": _style("title", 18 * k, bold=True, leading=1.35, **short),
            "for_whom": _style("for_whom", BODY_PT * k, leading=1.5, **short),
            "clinic": _style("clinic", BODY_PT * k, bold=True, leading=1.4, **short),
            "name": _style("name", 20 * k, bold=True, leading=1.3, **short),
            "meta": _style("meta", BODY_PT * k, alignment=TA_RIGHT, leading=1.4, **short),
            "pointer": _style("pointer", BODY_PT * k, bold=True, alignment=TA_RIGHT, leading=1.3, **short),
            "meta2": _style("meta2", BODY_PT * k, alignment=TA_RIGHT, leading=1.15, **short),  # beside the name
            "h2": _style("h2", 14 * k, bold=True, leading=1.3, textColor=colors.white, **short),
            "h3": _style("h3", 13 * k, bold=True, leading=1.45, **short),
            "body": _style("body", BODY_PT * k),
            "cell": _style("cell", BODY_PT * k, leading=1.45),
            "area": _style("area", BODY_PT * k, bold=True, leading=1.4, **short),
            # A bulleted line's text starts HANG after its bullet's start on every line: ReportLab starts the
            # first line after a full-width bullet and 0.6 em, so a smaller indent misaligns the lines after it.
            "item": _style("item", BODY_PT * k, leading=1.5, leftIndent=HANG * BODY_PT * k, bulletIndent=0),
            "safety": _style("safety", BODY_PT * k, leading=1.4, leftIndent=HANG * BODY_PT * k, bulletIndent=0),
            "flag": _style("flag", BODY_PT * k, leading=1.4, leftIndent=HANG * BODY_PT * k, bulletIndent=0, **short),
            "list": _style("list", BODY_PT * k, leading=1.45, leftIndent=2 + HANG * BODY_PT * k, bulletIndent=2,
                           **short),
            "step": _style("step", BODY_PT * k, leading=1.4, leftIndent=19 * k, bulletIndent=0),
            "card_title": _style("card_title", 14 * k, bold=True, leading=1.3, **short),
            "number": _style("number", 15 * k, bold=True, leading=1.2, alignment=TA_CENTER, textColor=colors.white),
            "target": _style("target", BODY_PT * k, leading=1.4, **short),
            "dose": _style("dose", 14 * k, bold=True, leading=1.3, alignment=TA_CENTER, **short),
            "dose_detail": _style("dose_detail", BODY_PT * k, leading=1.3, alignment=TA_CENTER, **short),
            "small": _style("small", 10.5 * k, leading=1.45, **short),
            "qr": _style("qr", 10.5 * k, leading=1.2, alignment=TA_CENTER, **short),
            "tick_head": _style("tick_head", 10.5 * k, bold=True, leading=1.35, alignment=TA_CENTER, **short),
            "page": _style("page", 10.5 * k, bold=True, alignment=TA_RIGHT, leading=1.45),
        }
        for style in self.styles.values():  # a reading is never smaller than the print size's smallest text
            style.rubyMinSize = RUBY_MIN_PT * k
        self.footer = self._footer()
        _, self.footer_height = self.footer.wrap(self.width, A4[1])
        self.frame_bottom = FOOTER_BOTTOM + self.footer_height + 4 * mm
        self.frame_height = A4[1] - MARGIN_TOP - self.frame_bottom

    def text(self, value: str) -> str:
        """Text as Paragraph markup: escaped, line breaks kept, never normalised; characters the
        bundled font lacks in the fallback font that has them; ruby groups {股関節|こかんせつ} (ruby.py)."""
        return ruby.markup(value, self.chain.markup)

    # -- the story ------------------------------------------------------------------------
    def blocks(self) -> list[Block]:
        """What the handout says, in reading order, as blocks for the page rules (PAGE RULES below).

        Also self.root: the structure tree of the tagged PDF (tagging.py), in reading order. Each part
        adds its elements under the node it is given, in the order a person reads them aloud."""
        h, s = self.handout, self.styles
        root = self.root = Node("Document")
        blocks = [Block("header", [self._header(root), Spacer(1, 2 * mm)], whole=True)]
        if h.for_whom:
            blocks[0].flowables += [root.leaf("P", Paragraph(self.text(h.for_whom), s["for_whom"])),
                                    Spacer(1, 2 * mm)]
        sect = root.add("Sect")
        cause = [*self._heading(h.cause_heading, sect),
                 *(sect.leaf("P", Paragraph(self.text(p), s["body"])) for p in h.cause_paragraphs),
                 Spacer(1, 1.5 * mm), self._area_causes(sect)]
        if h.cause_closing:
            cause += [Spacer(1, 1.5 * mm), sect.leaf("P", Paragraph(self.text(h.cause_closing), s["body"]))]
        blocks.append(Block("cause", cause, whole=False))
        # The rules open the stretch section, read before the first card.
        sect = root.add("Sect")
        blocks.append(Block("stretches", self._heading(h.stretches_heading, sect) + [self._rules(sect)], space=3 * mm))
        key = sect.add("Div")  # the key to the figures is read before the first card
        blocks += [Block("card", [self._card(card, sect.add("Sect"))], space=2 * mm) for card in h.cards]
        if any(card.figure and card.image is None for card in h.cards):  # how to read the figures, once:
            first = blocks[-len(h.cards)]  # over the first card, and on its page (rule 1)
            first.flowables[:0] = [self._figure_key(key), Spacer(1, 1 * mm)]
        if h.note:
            note = self._note(root)
            # A short note stays whole; a long one starts right here and flows over the pages.
            short = note.wrap(self.width, A4[1])[1] < self.frame_height / 3
            blocks.append(Block("note", [note], whole=short, space=3 * mm))
        blocks.append(Block("safety", [self._safety(root.add("Sect"))], space=3 * mm))
        if h.checklist:
            blocks.append(Block("tick-sheet", self._checklist(root.add("Sect")), space=4 * mm))
        # How to reach the clinic is printed only in the footer: read once, last, from the last page's footer
        # (the footers of the other pages stay artifacts; _build).
        self.contact = root.add("P")
        self.contact.actual_text = self.footer_words  # read aloud with a pause between the items
        return blocks

    def story(self, room_before_safety: float | None = None) -> list:
        """The blocks as ReportLab's story under the PAGE RULES. room_before_safety: the safety notice
        stood alone on a page, the page before had this much room left (rule 3 applies)."""
        blocks = self.blocks()
        for block in blocks:
            for flowable in block.flowables:
                flowable.handout_block = block.role  # build() reads back where each block landed (rule 3)
        if room_before_safety is not None:
            at = next(i for i, block in enumerate(blocks) if block.role == "safety")
            before, safety = blocks[at - 1], blocks[at]
            together = [*before.flowables, Spacer(1, safety.space), *safety.flowables]
            left = room_before_safety + self._height(before.flowables) + before.space
            if before.whole and self._height(together) <= self.frame_height and \
                    1 - left / self.frame_height >= MIN_FILL:  # rule 3: the block before moves along
                blocks[at - 1:at + 1] = [Block("safety", together, space=before.space)]
        story: list = []
        for block in blocks:
            if block.role == "tick-sheet" and not self._fits_on_one_page(block.flowables):
                story.append(PageBreak())  # rule 4: longer than a page, the tick-sheet starts its own
            elif story and block.space:
                story.append(Spacer(1, block.space))
            story += [KeepTogether(block.flowables)] if block.whole else block.flowables  # rules 1 and 2
        return story

    def _fits_on_one_page(self, flowables: list) -> bool:
        return self._height(flowables) <= self.frame_height

    def _height(self, flowables: list) -> float:
        return sum(f.wrap(self.width, self.frame_height)[1] for f in flowables)

    def _checklist(self, sect: Node) -> list:
        """The tick-sheet: a row a day; for each stretch a box a set (1日2セット: two boxes), the pain
        score; black and white. Columns are as wide as their headers need (the pain heading on one
        line); a stretch's header breaks between phrases."""
        h, s, k = self.handout, self.styles, self.k
        sheet, head = h.checklist, s["tick_head"]
        assert sheet is not None  # story() adds the tick-sheet only when there is one
        padding = TICK_PADDING * k
        date_width = max(_width(japanese_day(day), s["target"]) for day in h.checklist_dates) + 2 * padding
        pain_width = max(_width(sheet.pain_heading, head) + 2 * padding + 1, 20 * mm * k)
        pain_width = min(pain_width, self.width * 0.25)  # a clinic's long heading breaks between phrases
        column = (self.width - date_width - pain_width) / len(h.cards)
        top = self._checklist_top(sect)
        # Tagged: a table, its first row and each day's date header cells; the boxes to tick are artifacts.
        cells = sect.table(len(h.checklist_dates) + 1, len(h.cards) + 2, header_rows=1, header_columns=1)
        heads = [cells[0][0].leaf("P", Paragraph("日付", s["area"]))]
        heads += [cell.leaf("P", Paragraph(f"{card.number}<br/>{self.text(card.title.removesuffix('のストレッチ'))}",
                                           head)) for cell, card in zip(cells[0][1:], h.cards, strict=False)]
        heads.append(cells[0][-1].leaf("P", Paragraph(self.text(sheet.pain_heading), head)))
        box, gap = TICK_BOX, TICK_GAP
        if self._tick_rows_height(box, gap, column, padding) > self._tick_room(heads, column, date_width, pain_width):
            box, gap = TICK_BOX_SMALL, TICK_GAP_SMALL  # many sets: smaller boxes keep 14 days on one page
        row_height = max(TICK_ROW * k, self._tick_row_height(box, gap, column, padding))
        rows = [heads] + [[row[0].leaf("P", Paragraph(japanese_day(day), s["target"]))]
                          + [TickBoxes(card.sets_per_day, box, gap) for card in h.cards] + [""]
                          for row, day in zip(cells[1:], h.checklist_dates, strict=True)]
        table = grid(rows, [date_width] + [column] * len(h.cards) + [pain_width],
                     ("GRID", *ALL, 0.9, INK), ("BACKGROUND", (0, 0), (-1, 0), TINT),
                     ("VALIGN", *ALL, "MIDDLE"), ("ALIGN", (1, 0), (-1, 0), "CENTER"),
                     padding=(padding, padding, 3, 4), repeatRows=1,
                     rowHeights=[None] + [row_height] * len(rows[1:]))
        parts = top + [table]
        if h.next_visit:
            parts += [Spacer(1, 4 * mm), sect.leaf("P", Paragraph(
                f"{self.text(sheet.next_visit_label)}：{japanese_day(h.next_visit)}", s["card_title"]))]
        return parts

    def _checklist_top(self, sect: Node | None = None) -> list:
        """The tick-sheet's heading, name and how to fill it in (tagged under sect; untagged to measure)."""
        h, s = self.handout, self.styles
        sect = sect or Node("Sect")
        assert h.checklist is not None
        return self._heading(h.checklist.heading, sect) + [
            sect.leaf("P", Paragraph(f"{self.text(h.patient_name)} 様", s["area"])),
            sect.leaf("P", Paragraph(self.text(h.checklist.intro), s["body"])), Spacer(1, 2 * mm)]

    def _tick_row_height(self, box: float, gap: float, column: float, padding: float) -> float:
        """The height a day's row needs for the most boxes of any stretch in a column this wide."""
        most = max(card.sets_per_day for card in self.handout.cards)
        lines = TickBoxes(most, box, gap).wrap(column - 2 * padding, A4[1])[1]
        return lines + 2 * padding

    def _tick_rows_height(self, box, gap, column, padding) -> float:
        row = max(TICK_ROW * self.k, self._tick_row_height(box, gap, column, padding))
        return row * len(self.handout.checklist_dates)

    def _tick_room(self, heads, column, date_width, pain_width) -> float:
        """The height left for the days' rows on a page of their own, under the heading and intro."""
        top = sum(f.wrap(self.width, self.frame_height)[1] for f in self._checklist_top())
        header = grid([heads], [date_width] + [column] * len(self.handout.cards) + [pain_width],
                      padding=(TICK_PADDING * self.k,) * 2 + (3, 4)).wrap(self.width, self.frame_height)[1]
        extra = 16 * mm * self.k if self.handout.next_visit else 0
        return self.frame_height - top - header - extra

    def _header(self, root: Node) -> Table:
        """Clinic and date; the title over a heavy rule; the patient's name with 様 and the practitioner.
        Read aloud: the title, the name, the practitioner and next visit, the date, the clinic, its QR code."""
        h, s = self.handout, self.styles
        title, name, meta_node, date, clinic_node = (root.add(role) for role in ("H1", "P", "P", "P", "P"))
        clinic = clinic_node.mark(Paragraph(self.text(h.clinic.name), s["clinic"]))
        if h.clinic.logo:
            image = Image(str(h.clinic.logo), width=40 * mm, height=10 * mm, kind="proportional", hAlign="LEFT")
            logo = root.leaf("Figure", image, alt=f"{h.clinic.name}のロゴ")
            clinic = grid([[logo, clinic]], [image.drawWidth + 3 * mm, None], ("VALIGN", *ALL, "BOTTOM"))
        meta = [f"担当：{h.practitioner}"] if h.practitioner else []
        # The next visit on every handout: the date when it is known, else blanks to fill in by hand.
        visit = japanese_day(h.next_visit) if h.next_visit else "＿＿月＿＿日（＿）"
        meta.append(f"{h.next_visit_label}：{visit}")
        rows = [[clinic, date.mark(Paragraph(h.date_text, s["meta"]))],
                [title.mark(Paragraph(self.text(h.title), s["title"])), Spacer(0, 0)],
                [name.mark(Paragraph(f"{self.text(h.patient_name)} 様", s["name"])),
                 meta_node.mark(Paragraph("<br/>".join(self.text(line) for line in meta), s["meta2"]))]]
        meta_node.actual_text = "　".join(ruby.base(line) for line in meta)  # read aloud with a pause between lines
        qr_url = h.clinic.qr_url or h.clinic.url
        # The QR column is as wide as its caption on one line (up to a limit; a longer one breaks at phrases).
        caption = min(max(QR_SIZE, _width(h.clinic.qr_caption, s["qr"]) + 2), QR_CAPTION_MAX * self.k)
        left = self.width - (caption + 6 * mm if qr_url else 0)
        # The practitioner and the next visit each on one line, where the name leaves room for them.
        right = min(max(left * 0.3, max(_width(line, s["meta2"]) for line in meta) + 4), left * 0.6)
        table = grid(rows, [left - right, right],
                    ("VALIGN", *ALL, "BOTTOM"), ("SPAN", (0, 1), (1, 1)),
                    ("BOTTOMPADDING", (0, 1), (-1, 1), 3), ("LINEBELOW", (0, 1), (-1, 1), 2, INK),
                    ("TOPPADDING", (0, 2), (-1, 2), 3), ("BOTTOMPADDING", (0, 2), (-1, 2), 2),
                    ("LINEBELOW", (0, 2), (-1, 2), 0.75, RULE))
        if not qr_url:
            return table
        # The clinic's QR code at the top right of the first page, where the header has room.
        code = [root.leaf("Figure", qr_code(qr_url, QR_SIZE), alt=f"QRコード：{qr_url}"),
                root.leaf("P", Paragraph(self.text(h.clinic.qr_caption), s["qr"]))]
        return grid([[table, code]], [left, caption + 6 * mm], ("VALIGN", *ALL, "BOTTOM"),
                    ("ALIGN", (1, 0), (1, 0), "RIGHT"))

    def _heading(self, title: str, sect: Node) -> list:
        """A section heading: white bold text on a black band (keep it with what follows)."""
        band = grid([[sect.leaf("H2", Paragraph(self.text(title), self.styles["h2"]))]], [self.width],
                    ("BACKGROUND", *ALL, INK), padding=(8, 8, 1, 4))
        return [band, Spacer(1, 1.5 * mm)]

    def _area_causes(self, sect: Node) -> Table:
        """The part of the cause that fits the patient's area: one labelled row per area (its row header)."""
        s, parts = self.styles, self.handout.area_causes
        cells = sect.table(len(parts), 2, header_columns=1)
        # readings in brackets here, never ruby: a line with ruby is taller, so the label beside it would no longer
        # sit on the text's first baseline (a fresh reader saw the cells misaligned); and the label at the top
        # of its row, on the first line of a text that wraps (large print), not centred between its lines
        rows = [[cells[r][0].leaf("P", Paragraph(self.text(ruby.plain(part.heading)), s["area"])),
                 cells[r][1].leaf("P", Paragraph(self.text(ruby.plain(part.text)), s["cell"]))]
                for r, part in enumerate(parts)]
        from reportlab.pdfbase.pdfmetrics import stringWidth

        label = max(36 * mm * self.k, 12 + max(stringWidth(ruby.plain(part.heading), fonts.BOLD, s["area"].fontSize)
                                                 for part in self.handout.area_causes))
        return grid(rows, [label, self.width - label],
                    ("BOX", *ALL, 1, INK), ("INNERGRID", *ALL, 0.75, INK), ("BACKGROUND", (0, 0), (0, -1), TINT),
                    ("VALIGN", *ALL, "TOP"), padding=(6, 6, 2, 4))

    def _card(self, card: Card, sect: Node | None = None) -> Table:
        """One stretch: number, title and target beside the dose, then the numbered steps.
        Tagged: a one-row table, the number and the title (a heading) heading the dose and the video's QR
        code; then the picture, the target, the steps, the cautions and the note."""
        s, sect = self.styles, sect or Node("Sect")  # no sect: untagged (a test looking at one card)
        inner = self.width - 2 * 8
        tile = 9 * mm * self.k
        head, dose_cell, *video_cell = sect.table(1, 2 + bool(card.video_url), header_columns=1)[0]
        number_node, heading = head.add("P"), head.add("H3")
        number = grid([[number_node.mark(Paragraph(str(card.number), s["number"]))]], [tile],
                      ("BACKGROUND", *ALL, INK), ("VALIGN", *ALL, "MIDDLE"), padding=(0, 0, 0, 2), rowHeights=[tile])
        dose_width = inner * 0.5
        dose_text = self.text(card.dose_line)
        # What the dose counts on the dose's line when it fits (a card one line shorter), else below it.
        one_line = f"{card.dose_line}　{card.dose_detail}"
        fits = stringWidth(one_line, fonts.BOLD, s["dose"].fontSize) <= dose_width - 10
        dose = grid([[[dose_cell.leaf("P", Paragraph(dose_text + "　" + self.text(card.dose_detail), s["dose"]))]
                      if fits else [dose_cell.leaf("P", Paragraph(dose_text, s["dose"])),
                                    dose_cell.leaf("P", Paragraph(self.text(card.dose_detail), s["dose_detail"]))]]],
                    [dose_width],
                    ("BACKGROUND", *ALL, TINT), ("BOX", *ALL, 1, INK), ("VALIGN", *ALL, "MIDDLE"),
                    padding=(4, 4, 2, 3.5))
        named = heading.mark(Paragraph(self.text(card.title), s["card_title"]))
        row: list = [number, named, dose]  # a cell: a flowable, or a list of them
        widths = [tile + 2 * mm, inner - tile - 2 * mm - dose_width, dose_width]
        if card.video_url:  # a QR code for the stretch's video, after the dose
            row.append([video_cell[0].leaf("Figure", qr_code(card.video_url, VIDEO_QR_SIZE),
                                           alt=f"動画のQRコード：{card.video_url}"),
                        video_cell[0].leaf("P", Paragraph("動画", s["qr"]))])
            widths = [widths[0], widths[1] - VIDEO_QR_SIZE - 4 * mm, widths[2], VIDEO_QR_SIZE + 4 * mm]
        title = grid([row], widths, ("VALIGN", *ALL, "MIDDLE"), ("ALIGN", (-1, 0), (-1, 0), "RIGHT"))
        # What it aims at heads the steps: beside the picture there is room for it, and the title row stays one line.
        width, height = FIGURE_WIDTH * self.k, FIGURE_HEIGHT * self.k
        art = picture(card.figure, card.image, width, height, card.figure_label, card.mirror, label_pt=11 * self.k) \
            if card.image is not None else kept_figure(card.figure, width, height, card.figure_label, card.mirror,
                                                       11 * self.k)
        if art is not None:
            art = sect.leaf("Figure", art, alt=card.alt)
        steps = [sect.leaf("P", Paragraph(f"ねらい：{self.text(card.target)}", s["target"]))]
        numbered = sect.add("L")
        steps += [numbered.item(Paragraph(self.text(step), s["step"], bulletText=f"{i}."))
                  for i, step in enumerate(card.steps, 1)]
        marked = sect.add("L")
        steps += [marked.item(Paragraph(self.text(c), s["item"], bulletText="※")) for c in card.cautions]
        if card.note:
            steps += [marked.item(Paragraph(f"<b>担当者より：</b>{self.text(card.note)}", s["item"], bulletText="★"))]
        if art is not None:  # the steps beside the picture
            steps = [grid([[steps, art]], [inner - width - 6, width + 6],
                          ("VALIGN", *ALL, "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT"))]
        return self._box([title, Spacer(1, 1 * mm), *steps], border=1.25, rounded=True, padding=(8, 8, 4, 4))

    def _figure_key(self, node: Node) -> Table:
        return figure_key(self.width, self.styles["area"], self.styles["target"], self.k, node)

    def _rules(self, sect: Node) -> Table:
        """The general rules, in a tinted box: the rules and the safe set-up side by side, then the pointer
        to the page of the safety notice."""
        rules, s = self.handout.rules, self.styles
        heading_node, pointer_node, numbered = sect.add("H3"), sect.add("P"), sect.add("L")
        items = [numbered.item(Paragraph(self.text(item), s["list"], bulletText=f"{i}."))
                 for i, item in enumerate(rules.items, 1)]
        if rules.setup:
            marked = sect.add("L")
            setup = [marked.item(Paragraph(self.text(item), s["list"], bulletText="●")) for item in rules.setup]
            inner = self.width - 16
            items = [grid([[items, setup]], [inner * 0.55, inner * 0.45], ("VALIGN", *ALL, "TOP"),
                          ("RIGHTPADDING", (0, 0), (0, 0), GUTTER * self.k))]  # a clear gutter between the lists
        # The pointer to the safety notice's page shares the heading's line (a wrap when it does not fit).
        pointer = self.text(self.handout.safety.pointer.replace("{page}", str(self.safety_page)))
        heading_width = stringWidth(rules.heading, fonts.BOLD, s["h3"].fontSize) + 6 * mm
        heading = grid([[heading_node.mark(Paragraph(self.text(rules.heading), s["h3"])),
                         pointer_node.mark(Paragraph(f"▶ {pointer}", s["pointer"]))]],
                       [heading_width, self.width - 16 - heading_width], ("VALIGN", *ALL, "MIDDLE"))
        return self._box([heading] + items, border=1, background=TINT)

    def _note(self, root: Node) -> Table:
        assert self.handout.note is not None  # story() adds the note only when there is one
        heading = f"<b>{self.text(self.handout.note_heading)}：</b>"  # inline: a two-line note takes two lines
        return self._box([root.leaf("P", Paragraph(heading + self.text(self.handout.note), self.styles["cell"]))],
                         border=1)

    def _safety(self, sect: Node) -> Table:
        """The safety notice: a heavy box in every handout, whatever the prescription says. The red flags
        sit side by side: stop and go to a hospital now (a heavy box), and see a doctor before going on."""
        safety, s = self.handout.safety, self.styles
        parts = [sect.leaf("H2", Paragraph(f"【重要】{self.text(safety.heading)}", s["h3"]))]
        marked = sect.add("L")
        parts += [marked.item(Paragraph(self.text(item), s["safety"], bulletText="●"))
                  for item in safety.items + (safety.next_day,)]
        column_width = (self.width - 20 - 4 * mm) / 2
        columns = []
        for heading, flags, border in ((safety.urgent_heading, safety.urgent, 2),
                                       (safety.soon_heading, safety.soon, 1)):
            lines = [sect.leaf("H3", Paragraph(self.text(heading), s["area"]))]  # the first column read first
            listed = sect.add("L")
            lines += [listed.item(Paragraph(self.text(flag), s["flag"], bulletText="■")) for flag in flags]
            columns.append(grid([[lines]], [column_width], ("BOX", *ALL, border, INK),
                                ("BACKGROUND", *ALL, colors.white), padding=(6, 6, 2, 4)))
        parts += [Spacer(1, 1 * mm), grid([columns], [column_width + 4 * mm, column_width], ("VALIGN", *ALL, "TOP"))]
        return self._box([SafetyMark(self), *parts], border=2.5, background=SAFETY_TINT, padding=(10, 10, 5, 7))

    def _box(self, parts: list, border: float, background=None, rounded=False, padding=(8, 8, 4, 6)) -> Table:
        commands: list[tuple] = [("BOX", *ALL, border, INK)]
        if background is not None:
            commands.append(("BACKGROUND", *ALL, background))
        if rounded:
            commands.append(("ROUNDEDCORNERS", [6, 6, 6, 6]))
        return grid([[parts]], [self.width], *commands, padding=padding)

    # -- every page ----------------------------------------------------------------------
    def _footer(self) -> Table:
        clinic = self.handout.clinic
        # Items apart by a full-width space, written as a character reference: ReportLab turns a typed
        # one into a plain space. A line longer than the footer breaks between items first (typeset.py).
        gap = "&#12288;"
        first = (f"<b>{self.text(clinic.name)}</b>{gap}電話 <b>{self.text(clinic.phone)}</b>"
                 f"{gap}{self.text(clinic.address)}")
        hours = f"{self.text(clinic.hours_label)}：" + gap.join(self.text(line) for line in clinic.hours)
        contact = gap.join(self.text(v) for v in (clinic.url, clinic.email) if v)
        lines = [first, hours] + ([contact] if contact else [])
        self.footer_words = "　".join(ruby.base(words) for words in (
            clinic.name, f"電話 {clinic.phone}", clinic.address,
            f"{clinic.hours_label}：" + "　".join(clinic.hours), clinic.url, clinic.email) if words)
        return grid([[Paragraph("<br/>".join(lines), self.styles["small"])]], [self.width - 22 * mm],
                    padding=(0, 0, 4, 0))

    def draw_footer(self, canvas: Canvas, _doc) -> None:
        top = FOOTER_BOTTOM + self.footer_height
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.75)
        canvas.line(MARGIN_X, top, MARGIN_X + self.width, top)
        with getattr(canvas, "held", nullcontext)():  # tagged on the last page only (_build)
            self.footer.drawOn(canvas, MARGIN_X, FOOTER_BOTTOM)

    def draw_page_number(self, canvas: Canvas, page: int, total: int) -> None:
        label = Paragraph(f"{page} / {total}", self.styles["page"])
        _, height = label.wrap(20 * mm, 20 * mm)
        label.drawOn(canvas, MARGIN_X + self.width - 20 * mm, FOOTER_BOTTOM + self.footer_height - 4 - height)

    def build(self) -> bytes:
        """The PDF; laid out again when the safety notice would stand alone on a page (rule 3), and
        when it did not land on the page that page 1 points to. self.layout: what the last pass was given."""
        def rule_3_room(pages: dict[int, Landed]) -> float | None:  # the safety notice alone on a page
            alone = [number for number, page in pages.items() if set(page.blocks) == {"safety"}]
            return pages[alone[0] - 1].room if alone and alone[0] - 1 in pages else None

        def pointed_right() -> bool:  # page 1 points to the page the safety notice was drawn on
            return self.drawn_safety_page == self.safety_page

        # A pass laid out again is not written out (its file is never used): the test is made when it saves.
        pdf, pages = self._build(self.story(), last=lambda pages: rule_3_room(pages) is None and pointed_right())
        room = rule_3_room(pages)
        if room is not None:
            pdf, _ = self._build(self.story(room_before_safety=room), last=lambda _: pointed_right())
        if not pointed_right():
            self.safety_page = self.drawn_safety_page
            pdf, _ = self._build(self.story(room_before_safety=room))
        assert pdf, "the last layout pass was written"
        self.layout = Layout(room, self.safety_page, self.page_count)
        return pdf

    def draw_on(self, canvas, layout: Layout | None = None) -> int:
        """Draws the handout's pages onto canvas, a print file's (printfile.py), laid out as build() laid out
        its single file: layout is what build() recorded (the batch's workers send it along), or found here
        by building the single file first. Returns the pages drawn; raises if they are not the single file's."""
        if layout is None:
            self.build()
            assert self.layout is not None  # set by build()
            layout = self.layout
        self.safety_page = layout.safety_page
        self._build(self.story(room_before_safety=layout.room), canvas=canvas)
        if self.page_count != layout.pages:
            raise PagesDiffer(f"{self.handout.patient_name} 様: 印刷用 PDF では {self.page_count} ページ、"
                              f"本人の PDF では {layout.pages} ページ ({self.page_count} pages in the print file, "
                              f"{layout.pages} in its own file)")
        return self.page_count

    def _build(self, story: list, canvas=None, last=None) -> tuple[bytes, dict[int, Landed]]:
        """The PDF of story, and for each page the blocks drawn on it and the room left under them.
        With canvas (a print file's, printfile.PrintCanvas), the pages are drawn onto it instead. last: told the
        pages once every page is laid out and drawn, whether this is the last pass (else no file is written:
        the bytes are empty; the page count and the pages are known all the same)."""
        h = self.handout
        buffer = io.BytesIO()
        doc = _document(buffer, self.frame_bottom, self.frame_height, self.draw_footer, title=h.pdf_title,
                        author=h.clinic.name, subject=h.subject, keywords=["腰痛", "ストレッチ"])
        # invariant=1 fixes the file ID; the dates come from the handout, so the same input gives the same bytes.
        pdf_date = f"D:{h.date:%Y%m%d}000000+09'00'"
        template = self

        class NumberedCanvas(TaggingCanvas):
            """Holds each page until the total is known, then writes `page / total` on it."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.setDateFormatter(lambda *_: pdf_date)
                self.held_pages = []
                self.structure = (template.root, h.pdf_title)  # the tree of this story (tagging.py)

            def showPage(self):
                self.held_pages.append(dict(self.__dict__))
                start_page(self)

            def save(self):
                template.page_count = len(self.held_pages)
                if last is not None and not last(pages):
                    return  # laid out again: this pass's file would be thrown away
                for number, state in enumerate(self.held_pages, start=1):
                    self.__dict__.update(state)
                    template.draw_page_number(self, number, len(self.held_pages))
                    if number == len(self.held_pages) and hasattr(self, "tag_held"):
                        self.tag_held(template.contact)  # the clinic contact: content here, artifact before
                    super().showPage()
                super().save()

        pages: dict[int, Landed] = {}

        def after(flowable) -> None:
            if not isinstance(flowable, (Spacer, ActionFlowable)):
                page = pages.setdefault(doc.page, Landed([], self.frame_height))
                page.blocks.append(getattr(flowable, "handout_block", None))  # None: a part of a split block
                page.room = min(page.room, frame_top(doc) - self.frame_bottom)

        doc.afterFlowable = after  # type: ignore[method-assign]  # ReportLab's documented hook
        doc.build(story, canvasmaker=NumberedCanvas if canvas is None else canvas.handout(self))
        return buffer.getvalue(), pages


class PagesDiffer(RuntimeError):
    """A handout drawn into a print file did not give the pages of its own file (draw_on): the batch makes no
    print file then (batch.py)."""


@dataclass(frozen=True)
class Layout:
    """What a handout's last layout pass was given, and the pages it made: the print file lays the handout
    out again from it in one pass (HandoutTemplate.draw_on), page for page as its single file."""
    room: float | None  # room_before_safety (PAGE RULES, rule 3), None when rule 3 did not apply
    safety_page: int  # the page page 1 points to for the safety notice
    pages: int


@dataclass
class Landed:
    """What build() saw of one page: the blocks drawn on it, the room left under them (points)."""
    blocks: list[str | None]
    room: float


def _document(buffer, bottom: float, height: float, on_page=None, **metadata) -> BaseDocTemplate:
    """What every PDF of ours shares: A4 with one body frame, Japanese, the bundled font from the first
    operator, a fixed file ID (invariant) so the same input gives the same bytes, binary streams."""
    install(fonts.to_unicode_cmap)  # ToUnicode in UTF-16, no base-85 streams: only when a PDF is made
    doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                          bottomMargin=bottom, creator=f"clinic-handout {__version__}",
                          producer=f"clinic-handout {__version__} (ReportLab)", lang="ja-JP", displayDocTitle=1,
                          invariant=1, initialFontName=fonts.REGULAR, initialFontSize=BODY_PT,
                          initialLeading=BODY_PT * LEADING, **metadata)
    frame = Frame(MARGIN_X, bottom, A4[0] - 2 * MARGIN_X, height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], **({"onPage": on_page} if on_page else {}))])
    return doc


def figure_key(width: float, heading_style, words_style, k: float = 1.0, node: Node | None = None) -> Table:
    """What the figures' black, grey and faint parts mean, in words beside a small sample of each:
    one line when it fits, else the heading over one row per sample. Tagged under node: the words
    (the samples are artifacts: the words say it)."""
    size = 8 * mm * k
    node = node or Node("Div")
    heading = node.leaf("P", Paragraph("図の見方", heading_style))
    head_width = stringWidth("図の見方", fonts.BOLD, heading_style.fontSize) + 3 * mm
    items, widths = [], []
    for kind, words in (("leg", "黒い足：伸ばす足"), ("patch", "灰色：伸びるところ"),
                        ("ghost", "うすい線：始めの姿勢")):
        items += [kept_key_sample(kind, size, size * 0.7), node.leaf("P", Paragraph(words, words_style))]
        widths += [size + 1 * mm, stringWidth(words, fonts.REGULAR, words_style.fontSize) + 3 * mm]
    if head_width + sum(widths) <= width:  # one line
        return grid([[heading, *items]], [head_width, *widths[:-1], None], ("VALIGN", *ALL, "MIDDLE"))
    rows = [[heading, "", ""]] + [items[i:i + 2] + [""] for i in range(0, len(items), 2)]
    return grid(rows, [size + 1.5 * mm, max(widths[1::2]), None], ("VALIGN", *ALL, "MIDDLE"),
                ("SPAN", (0, 0), (-1, 0)))


# A handout's figures and the key's samples, as drawings: the same in every handout of a content folder. Building
# one (its shapes added to a group, the samples' patch hatched) was about 1.5 ms of a handout; a drawing is only
# read when it is laid out and drawn (what it draws from cached operators, pictures.CachedDrawing), so one is
# shared by the handouts that draw the same figure at the same size, side and label. A photo is never kept.
_DRAWINGS: OrderedDict[tuple, Flowable | None] = OrderedDict()
DRAWINGS_KEPT = 64  # figures x sizes x sides x labels of a content folder, and the key's samples


def kept_figure(name: str | None, width: float, height: float, label: str | None, mirror: bool,
                label_pt: float) -> Flowable | None:
    """pictures.picture(name, None, ...): a built-in figure (None without one), kept per its arguments."""
    key = ("figure", name, width, height, label, mirror, label_pt)
    return _kept(key, lambda: picture(name, None, width, height, label, mirror, label_pt=label_pt))


def kept_key_sample(kind: str, width: float, height: float) -> Flowable:
    """pictures.key_sample(kind, width, height), kept per its arguments."""
    drawing = _kept(("key", kind, width, height), lambda: key_sample(kind, width, height))
    assert drawing is not None  # a sample is always drawn
    return drawing


def _kept(key: tuple, make) -> Flowable | None:
    if key in _DRAWINGS:
        _DRAWINGS.move_to_end(key)
        return _DRAWINGS[key]
    drawing = _DRAWINGS[key] = make()
    if len(_DRAWINGS) > DRAWINGS_KEPT:
        _DRAWINGS.popitem(last=False)
    return drawing


@one_at_a_time
def render(handout: Handout) -> bytes:
    """The handout as PDF bytes: the same handout always gives the same bytes."""
    return HandoutTemplate(handout).build()


@one_at_a_time
def render_with_layout(handout: Handout) -> tuple[bytes, Layout]:
    """render(handout), and the layout the print file draws it again with (HandoutTemplate.draw_on)."""
    template = HandoutTemplate(handout)
    pdf = template.build()
    assert template.layout is not None  # set by build()
    return pdf, template.layout


@one_at_a_time
def render_gallery(content) -> bytes:
    """Every stretch's picture, for the right side and mirrored for the left: for the clinic to review."""
    chain = fonts.font_chain(content.fallback_fonts)
    title = _style("title", 18, bold=True, leading=1.35)
    heading = _style("h3", 13, bold=True, leading=1.45)
    body = _style("body", leading=1.45)
    width, height = 58 * mm, 34.8 * mm
    # Tagged: the title, the key, then a table with a row a stretch, its name heading the row (tagging.py).
    root = Node("Document")
    rows = [[root.leaf("H1", Paragraph("図の一覧（右側 ／ 左側）", title)), "", ""]]
    if any(stretch.figure and stretch.image is None for stretch in content.catalogue.values()):
        rows.append([figure_key(A4[0] - 2 * MARGIN_X, heading, body, node=root.add("Div")), "", ""])
    cells = root.table(len(content.catalogue), 3, header_columns=1)
    for row, stretch in zip(cells, content.catalogue.values(), strict=True):
        name = [row[0].leaf("H2", Paragraph(ruby.markup(stretch.title, chain.markup), heading)),
                row[0].leaf("P", Paragraph(f"id: {chain.markup(stretch.id)}", body)),
                row[0].leaf("P", Paragraph("写真: " + chain.markup(stretch.image.name) if stretch.image else
                                           ("図: " + stretch.figure if stretch.figure else "図なし"), body))]
        if stretch.image is None and stretch.figure:
            name.append(row[0].leaf("P", Paragraph(f"灰色：{POSES[stretch.figure].caption}", body)))
        right = picture(stretch.figure, stretch.image, width, height, "右", stretch.image_side == "left")
        left = picture(stretch.figure, stretch.image, width, height, "左", stretch.image_side == "right")
        rows.append([name] + [cell.leaf("Figure", art, alt=figure_alt(stretch, side)) if art else ""
                              for cell, art, side in ((row[1], right, "right"), (row[2], left, "left"))])
    key_row = [("SPAN", (0, 1), (-1, 1))] if len(rows) > len(content.catalogue) + 1 else []
    table = grid(rows, [None, width + 6, width + 6], ("SPAN", (0, 0), (-1, 0)), *key_row, ("VALIGN", *ALL, "MIDDLE"),
                 ("LINEBELOW", (0, 1), (-1, -1), 0.5, RULE), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                 ("TOPPADDING", (0, 1), (-1, -1), 4), split=False, repeatRows=1)
    buffer = io.BytesIO()
    doc = _document(buffer, MARGIN_TOP, A4[1] - 2 * MARGIN_TOP, title="図の一覧", author=content.clinic.name)
    class GalleryCanvas(TaggingCanvas):
        structure = (root, "図の一覧")

    doc.build([table], canvasmaker=GalleryCanvas)
    return buffer.getvalue()
