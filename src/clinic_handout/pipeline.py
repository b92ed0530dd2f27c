"""The one-way flow for one handout: load + validate → compose → render. No files are written here."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .compose import Handout, compose
from .content import Content, load_content
from .prescription import load_prescription


def open_content(folder: Path, allow_missing_glyphs: bool = False) -> Content:
    """The content folder, every character checked against its font chain."""
    return load_content(folder, allow_missing_glyphs)


def build_pdf(prescription_file: Path, content: Content, today: dt.date | None = None) -> tuple[Handout, bytes]:
    """Checks one prescription and renders its handout; raises InputError before any layout.

    Characters no font has are in content.glyphs.warnings when they are allowed (printed as 〓).
    """
    from .render import render  # ReportLab's platypus: only when a PDF is made

    prescription = load_prescription(prescription_file, list(content.catalogue), content.glyphs)
    handout = compose(content, prescription, today or dt.date.today())
    return handout, render(handout)
