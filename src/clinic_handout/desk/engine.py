"""The desk's one door into the library: every screen calls these functions, and they call the use-case
layer (app.py), the same functions under the CLI. The screens parse a form and present a result; what a
handout is, how it is checked, rendered, written, mailed and recorded in the history stays in the
library, so the desk and `handout build` make the very same bytes and keep the same history.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import app
from ..content import Content
from ..errors import Problem


def load(content_dir: Path) -> Content:
    """The content folder as it is now, for the form's choices (the catalogue, each area's stretches, the
    practitioners); re-read on every request: the owner may edit it while the desk runs."""
    from ..pipeline import open_content

    return open_content(content_dir)


@dataclass
class Built:
    """One handout made from the desk's form: the use case's result, and what the screens show of it."""

    data: dict  # the prescription as a file holds it (what 保存 writes as YAML)
    result: app.HandoutResult
    pages: int = 0
    sha256: str = ""
    history_id: int | None = None  # once handed out (printed, saved or sent)
    notices: list[str] = field(default_factory=list)  # e.g. the history could not be written

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def pdf(self) -> bytes:
        return self.result.pdf

    @property
    def filename(self) -> str:
        return self.result.filename

    @property
    def patient_name(self) -> str:
        assert self.result.handout is not None  # a built handout
        return self.result.handout.patient_name

    @property
    def address(self) -> str | None:
        assert self.result.prescription is not None
        return self.result.prescription.patient.email


def pages_of(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def build(data: dict, content_dir: Path, today: dt.date | None = None) -> Built:
    """Checks the form's prescription as a prescription file is checked, and renders it (app.build_prescription)."""
    result = app.build_prescription(data, content_dir=content_dir, today=today)
    built = Built(data, result)
    if result.ok:
        built.pages, built.sha256 = pages_of(result.pdf), hashlib.sha256(result.pdf).hexdigest()
        built.notices += [n.text for n in result.notices]
    return built


def record(built: Built, data_dir: Path) -> None:
    """In the history, once: the handout was handed out (印刷, 保存)."""
    if built.history_id is None:
        built.history_id = app.record_handout(built.result, origin="desk", data_dir=data_dir)
        built.notices += [n.text for n in built.result.notices if n.text not in built.notices]


def save(built: Built, content_dir: Path, data_dir: Path, folder: Path) -> tuple[Path, Path, list[str]]:
    """保存: the prescription YAML, and its PDF written by `handout build`'s own use case (which records it
    in the history), side by side, never over another file. Returns (pdf, yaml, notices); a PDF that
    differs from the one shown (the content folder changed meanwhile) is said, never hidden."""
    import yaml

    from ..deliver import write_atomically
    from ..errors import HandoutError
    from ..guided import free_path

    folder.mkdir(parents=True, exist_ok=True)
    path = free_path(folder, built.filename.removesuffix(".pdf") + ".yaml")
    header = "# handout desk で作った処方 (made by handout desk): handout build で作り直せます\n"
    write_atomically(path, (header + yaml.safe_dump(built.data, allow_unicode=True, sort_keys=False)).encode())
    written = app.write_handout(path, output=path.with_suffix(".pdf"), content_dir=content_dir, data_dir=data_dir,
                                origin="desk")
    if written.failure is not None or written.path is None:
        path.unlink(missing_ok=True)
        raise HandoutError(written.failure.message if written.failure else str(path))
    notices = [n.text for n in written.notices]
    if hashlib.sha256(written.path.read_bytes()).hexdigest() != built.sha256:
        notices.append("注意: 内容フォルダが変わったため、保存した PDF はプレビューと違います。"
                       "もう一度プレビューで確かめてください。")
    built.history_id = written.history_id
    return written.path, path, notices


_ENGLISH = re.compile(r"\s*\((?![^()]*[\u3040-\u30ff\u3400-\u9fff])[^()]*\)")  # a bracket with no kana or kanji


def japanese(text: str) -> str:
    """The validation layer's words without their English in brackets (the desk's reader reads Japanese);
    a bracket inside an English one, "(11 leftover(s) of …)", goes first, then the one around it."""
    shorter = text
    while (before := shorter) != (shorter := _ENGLISH.sub("", before)):
        pass
    return shorter.strip() or text


def problem_text(problem: Problem) -> str:
    """A problem in the words of the validation layer, for a message beside its field."""
    return f"{japanese(problem.found)} → 正しくは: {japanese(problem.expected)}"


# ---- the history ----

@dataclass(frozen=True)
class TodayRow:
    id: int
    time: str
    name: str
    stretches: str
    sent_to: str
    filename: str


def todays_handouts(content_dir: Path, data_dir: Path, today: dt.date) -> tuple[list[TodayRow], str]:
    """Today's handouts in the history, newest first (from the CLI too), and a problem with the history."""
    listed = app.list_history("", content_dir=content_dir, data_dir=data_dir, limit=500)
    rows = [TodayRow(e.id, e.made_at[11:16], e.patient_name, "、".join(s.title for s in e.stretches),
                     "、".join(e.sent_to), e.file_name or "")
            for e in listed.entries if e.made_at.startswith(today.isoformat())]
    return rows, listed.failure.message if listed.failure else ""


def stored_pdf(entry_id: int, content_dir: Path, data_dir: Path) -> app.HandoutResult:
    return app.stored_handout(entry_id, content_dir=content_dir, data_dir=data_dir)


def other_addresses(name: str, address: str, content_dir: Path, data_dir: Path) -> tuple[list[str], str]:
    """(this patient's other addresses, why they could not be checked)."""
    found = app.other_addresses(name, address, content_dir=content_dir, data_dir=data_dir)
    return found.addresses, found.failure.message if found.failure else ""


def sent_before(built: Built, address: str, content_dir: Path, data_dir: Path) -> bool:
    """This very PDF already went to this address (a second mail would be a duplicate)."""
    entries = app.patient_entries(built.patient_name, content_dir=content_dir, data_dir=data_dir).entries
    return any(s.outcome == "sent" and s.address.lower() == address.lower() and s.attachment_sha256 == built.sha256
               for e in entries for s in e.sends)


# ---- mail ----

def mail_settings(content_dir: Path):
    """The content folder's mail.yaml, checked; InputError when it is missing or wrong."""
    from ..mail_settings import load_settings

    return load_settings(content_dir)


def send(built: Built, address: str, data_dir: Path, password: str | None) -> app.SendResult:
    """Mails the very PDF that was confirmed (app.send_built), recorded in the history."""
    def smtp_password(settings) -> str | None:
        return password or os.environ.get(settings.password_env) if settings.username else None

    return app.send_built(built.result, address=address, smtp_password=smtp_password, data_dir=data_dir,
                          origin="desk")
