"""The merged print file of a batch: every handout drawn into ONE ReportLab document, in input order.

Each handout is laid out again with the layout its own file was given (render.Layout: the batch's workers
send it with the PDF) and drawn onto one canvas (`PrintCanvas`), so the file holds:
- each handout's pages as in its own file: the same text, its own header and name, its own page numbers
  `1 / 2` counting its own pages, its footer (the pages are checked to be as many as its file's);
- a blank page after a handout with an odd number of pages, so each handout starts on a new sheet when
  printed double-sided;
- each font subset once for the whole file (a handout's own file carries its own, about 90 KB), each
  figure and QR code once, as a form XObject every page that shows it draws (`draw_shared`);
- byte-deterministic (ReportLab's invariant mode; forms named in the order they are first drawn).

Not tagged, on purpose: the print file goes to the office printer. The structure tree of a tagged file
is about 25 KB a handout, uncompressed (neither ReportLab nor pypdf writes object streams): 50 handouts'
trees alone would be more than the whole file may be (1 MB). A reader gets the handout's own file, which
is tagged (tagging.py).

Memory: ReportLab writes the file when it is closed, so until then it keeps each page: its content
stream (compressed as the page is shown, `compress_page`), its dictionaries and the canvas state of the
page; the fonts' used characters; the forms. About 15 KB a handout (measured: tests/test_printfile.py),
7 MB for 500. On close ReportLab makes the whole file's bytes before it writes them (3.3 MB for 500).
"""
from __future__ import annotations

import io
from typing import BinaryIO

from reportlab.pdfgen.canvas import Canvas

from .one_pdf import one_at_a_time

TITLE = "印刷用ハンドアウト (handouts for printing)"
FORM_REACH = 2000  # a shared drawing's box, points either way of where it is drawn: it clips nothing


class PrintCanvas(Canvas):
    """One canvas for a whole print file. A handout's document (render.py) draws on it through
    handout(template): its pages are held until the handout ends, then shown with `n / N` counting the
    handout's own pages, and a blank page after an odd count. close() writes the file."""

    def __init__(self, out: BinaryIO, title: str = TITLE):
        from . import fonts
        from .render import A4, BODY_PT, LEADING

        # As render._document's canvases are made (BaseDocTemplate passes these): the same page preamble.
        super().__init__(out, pagesize=A4, invariant=1, pageCompression=1,
                         initialFontName=fonts.REGULAR,  # type: ignore[arg-type]  # the stub says float
                         initialFontSize=BODY_PT, initialLeading=BODY_PT * LEADING, lang="ja-JP")
        self.file_title = title
        self.template = None
        self.held_pages: list[dict] = []
        self.forms: dict[tuple[str, ...], str] = {}  # a shared drawing's operators -> its form's name

    def handout(self, template):
        """The canvasmaker for one handout's document.build: this canvas, ready for its pages."""
        def maker(*_args, **_kwargs) -> PrintCanvas:
            self.template, self.held_pages = template, []
            return self
        return maker

    def showPage(self):
        from .rl_compat import start_page

        self.held_pages.append(dict(self.__dict__))
        start_page(self)

    def save(self):
        """The end of one handout's document (not of the file): its pages, numbered; a blank after an odd count."""
        from .rl_compat import compress_page

        template, held = self.template, self.held_pages
        template.page_count = len(held)
        for number, state in enumerate(held, start=1):
            self.__dict__.update(state)
            template.draw_page_number(self, number, len(held))
            Canvas.showPage(self)
            compress_page(self)
        if len(held) % 2:
            Canvas.showPage(self)
            compress_page(self)
        self.template, self.held_pages = None, []

    def draw_shared(self, operators: tuple[str, ...]) -> None:
        """Draws operators (balanced, naming no resource: a figure's group, a QR code) as a form XObject,
        made the first time these operators are drawn and reused by every page after."""
        name = self.forms.get(operators)
        if name is None:
            name = self.forms[operators] = f"Shared{len(self.forms)}"
            self.beginForm(name, -FORM_REACH, -FORM_REACH, FORM_REACH, FORM_REACH)
            for operator in operators:
                self.addLiteral(operator)
            self.endForm()
        self.doForm(name)

    def close(self) -> None:
        """Writes the whole file (the fonts' subsets, the forms, the pages) to out."""
        self.setTitle(self.file_title)
        self.setSubject(None)
        self.setKeywords(None)
        Canvas.save(self)


class PrintFile:
    """The print file written to out: add(handout, layout) for each handout, in order, then close()."""

    def __init__(self, out: BinaryIO, title: str = TITLE):
        self.canvas = PrintCanvas(out, title)
        self.pages = 0  # pages so far, blank ones included

    @one_at_a_time
    def add(self, handout, layout=None) -> int:
        """Draws one handout (compose.Handout), laid out as its own file (render.Layout; None: found here),
        and a blank page after an odd count; returns how many pages it added."""
        from .render import HandoutTemplate

        count = HandoutTemplate(handout).draw_on(self.canvas, layout)
        self.pages += count + count % 2
        return count + count % 2

    @one_at_a_time
    def close(self) -> None:
        self.canvas.close()


def merge(handouts) -> bytes:
    """The print file of these handouts (compose.Handout, or (Handout, Layout) pairs), in memory."""
    out = io.BytesIO()
    printfile = PrintFile(out)
    for item in handouts:
        handout, layout = item if isinstance(item, tuple) else (item, None)
        printfile.add(handout, layout)
    printfile.close()
    return out.getvalue()


def encrypt(pdf: bytes, password: str) -> bytes:
    """The PDF protected with AES-256 (pypdf with its crypto extra): it opens only with the password."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
