"""The one-way flow for one handout: load + validate → compose → render. No files are written here."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import fonts
from .compose import Handout, compose
from .content import Content, load_content
from .prescription import load_prescription


def open_content(folder: Path) -> Content:
    """The content folder, every character checked against the fonts."""
    return load_content(folder, fonts.can_draw)


def build_pdf(prescription_file: Path, content: Content, today: dt.date | None = None) -> tuple[Handout, bytes]:
    """Checks one prescription and renders its handout; raises InputError before any layout."""
    from .render import render  # ReportLab's platypus: only when a PDF is made

    prescription = load_prescription(prescription_file, list(content.catalogue), fonts.can_draw)
    handout = compose(content, prescription, today or dt.date.today())
    return handout, render(handout)
