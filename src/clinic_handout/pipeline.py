"""The one-way flow for one handout: load + validate → compose → render. No files are written here."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .compose import Handout, compose
from .content import Content, load_content
from .prescription import Patient, Prescription, load_prescription


def open_content(folder: Path, allow_missing_glyphs: bool = False) -> Content:
    """The content folder, every character checked against its font chain."""
    return load_content(folder, allow_missing_glyphs)


def build_pdf(prescription_file: Path, content: Content, today: dt.date | None = None,
              large_print: bool = False) -> tuple[Handout, bytes]:
    """Checks one prescription and renders its handout; raises InputError before any layout.

    Characters no font has are in content.glyphs.warnings when they are allowed (printed as 〓).
    """
    from .render import render  # ReportLab's platypus: only when a PDF is made

    prescription = load_prescription(prescription_file, list(content.catalogue), content.glyphs)
    handout = compose(content, prescription, today or dt.date.today(), large_print)
    return handout, render(handout)


def standard_page_count(content: Content) -> int:
    """Pages of the contract's standard handout (area both, default stretches, no note) from this content."""
    import io

    from pypdf import PdfReader

    from .render import render

    standard = Prescription(source=Path("standard"), patient=Patient("山田 花子", None), date=dt.date(2026, 1, 1),
                            practitioner="田中 健", area="both", stretches=None, note=None)
    return len(PdfReader(io.BytesIO(render(compose(content, standard, standard.date)))).pages)
