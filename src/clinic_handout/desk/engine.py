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
from glob import escape as glob_escape
from pathlib import Path

from .. import app
from ..content import Content
from ..errors import Problem


def load(content_dir: Path) -> Content:
    """The content folder as it is now, for the form's choices (the catalogue, each area's stretches, the
    practitioners); as it is on disk at every request (the owner may edit it while the desk runs), read and
    checked again only when its files changed (pipeline.current_content)."""
    from ..pipeline import current_content

    return current_content(content_dir)


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
    stem = built.filename.removesuffix(".pdf")
    for earlier in sorted(folder.glob(f"{glob_escape(stem)}*.pdf")):  # 保存 again: never a silent copy
        if re.fullmatch(re.escape(stem) + r"(-\d+)?", earlier.stem) and \
                hashlib.sha256(earlier.read_bytes()).hexdigest() == built.sha256:
            record(built, data_dir)
            return earlier, earlier.with_suffix(".yaml"), [
                f"同じ内容の案内は、もう「{earlier.name}」として保存してあります。もう1つは作っていません。"]
    path = free_path(folder, stem + ".yaml")
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
    if path.stem != stem:
        notices.append(f"この方の今日の案内（中身の違うもの）がもう保存してあるので、「{written.path.name}」という"
                       "別の名前で保存しました。前の分も残っています。")
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


_RANGE = re.compile(r"(\d+)〜(\d+) の整数")
_DOSE_WORDS = {"hold": "秒", "reps": "回数", "sets": "1日のセット数", "checklist_days": "記録表の日数"}


def field_message(form_field: str, problem: Problem) -> str:
    """A problem beside its form field, in the short plain Japanese of a receptionist ("お名前を入れて
    ください"): the desk's variant of the validation layer's bilingual words, which the CLI keeps.
    A problem this does not know is said in the validation layer's words without their English."""
    found = japanese(str(problem.found)).strip()
    missing = found.startswith("ありません")
    kind = form_field.split("-", 1)[0]
    typed = f"（今は「{found.strip(chr(34))}」）" if found and not missing else ""
    if kind == "name":
        if missing:
            return "お名前を入れてください"
        return f"お名前は、{japanese(problem.expected).split('、')[-1]}にしてください"
    if kind == "area":
        return "上・下・両方から選んでください"
    if kind == "side":
        return "右・左・左右から選んでください"
    if kind == "email":
        return ("メールアドレスの形になっていません" + typed + "。半角で hanako@example.com のように、"
                "@ の前後を続けて入れてください（空白・全角の＠・カンマ・2つ目のアドレスは入れられません）")
    if kind in ("date", "next_visit"):
        what = "日付" if kind == "date" else "次回のご来院の日"
        if "年がありません" in found:
            return f"{what}に年も入れてください（例: 2026/1/5）"
        return f"{what}が読めません{typed}。2026/1/5 のように入れてください"
    if kind in _DOSE_WORDS and (limits := _RANGE.search(problem.expected)):
        return f"{_DOSE_WORDS[kind]}は {limits[1]}〜{limits[2]} の数字で入れてください{typed}"
    return problem_text(problem)


# ---- the history ----

@dataclass(frozen=True)
class TodayRow:
    id: int
    time: str
    name: str
    area: str  # 上 / 下 / 両方, and 大きな文字
    stretches: str  # each with its dose as printed
    status: list[str]  # what was done with it: 印刷・保存 / 一括 / コマンド, and each mail as it went
    filename: str


ORIGIN_STATUS = {"desk": "印刷・保存", "batch": "一括", "build": "コマンドで作成", "new": "コマンドで作成",
                 "send": "コマンドで送信"}
SEND_STATUS = {"sent": "メール送信", "failed": "メール送れず", "eml": "メールファイル（未送信）"}
AREA_SHORT = {"upper": "上", "lower": "下", "both": "両方"}


def todays_handouts(content_dir: Path, data_dir: Path, today: dt.date) -> tuple[list[TodayRow], str]:
    """Today's handouts in the history, newest first (the desk's, the batch's and the CLI's), each with
    its area, stretches and doses and what was done with it, and a problem with the history."""
    listed = app.list_history("", content_dir=content_dir, data_dir=data_dir, limit=500)
    rows = []
    for e in listed.entries:
        if not e.made_at.startswith(today.isoformat()):
            continue
        area = AREA_SHORT.get(e.prescription.get("area", ""), "") + ("・大きな文字" if e.large_print else "")
        done = [] if e.origin == "desk" and e.sends else [ORIGIN_STATUS.get(e.origin, e.origin)]
        done += [f"{SEND_STATUS.get(s.outcome, s.outcome)} {s.at[11:16]} {s.address}"
                 + ("（パスワード付き）" if s.encrypted else "") for s in e.sends]
        rows.append(TodayRow(e.id, e.made_at[11:16], e.patient_name, area,
                             "、".join(f"{s.title} {s.dose}" for s in e.stretches), done, e.file_name or ""))
    return rows, listed.failure.message if listed.failure else ""


def stored_pdf(entry_id: int, content_dir: Path, data_dir: Path) -> app.HandoutResult:
    return app.stored_handout(entry_id, content_dir=content_dir, data_dir=data_dir)


def other_addresses(name: str, address: str, content_dir: Path, data_dir: Path) -> tuple[list[str], str]:
    """(this patient's other addresses, why they could not be checked)."""
    found = app.other_addresses(name, address, content_dir=content_dir, data_dir=data_dir)
    return found.addresses, found.failure.message if found.failure else ""


def other_patients(address: str, name: str, content_dir: Path, data_dir: Path) -> tuple[list[str], str]:
    """(the other patients this address was used for, why they could not be checked): shown to the
    receptionist on the confirmation only, never logged."""
    found = app.names_for_address(address, name, content_dir=content_dir, data_dir=data_dir)
    return found.names, found.failure.message if found.failure else ""


def sends_before(built: Built, address: str, content_dir: Path, data_dir: Path) -> int:
    """How many times this very handout (its PDF, locked with a password or not) already went to this
    address: a next mail is a duplicate the receptionist must mean (2通目)."""
    entries = app.patient_entries(built.patient_name, content_dir=content_dir, data_dir=data_dir).entries
    return sum(1 for e in entries if e.pdf_sha256 == built.sha256 for s in e.sends
               if s.outcome == "sent" and s.address.strip().lower() == address.strip().lower())


@dataclass(frozen=True)
class ShownStretch:
    title: str
    dose: str  # the dose line as printed: 15秒 × 5回 ・ 1日2セット
    detail: str  # which side, and what one set is: 左右それぞれ5回で1セット


def contents(built: Built) -> dict:
    """What the handout says, for the confirmation beside name and address: the area, each stretch with
    its dose and side in the words the PDF prints, large print and the tick-sheet."""
    from ..content import AREA_NAMES
    from ..ruby import plain

    handout, prescription = built.result.handout, built.result.prescription
    assert handout is not None and prescription is not None, "only a built handout is confirmed"
    return {"area": AREA_NAMES[prescription.area],
            "stretches": [ShownStretch(plain(c.title), c.dose_line, c.dose_detail) for c in handout.cards],
            "large_print": bool(handout.large_print), "tick_sheet": bool(handout.checklist_dates)}


def new_pdf_password() -> str:
    """A PDF password to say on the telephone: 12 digits (about 40 bits; AES-256 makes each guess slow)."""
    import secrets

    return "".join(secrets.choice("0123456789") for _ in range(12))


# ---- mail ----

def mail_settings(content_dir: Path):
    """The content folder's mail.yaml, checked; InputError when it is missing or wrong."""
    from ..mail_settings import load_settings

    return load_settings(content_dir)


def smtp_password_missing(settings, typed: str | None) -> bool:
    """The mail server wants a login and neither the confirmation nor the environment gives its password."""
    return bool(settings.username) and not (typed or os.environ.get(settings.password_env))


def send(built: Built, address: str, data_dir: Path, password: str | None,
         pdf_password: str | None = None) -> app.SendResult:
    """Mails the very PDF that was confirmed (app.send_built), locked with pdf_password when one is given
    (as `handout send --encrypt`), recorded in the history."""
    def smtp_password(settings) -> str | None:
        return password or os.environ.get(settings.password_env) if settings.username else None

    return app.send_built(built.result, address=address, smtp_password=smtp_password, data_dir=data_dir,
                          origin="desk", encrypt=pdf_password is not None,
                          pdf_password=(lambda: pdf_password) if pdf_password else None)
