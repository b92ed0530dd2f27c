"""The desk's one door into the library: every screen calls these functions, never the CLI.

A thin adapter over the use cases (build one handout, save it, send it): the screens parse a form
and present a result; what a handout is, how it is checked, rendered, written and mailed stays in
the library, so the desk and `handout build` make the very same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..compose import Handout, compose, default_filename
from ..content import Content
from ..errors import InputError, Problem
from ..pipeline import open_content
from ..prescription import Prescription, catalogue_titles, prescription_from

DESK_SOURCE = Path("(desk)")  # the prescription's "file" in a problem: the desk's form


def load(content_dir: Path) -> Content:
    """The content folder as it is now (re-read on every request: the owner may edit it while the desk runs)."""
    return open_content(content_dir)


@dataclass(frozen=True)
class Built:
    """One handout made from the desk's form: the checked prescription, the PDF and what it is."""

    data: dict  # the prescription as a file holds it (what 保存 writes as YAML)
    prescription: Prescription
    handout: Handout
    pdf: bytes
    filename: str
    pages: int
    sha256: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "sha256", hashlib.sha256(self.pdf).hexdigest())


def check(data: dict, content: Content) -> Prescription:
    """The form's prescription through the same checks as a prescription file; InputError with every problem."""
    from ..guided import as_yaml_data

    return prescription_from(as_yaml_data(data), DESK_SOURCE, catalogue_titles(content), content.glyphs)


def build(data: dict, content: Content, today: dt.date | None = None) -> Built:
    """Checks and renders one handout, exactly as `handout build` renders the same prescription file."""
    from pypdf import PdfReader

    from ..render import render

    prescription = check(data, content)
    handout = compose(content, prescription, today or dt.date.today())
    pdf = render(handout)
    return Built(data, prescription, handout, pdf, default_filename(handout), len(PdfReader(io.BytesIO(pdf)).pages))


def save(built: Built, folder: Path) -> tuple[Path, Path]:
    """Writes the PDF and its prescription YAML side by side (as `handout new` does); never over another file."""
    import yaml

    from ..deliver import write_atomically
    from ..guided import free_path

    folder.mkdir(parents=True, exist_ok=True)
    path = free_path(folder, built.filename.removesuffix(".pdf") + ".yaml")
    header = "# handout desk で作った処方 (made by handout desk): handout build で作り直せます\n"
    text = header + yaml.safe_dump(built.data, allow_unicode=True, sort_keys=False)
    pdf_path = write_atomically(path.with_suffix(".pdf"), built.pdf)
    try:
        write_atomically(path, text.encode("utf-8"))
    except BaseException:
        pdf_path.unlink(missing_ok=True)
        raise
    return pdf_path, path


def problem_text(problem: Problem) -> str:
    """A problem in the words of the validation layer, for a message beside its field."""
    return f"{problem.found} → 正しくは: {problem.expected}"


def todays_saved(folder: Path, today: dt.date) -> list[Path]:
    """The PDFs saved today (until the history lands, the day's folder is the list)."""
    day = folder / today.isoformat()
    return sorted(day.glob("*.pdf")) if day.is_dir() else []


__all__ = ["Built", "InputError", "build", "check", "load", "problem_text", "save", "todays_saved"]
