"""The desk's one door into the library: every screen calls these functions, never the CLI.

A thin adapter over the use cases (build one handout, save it, send it): the screens parse a form
and present a result; what a handout is, how it is checked, rendered, written and mailed stays in
the library, so the desk and `handout build` make the very same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..compose import Handout, compose, default_filename
from ..content import Content
from ..errors import Problem
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


_ENGLISH = re.compile(r"\s*\((?![^()]*[\u3040-\u30ff\u3400-\u9fff])[^()]*\)")  # a bracket with no kana or kanji


def japanese(text: str) -> str:
    """The validation layer's words without their English in brackets (the desk's reader reads Japanese)."""
    return _ENGLISH.sub("", text).strip() or text


def problem_text(problem: Problem) -> str:
    """A problem in the words of the validation layer, for a message beside its field."""
    return f"{japanese(problem.found)} → 正しくは: {japanese(problem.expected)}"


def todays_saved(folder: Path, today: dt.date) -> list[Path]:
    """The PDFs saved today (until the history lands, the day's folder is the list)."""
    day = folder / today.isoformat()
    return sorted(day.glob("*.pdf")) if day.is_dir() else []


# ---- mail (until the use-case layer's send lands) ----

@dataclass(frozen=True)
class SendOutcome:
    message_id: str
    bcc_refused: str | None


def mail_settings(content_dir: Path):
    """The content folder's mail.yaml, checked; InputError when it is missing or wrong."""
    from ..mail import load_settings

    return load_settings(content_dir)


def send_log(data_dir: Path):
    """The desk's send log (the batch's format): one line per attempt, in the data folder."""
    from ..mail import SendLog

    data_dir.mkdir(parents=True, exist_ok=True)
    return SendLog(data_dir / "send-log.jsonl")


def _logged(data_dir: Path) -> list[dict]:
    import json

    path = data_dir / "send-log.jsonl"
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def other_addresses(data_dir: Path, patient_name: str, address: str) -> list[str]:
    """Addresses this patient (by name as typed, spaces aside) was sent to before, other than address."""
    import re

    def same(name) -> bool:
        return isinstance(name, str) and re.sub(r"\s+", "", name) == re.sub(r"\s+", "", patient_name)

    found = {e["address"] for e in _logged(data_dir) if same(e.get("patient")) and e.get("outcome") == "sent"
             and isinstance(e.get("address"), str) and e["address"].lower() != address.lower()}
    return sorted(found)


def sent_before(data_dir: Path, built: Built, address: str) -> bool:
    from ..mail import send_key

    return send_key(built.filename, address, built.pdf) in send_log(data_dir).sent if data_dir.is_dir() else False


def send(built: Built, address: str, content_dir: Path, data_dir: Path, password: str | None) -> SendOutcome:
    """Mails the very PDF that was confirmed to address, and logs the attempt; HandoutError when not sent."""
    import os
    import smtplib

    from .. import mail as mailing
    from ..errors import HandoutError

    if not mailing.valid_address(address):
        raise HandoutError(f"「{address}」はメールアドレスの形ではありません (not an email address)")
    settings = mailing.load_settings(content_dir)
    password = password or (os.environ.get(settings.password_env) if settings.username else None)
    key = mailing.send_key(built.filename, address, built.pdf)
    mail = mailing.message(settings, built.handout, mailing.hours_text(built.handout), address, built.pdf,
                           built.filename, False, mailing.message_id(settings, key))
    log = send_log(data_dir)
    entry = {"patient": built.handout.patient_name, "address": address, "file": built.filename,
             "message_id": mail["Message-ID"], "key": key}
    mailer = mailing.Mailer(settings, password)
    try:
        bcc_refused = mailing.send_with_retries(mailer, mail, address)
    except (smtplib.SMTPException, OSError) as error:
        log.write(**entry, outcome="failed", error=mailing.describe(error))
        raise HandoutError(mailing.describe(error, settings)) from None
    finally:
        mailer.close()
    refused = f"{settings.bcc}: {mailing.describe_reply(bcc_refused)}" if bcc_refused else None
    log.write(**entry, outcome="sent", **({"bcc_refused": refused} if refused else {}))
    return SendOutcome(mail["Message-ID"], refused)
