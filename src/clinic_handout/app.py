"""The use cases: one function per thing the front desk does, for every front end (the CLI, the browser).

Each takes plain arguments (keyword-only past the first), never prints and never asks: it returns a
result object saying what was written, what failed and why, as data, with every message already
worded (Japanese first, English in brackets) so that each front end shows the same words.

Every result has
- ``notices``: warnings and remarks in the order they arose (`Notice.text` is the whole line to show;
  `Notice.kind` is "warning" or "info");
- ``failure``: None, or a `Failure` when the use case stopped as a whole (its `problems` when input
  files were wrong, `message` the full text to show, `exit_code` 1 for bad input, 2 for a refused
  output). ``ok`` is ``failure is None``.
Bugs (anything that is not a HandoutError) are raised, never dressed as a failure.

Use case → result:
- `validate(paths, *, content_dir)` → `ValidateResult`: every problem; the standard handout's pages
- `build_handout(prescription, *, content_dir, large_print, allow_missing_glyphs, today)` → `HandoutResult`:
  the PDF's bytes and file name, nothing written
- `write_handout(prescription, *, output, ..., overwrite)` → `WriteResult`: the path written
- `plan_batch(source, *, out_dir, merge_to, content_dir, allow_missing_glyphs)` → `BatchPlan`: the rows
  to build and the rows refused, nothing written
- `build_batch(plan, *, jobs, large_print, overwrite, today, progress, stop, keep_pdfs)` → `BatchResult`: files
  written, rows failed (each with its problems), rows left by a stop, the print file
- `send_handout(prescription, *, to, pdf_file, eml, dry_run, encrypt, pdf_password, smtp_password, ...)`
  → `SendResult`: to whom, subject, attachment, message id
- `build_prescription(data, *, content_dir, today)` → `HandoutResult`: one handout from a prescription given
  as data (the desk's form), checked exactly as a prescription file is; nothing written
- `send_built(built, *, address, smtp_password, ...)` → `SendResult`: mails exactly the bytes of a built
  handout (what the desk's confirmation showed) and records the handout and the mail
- `plan_batch_send(batch)` → `SendPlan`: the mails still to send, bad and shared addresses
- `send_batch(plan, *, smtp_password, stop, on_sent)` → `BatchSendResult`: sent, failed, not sent
- `make_gallery(*, output, content_dir)` → `WriteResult`: the sheet of every stretch's picture
- `start_content_folder(directory)` → `WriteResult`: a new content folder from the built-in sample
- `list_stretches(*, content_dir)` → `StretchesResult`: the catalogue's rows

A front end asks its questions (a confirmation, a password) between two use cases or through the
callbacks it passes (`progress`, `stop`, `smtp_password`, `pdf_password`, `on_sent`).

The history (history.py): `write_handout`, `build_batch`, `send_handout` and `send_batch` record what
they wrote and sent in the history of `data_dir` (default: handout-data beside the content folder, see
`history.data_folder`); `record_handout(result, origin="desk")` records a handout built with
`build_handout` once the desk hands it out (print, save). Each result carries the entry ids
(`history_id`, `history_ids`). The deed comes first: a history that cannot be written (read-only,
full, locked, damaged) is one warning notice beside the truthful outcome, never a failure of the
use case and never an unsent mail said as sent or a sent one as unsent.
- `list_history(name, *, content_dir, data_dir, limit)` → `HistoryResult`: entries, newest first
- `history_pdf(entry_id, *, output, ...)` → `WriteResult`: the stored PDF, byte for byte
- `forget_patient(name, *, ...)` → `HistoryResult`: how many entries were deleted
- `backup_history(target, *, ...)` → `WriteResult`: a copy of the whole history in one file
- `stored_handout(entry_id, *, ...)` → `HandoutResult`: the stored PDF's bytes and file name, nothing written
- `other_addresses(name, address, *, ...)` → `HistoryResult`: the addresses this patient had before (the
  desk's mis-send guard)
- `names_for_address(address, name, *, ...)` → `HistoryResult`: the other patients this address was used
  for (the mis-send guard's wrong-person warning)
"""
from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import HandoutError, InputError, Problem

if TYPE_CHECKING:
    from .batch_input import Outcome, Prepared
    from .compose import Handout
    from .content import Content
    from .history import Entry, History
    from .mail import Delivery
    from .mail_settings import MailSettings
    from .prescription import Catalogue, Prescription
    from .send_log import SendLog


# -- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Notice:
    """One line to show: a warning (said on stderr by the CLI) or a remark."""

    text: str
    kind: str = "warning"


@dataclass(frozen=True, kw_only=True)
class Failure:
    """Why a use case stopped as a whole, worded once."""

    message: str
    problems: tuple[Problem, ...] = ()
    exit_code: int = 1  # 1: bad content or prescription, or an output that cannot be written; 2: refused


@dataclass(kw_only=True)
class Result:
    """What every use case returns: its notices, its failure (None when it worked), what to show last."""

    notices: list[Notice] = field(default_factory=list)
    failure: Failure | None = None
    done: str = ""  # what to show last when it worked: the file written, the batch's count

    @property
    def ok(self) -> bool:
        return self.failure is None

    def warn(self, text: str) -> None:
        self.notices.append(Notice(text=text))


@dataclass(kw_only=True)
class ValidateResult(Result):
    """validate's result: every problem found, and the standard handout's pages when there are none."""

    folder: Path
    checked: str  # what was checked, as said: "handouts + 3 処方ファイル (prescription files)"
    problems: list[Problem] = field(default_factory=list)
    pages: int | None = None  # of the standard handout (area both, no note), when there are no problems

    @property
    def summary(self) -> str:
        return (f"問題ありません (no problems): {self.checked}; "
                f"標準のハンドアウト (standard handout): {self.pages} ページ (pages)")


@dataclass(kw_only=True)
class HandoutResult(Result):
    """One handout made and not written: its PDF's bytes and file name, and what it was made from."""

    pdf: bytes = b""
    filename: str = ""  # DATE_NAME.pdf
    handout: Handout | None = None
    prescription: Prescription | None = None  # as checked: what record_handout stores
    content: Content | None = None


@dataclass(kw_only=True)
class WriteResult(Result):
    """A file written (path), and its history entry (history_id) when one was recorded."""

    path: Path | None = None
    history_id: int | None = None  # the history entry of the handout written (None: not recorded)


@dataclass(kw_only=True)
class BatchPlan(Result):
    """A batch after reading and checking, before anything is built or written."""

    source: Path
    out_dir: Path
    merge_to: Path | None = None
    content: Content | None = None
    prepared: Prepared | None = None
    inputs: dict = field(default_factory=dict)  # what no output may be (the CSV, the folder's files, the content)
    allow_missing_glyphs: bool = False
    data_dir: Path | None = None  # the history's folder (None: the default, history.data_folder)

    @property
    def count(self) -> int:
        """How many handouts can be built."""
        return len(self.prepared.good) if self.prepared else 0


@dataclass(frozen=True, kw_only=True)
class RowFailure:
    """A row of a batch that was not built, with its problems."""

    label: str  # how the front desk finds the row again: "5行目 木村 次郎 (row 5)", "yamada.yaml"
    problems: tuple[Problem, ...]

    @property
    def message(self) -> str:
        return problems_text(list(self.problems), f"{self.label} ")


@dataclass(kw_only=True)
class BatchResult(Result):
    """build_batch's result: the files written, the rows failed or left by a stop, the print file."""

    plan: BatchPlan
    today: dt.date
    written: list[tuple[str, Path]] = field(default_factory=list)  # (label, file) in input order
    failed: list[RowFailure] = field(default_factory=list)
    merged: Path | None = None
    stopped: bool = False  # stop() said so: the rows after it were not built
    not_built: list[str] = field(default_factory=list)  # labels left when stopped
    outcomes: list[Outcome] = field(default_factory=list)
    history_ids: dict[str, int] = field(default_factory=dict)  # label → history entry of the handout written
    interrupted: bool = False  # Ctrl-C (or SIGTERM): stopped; a notice says what was written and recorded

    @property
    def complete(self) -> bool:
        """Every row written (no row failed, nothing left by a stop)."""
        return not self.failed and not self.stopped

    @property
    def summary(self) -> str:
        failed = ", ".join(f.label for f in self.failed)
        line = (f"{len(self.written)} 件作成、{len(self.failed)} 件失敗 "
                f"({len(self.written)} built, {len(self.failed)} failed{': ' + failed if failed else ''})")
        if self.stopped:
            line += f"、{len(self.not_built)} 件未作成 (stopped: {len(self.not_built)} not built)"
        return line


@dataclass(kw_only=True)
class SendResult(Result):
    """One mail sent (or shown, with dry_run): to whom, its subject, attachment and message id."""

    address: str = ""
    subject: str = ""
    filename: str = ""
    size: int = 0
    encrypted: bool = False
    eml: Path | None = None  # the mail written to a file instead of sent
    sent: bool = False
    message_id: str = ""
    bcc_refused: str = ""  # the server's reply when only the archive copy was refused
    history_id: int | None = None  # the history entry of the handout (dry runs are not recorded)

    @property
    def preview(self) -> str:
        """Where, what and which file (dry run and --eml)."""
        locked = "、パスワード付き (encrypted)" if self.encrypted else ""
        return (f"宛先 (to): {self.address}\n件名 (subject): {self.subject}\n"
                f"添付 (attachment): {self.filename} ({self.size:,} bytes){locked}")


@dataclass(kw_only=True)
class SendPlan(Result):
    """The mails a batch would send, the addresses that are missing, bad or shared."""

    waiting: list[Delivery] = field(default_factory=list)  # not yet in the send log
    bad: list[tuple[str, str]] = field(default_factory=list)  # (label, why no mail can go)
    shared: dict[str, list[str]] = field(default_factory=dict)  # address → the patients who share it
    already_sent: int = 0
    settings: MailSettings | None = None
    log: SendLog | None = None
    batch: BatchResult | None = None  # what was built: its content folder, history folder and entries

    @property
    def question(self) -> str:
        """What the front desk confirms before the mails go."""
        return (f"{len(self.waiting)} 件をメールで送ります (send {len(self.waiting)} mails)"
                + ("。同じアドレスの方がいます (an address is shared)" if self.shared else ""))


@dataclass(kw_only=True)
class BatchSendResult(Result):
    """send_batch's result: the mails sent, failed and not sent."""

    sent: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (label, why), bad addresses included
    not_sent: int = 0
    log_path: Path | None = None

    @property
    def all_sent(self) -> bool:
        return not self.failed and not self.not_sent

    @property
    def summary(self) -> str:
        return (f"{self.sent} 件送信、{len(self.failed)} 件失敗、{self.not_sent} 件未送信 "
                f"({self.sent} sent, {len(self.failed)} failed, {self.not_sent} not sent; log: {self.log_path})")


@dataclass(kw_only=True)
class HistoryResult(Result):
    """The history's entries asked for (or how many went), newest first."""

    path: Path | None = None  # the history file
    entries: list[Entry] = field(default_factory=list)  # newest first
    deleted: int = 0
    addresses: list[str] = field(default_factory=list)  # other_addresses: this patient's other addresses
    names: list[str] = field(default_factory=list)  # names_for_address: other patients of this address

    @property
    def lines(self) -> list[str]:
        """The entries as the CLI prints them, the newest last (beside the prompt)."""
        from .history import entry_lines

        return [line for entry in reversed(self.entries) for line in entry_lines(entry)]


@dataclass(kw_only=True)
class StretchesResult(Result):
    """The stretch catalogue: one row a stretch, as data and as lines to print."""

    rows: list[dict] = field(default_factory=list)  # id, title, target, areas, hold_seconds, reps, sets_per_day
    lines: list[str] = field(default_factory=list)  # one line a stretch: id, dose, title (target)


# -- wording shared by the use cases ------------------------------------------------------------

NOTHING_WRITTEN = "PDF は作っていません (nothing was written)."
STOPPING_AFTER_MAIL = "止めます: 送信中のメールの後で (stopping after the mail in flight)"


def problems_text(problems: list[Problem], what: str) -> str:
    """`エラー: WHAT に N 件の問題があります` and each problem, indented."""
    head = f"エラー: {what}に {len(problems)} 件の問題があります ({len(problems)} problem(s)):"
    return "\n".join([head, *(f"  {problem}" for problem in problems)])


def failure_from(error: HandoutError) -> Failure:
    """The library's error as a Failure, in the words the CLI has always used."""
    if isinstance(error, InputError):
        return Failure(message=problems_text(error.problems, "入力ファイル (input files) ") + "\n" + NOTHING_WRITTEN,
                       problems=tuple(error.problems))
    return Failure(message=f"エラー (error): {error}", exit_code=getattr(error, "exit_code", 1))


def _glyph_notices(content: Content) -> list[Notice]:
    warnings = content.glyphs.warnings if content.glyphs is not None else []
    return [Notice(text=f"警告 (warning): 〓 で印刷しました (printed as 〓): {w}") for w in warnings]


def _problem_notice(problem: Problem) -> Notice:
    return Notice(text=f"注意 (warning): {problem}")


def open_history(content: Path, data_dir: str | Path | None = None, *, create: bool = True) -> History:
    """The history of this content folder (data_dir, else history.data_folder's default); HistoryError
    when it cannot be opened."""
    from .history import History, data_folder

    return History.open(data_folder(data_dir, content), content_folder=content, create=create)


def _not_recorded(done: str, error: BaseException) -> Notice:
    """A history that failed after the deed: the deed said first and as it happened, then why the history
    has no record of it. Only our own message (it names the file, never a patient) or the error's class."""
    why = str(error) if isinstance(error, HandoutError) else f"{type(error).__name__} (内部エラー / internal error)"
    return Notice(text=f"注意 (warning): {done}。ただし履歴には記録できませんでした "
                       f"(done, but not recorded in the history): {why}")


def _record(notices: list[Notice], done: str, write: Callable[[], int | None]) -> int | None:
    """One history write after the deed; any failure is a notice, never the use case's failure. Catches
    everything on purpose: what was written or sent stays said as it happened, whatever the history does."""
    try:
        return write()
    except Exception as error:  # noqa: BLE001 (see above)
        notices.append(_not_recorded(done, error))
        return None


# -- helpers ------------------------------------------------------------------------------------


def content_folder(content_dir: str | Path | None) -> Path:
    """--content, else $HANDOUT_CONTENT, else ./handouts, else the built-in sample."""
    from .content import content_folder as lookup

    return lookup(content_dir)


def files_of(folder: Path) -> list[Path]:
    """The files of an input folder (the content folder, a batch folder): no output may be one of them."""
    return [p for p in Path(folder).rglob("*") if p.is_file()] if Path(folder).is_dir() else []


def is_sample(folder: Path) -> bool:
    """The built-in sample content itself (its example.com and 見本区 are what a sample holds)."""
    from .resources import sample_content_dir

    return folder.resolve() == sample_content_dir().resolve()


def _place(problem: Problem) -> tuple[Path, int | None, str]:
    return problem.file.resolve(), problem.line, problem.field


# -- validate -----------------------------------------------------------------------------------


def validate(paths: Sequence[Path] = (), *, content_dir: str | Path | None = None) -> ValidateResult:
    """Checks the content folder and each prescription file, batch CSV or batch folder; every problem
    in every file. With no problems, also how many pages the standard handout takes (and why, past 2)."""
    from .batch_input import check_ids as batch_check
    from .batch_input import read_entries
    from .content import catalogue_ids, fallback_fonts, load_content
    from .csv_input import is_table
    from .fonts import GlyphCheck, font_chain
    from .prescription import catalogue_titles, load_prescription
    from .wording import check_content, note_problems, prescription_notes

    folder = content_folder(content_dir)
    files = [Path(p) for p in paths]
    checked = f"{folder}" + (f" + {len(files)} 処方ファイル (prescription files)" if files else "")
    result = ValidateResult(folder=folder, checked=checked)
    problems = result.problems
    content = None
    ids: Catalogue
    try:
        content = load_content(folder, allow_missing_glyphs=False)
        ids, glyphs = catalogue_titles(content), content.glyphs
    except InputError as exc:
        problems += exc.problems
        ids = catalogue_ids(folder) if folder.is_dir() else None
        glyphs = GlyphCheck(font_chain(fallback_fonts(folder)[0] if folder.is_dir() else ()))
    if (folder / "mail.yaml").exists():
        from .mail_settings import load_settings

        try:
            load_settings(folder)
        except InputError as exc:
            problems += exc.problems
    for file in files:
        if is_table(file) or file.is_dir():  # a batch: every row or file, as batch reads them
            warnings: list[Problem] = []
            entries, found = read_entries(file, warnings)
            result.notices += [_problem_notice(w) for w in warnings]
            problems += found
            if not entries and not found:  # as batch says: an empty folder or CSV makes nothing
                problems.append(Problem(file, None, "", "処方がありません (no prescriptions)",
                                        "CSV の行か YAML の処方 (CSV rows or prescription files)"))
            for entry in entries:
                try:
                    batch_check(entry, ids, glyphs)
                except InputError as exc:
                    problems += exc.problems
                if not isinstance(entry.data, list):  # a YAML file that could be read, or a CSV row
                    problems += note_problems(entry.source, entry.data, entry.field_prefix, entry.line)
            continue
        try:
            load_prescription(file, ids, glyphs)
        except InputError as exc:
            problems += exc.problems
        problems += prescription_notes(file)
    # The proof-reader: the words of the 柔道整復 rules (errors) and the sample's leftovers (warnings).
    wording_errors, leftovers = check_content(folder, sample=is_sample(folder)) if folder.is_dir() else ([], [])
    # One message per place: a field the schema already refused (hours_label: 治療時間 is not one of
    # 受付時間 | 施術時間) is not reported a second time for its words.
    places = {_place(p) for p in problems}
    problems += [p for p in wording_errors if _place(p) not in places]
    result.notices += [_problem_notice(w) for w in leftovers]
    if leftovers:
        result.warn("注意 (warning): 見本の値が残っています。医院の情報に書きかえてください "
                    f"({len(leftovers)} leftover(s) of the sample: put in the clinic's own details)")
    if problems:
        result.failure = Failure(message=problems_text(problems, checked + " "), problems=tuple(problems))
        return result
    from .pipeline import standard_page_count, third_page_causes

    assert content is not None  # no problems: the content loaded
    result.pages = pages = standard_page_count(content)
    if pages > 2:
        causes = "".join(f"\n  原因 (cause): {cause}" for cause in third_page_causes(content))
        result.warn(f"注意 (warning): 標準のハンドアウト（area: both、メモなし）が {pages} ページになります "
                    f"(the standard handout takes {pages} pages; at most 2 are promised).{causes}")
    result.done = result.summary
    return result


# -- one handout --------------------------------------------------------------------------------


def build_handout(prescription: Path, *, content_dir: str | Path | None = None, large_print: bool = False,
                  allow_missing_glyphs: bool = False, today: dt.date | None = None) -> HandoutResult:
    """One prescription file's handout as PDF bytes, nothing written."""
    from .compose import default_filename
    from .pipeline import build_checked, open_content

    result = HandoutResult()
    try:
        content = open_content(content_folder(content_dir), allow_missing_glyphs)
        result.prescription, handout, pdf = build_checked(prescription, content, today, large_print=large_print)
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    result.pdf, result.filename, result.handout, result.content = pdf, default_filename(handout), handout, content
    result.notices += _glyph_notices(content)
    return result


def build_prescription(data: dict, *, content_dir: str | Path | None = None, today: dt.date | None = None,
                       source: Path = Path("(desk)")) -> HandoutResult:
    """One handout from a prescription given as data: the fields a prescription file holds (the desk's form,
    as `handout new` writes them), checked exactly as a file is; result.failure.problems name each field
    (patient.name, stretches[2].reps, ...). Nothing written; record_handout records it when handed out."""
    from .compose import compose, default_filename
    from .guided import as_yaml_data
    from .pipeline import current_content
    from .prescription import catalogue_titles, prescription_from
    from .render import render

    result = HandoutResult()
    try:
        content = current_content(content_folder(content_dir))  # kept while its files are the same
        prescription = prescription_from(as_yaml_data(data), source, catalogue_titles(content), content.glyphs)
        handout = compose(content, prescription, today or dt.date.today())
        pdf = render(handout)
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    result.pdf, result.filename, result.handout = pdf, default_filename(handout), handout
    result.prescription, result.content = prescription, content
    result.notices += _glyph_notices(content)
    return result


def record_handout(result: HandoutResult, *, origin: str = "desk", data_dir: str | Path | None = None,
                   file_name: str | None = None) -> int | None:
    """Records a handout of build_handout in the history when it is handed out (printed, saved); returns
    its entry id, or None with a warning notice in result when the history could not be written."""
    if result.failure is not None or result.content is None or result.prescription is None:
        raise ValueError("record_handout needs a built handout")
    content, prescription, handout = result.content, result.prescription, result.handout

    def write() -> int:
        with open_history(content.folder, data_dir) as history:
            return history.record_build(content=content, prescription=prescription, handout=handout,
                                        pdf=result.pdf, origin=origin, file_name=file_name or result.filename)

    return _record(result.notices, "ハンドアウトは作りました (the handout was made)", write)


def record_written(prescription: Path, pdf_file: Path, *, content_dir: str | Path | None = None,
                   data_dir: str | Path | None = None, origin: str = "new",
                   today: dt.date | None = None) -> WriteResult:
    """Records in the history a handout a front end has just written itself (`handout new` writes the
    prescription and its PDF side by side): the prescription read and checked again, the PDF's bytes as
    they are on disk. A history that fails is a warning notice, never a failure."""
    from .compose import compose
    from .inputs import PDF_LIMIT, read_limited
    from .pipeline import open_content
    from .prescription import catalogue_titles, load_prescription

    result = WriteResult(path=pdf_file)

    def write() -> int:
        content = open_content(content_folder(content_dir))
        checked = load_prescription(prescription, catalogue_titles(content), content.glyphs)
        handout = compose(content, checked, today or dt.date.today())
        with open_history(content.folder, data_dir) as history:
            return history.record_build(content=content, prescription=checked, handout=handout,
                                        pdf=read_limited(pdf_file, PDF_LIMIT), origin=origin, file_name=pdf_file.name)

    result.history_id = _record(result.notices, f"PDF は書きました (the PDF was written: {pdf_file})", write)
    return result


def write_handout(prescription: Path, *, output: Path | None = None, content_dir: str | Path | None = None,
                  large_print: bool = False, allow_missing_glyphs: bool = False, overwrite: bool = False,
                  today: dt.date | None = None, data_dir: str | Path | None = None,
                  origin: str = "build") -> WriteResult:
    """Builds one handout and writes it to output (default DATE_NAME.pdf here): whole or not at all; a
    different file already there is replaced only with overwrite; never over an input. Then records it
    in the history (result.history_id)."""
    from .compose import default_filename
    from .deliver import check_outputs, write_new
    from .pipeline import build_checked, open_content

    result = WriteResult()
    try:
        folder = content_folder(content_dir)
        content = open_content(folder, allow_missing_glyphs)
        checked, handout, pdf = build_checked(prescription, content, today, large_print=large_print)
        output = output or Path(default_filename(handout))
        check_outputs({"-o": output}, {"prescription": prescription, "--content": files_of(folder)})
        result.path = write_new(output, pdf, overwrite)
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    result.notices += _glyph_notices(content)

    written = result.path

    def write() -> int:
        with open_history(folder, data_dir) as history:
            return history.record_build(content=content, prescription=checked, handout=handout, pdf=pdf,
                                        origin=origin, file_name=written.name)

    result.history_id = _record(result.notices, f"PDF は書きました (the PDF was written: {result.path})", write)
    result.done = str(result.path)
    return result


# -- a batch ------------------------------------------------------------------------------------


def plan_batch(source: Path, *, out_dir: Path, merge_to: Path | None = None, content_dir: str | Path | None = None,
               allow_missing_glyphs: bool = False, data_dir: str | Path | None = None) -> BatchPlan:
    """Reads and checks every row (CSV) or file (folder, YAML list) of a batch; writes nothing.
    Rows with problems are in plan.prepared.failed; a batch that cannot start is plan.failure."""
    from . import batch_input
    from .deliver import check_outputs, inside
    from .errors import OutputRefused
    from .pipeline import open_content

    plan = BatchPlan(source=source, out_dir=out_dir, merge_to=merge_to, allow_missing_glyphs=allow_missing_glyphs,
                     data_dir=Path(data_dir) if data_dir else None)
    try:
        folder = content_folder(content_dir)
        if merge_to is not None and (inside(merge_to, out_dir) or merge_to.suffix.lower() != ".pdf"):
            raise OutputRefused(f"--merge {merge_to}: 印刷用の PDF は出力フォルダ {out_dir} の外に、.pdf の名前で "
                                "作ってください。何も書いていません (the print file goes outside the output folder, "
                                "where it can never be taken for a patient's handout, and ends in .pdf; "
                                "nothing was written)")
        plan.inputs = {"SOURCE": [source, *files_of(source)], "--content": files_of(folder)}
        if merge_to is not None:
            check_outputs({"--merge": merge_to}, plan.inputs)
        plan.content = content = open_content(folder, allow_missing_glyphs)
        if folder.is_dir() and not is_sample(folder):
            from .wording import check_content

            leftovers = check_content(folder, sample=False)[1]
            if leftovers:  # once for the whole batch, not once a row: the same leftovers are on every handout
                where = "、".join(dict.fromkeys(f"{p.file.name}:{p.line}" if p.line else p.file.name
                                                for p in leftovers))
                plan.warn(f"注意 (warning): 見本の値が残っています（{where}）。どの案内にも印刷されます。"
                          "handout validate で確かめて、医院の情報に書きかえてください "
                          f"({len(leftovers)} leftover(s) of the sample are printed on every handout)")
        plan.prepared = batch_input.prepare(source, content)
    except HandoutError as error:
        plan.failure = failure_from(error)
        return plan
    plan.notices += [_problem_notice(w) for w in plan.prepared.warnings]
    return plan


def build_batch(plan: BatchPlan, *, jobs: int | None = None, large_print: bool = False, overwrite: bool = False,
                today: dt.date | None = None, progress: Callable[[int], None] | None = None,
                stop: Callable[[], bool] | None = None, keep_pdfs: bool = True) -> BatchResult:
    """Renders and writes one PDF per good row of plan (and the merged print file), in jobs processes.

    keep_pdfs: each outcome keeps the bytes written (what plan_batch_send attaches); without it memory
    stays flat in the batch's size (batch.build).

    progress(n) is called as each handout is written; when stop() turns true the rows not yet written are
    not built (result.stopped, result.not_built) and no print file is made. A file already there with
    other bytes is replaced only with overwrite, else that row fails; the others are still written."""
    from . import batch as batches

    if plan.failure is not None or plan.prepared is None or plan.content is None:
        raise ValueError("build_batch needs a plan without failure")
    day = today or dt.date.today()
    result = BatchResult(plan=plan, today=day)
    prepared = plan.prepared
    outcomes: list[Outcome] = []
    try:
        batches.build(prepared, plan.content, plan.out_dir, day, jobs or batches.default_jobs(), large_print,
                      plan.allow_missing_glyphs, plan.merge_to, progress or (lambda _: None), overwrite,
                      plan.inputs, stop=stop, keep_pdfs=keep_pdfs, into=outcomes)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM mid-batch: say which files exist (review-16 S1)
        return _interrupted_batch(result, outcomes)
    result.outcomes = outcomes
    result.notices += _glyph_notices(plan.content)
    result.written = [(o.label, o.path) for o in outcomes if o.path]
    result.failed = [RowFailure(label=f.label, problems=tuple(f.problems)) for f in prepared.failed]
    result.notices += [Notice(text=f.message, kind="error") for f in result.failed]
    result.not_built = [label for label, _ in prepared.good[len(outcomes):]]
    result.stopped = bool(result.not_built)
    try:
        result.history_ids = _record_batch(result, large_print)
    except KeyboardInterrupt:  # every file is written: say so, and what the history holds (review N7)
        result.interrupted = True
        recorded = len(result.history_ids)
        result.notices.append(Notice(
            text=f"中止しました。PDF は {len(result.written)} 件とも書きました。履歴に記録したのは {recorded} 件です "
                 f"(aborted while recording the history: all {len(result.written)} PDFs were written, "
                 f"{recorded} recorded in the history)", kind="error"))
    if plan.merge_to and result.written and not result.stopped and not any(f.label == "--merge" for f in result.failed):
        result.merged = plan.merge_to
        result.notices.append(Notice(text=f"印刷用 (for printing): {plan.merge_to}", kind="info"))
    result.done = result.summary
    return result


def _interrupted_batch(result: BatchResult, outcomes: list[Outcome]) -> BatchResult:
    """The batch stopped before its last PDF: the files written so far stay (each one whole: written
    atomically), none is in the history, no print file was made (batch.build removed its part)."""
    result.outcomes, result.interrupted = outcomes, True
    result.written = [(o.label, o.path) for o in outcomes if o.path]
    count = len(result.written)
    assert result.plan.prepared is not None  # build_batch ran on this plan
    left = len(result.plan.prepared.good) - len(outcomes)
    result.not_built = [label for label, _ in result.plan.prepared.good[len(outcomes):]]
    where = f"（{result.plan.out_dir}）" if count else ""
    result.notices.append(Notice(
        text=f"中止しました。PDF は {count} 件書きました{where}。残りの {left} 件は作っていません。"
             "書いた PDF も履歴には記録していません。印刷用 PDF は作っていません。同じ batch をもう一度実行すると、"
             f"残りを作り、全員を履歴に記録します (aborted: {count} PDF(s) written to {result.plan.out_dir}, {left} "
             "not made; none recorded in the history; no print file. Run the same batch again to make the rest "
             "and record them all)", kind="error"))
    result.done = result.summary
    return result


def _record_batch(result: BatchResult, large_print: bool) -> dict[str, int]:
    """Each handout the batch wrote, in the history (one file opened once); {label: entry id}."""
    from .compose import compose

    plan, ids = result.plan, result.history_ids  # filled as each entry is recorded (an interrupt keeps them)
    content, prepared = plan.content, plan.prepared
    assert content is not None and prepared is not None  # build_batch ran on this plan
    written = [(label, prescription, outcome.path, outcome.pdf) for (label, prescription), outcome
               in zip(prepared.good, result.outcomes, strict=False) if outcome.path]
    if not written:
        return ids

    def write() -> None:
        with open_history(content.folder, plan.data_dir) as history:
            for label, prescription, path, kept in written:
                handout = compose(content, prescription, result.today, large_print=large_print)
                # The bytes written: kept with keep_pdfs, else read back one file at a time (memory flat).
                pdf = kept if kept is not None else path.read_bytes()
                ids[label] = history.record_build(content=content, prescription=prescription, handout=handout,
                                                  pdf=pdf, origin="batch", file_name=path.name)

    _record(result.notices, "PDF は書きました (the PDFs were written)", write)
    if ids and len(ids) < len(written):
        result.warn(f"注意 (warning): 履歴に記録したのは {len(written)} 件中 {len(ids)} 件です "
                    f"({len(ids)} of {len(written)} recorded in the history)")
    return ids


# -- mail ---------------------------------------------------------------------------------------


def _no_address(prescription: Path, address: str) -> HandoutError:
    if not address:
        return HandoutError(f"{prescription}: 送り先のメールアドレスがありません。処方ファイルの patient: の下に "
                            "email: を書くか、--to で送り先を指定してください (no email address)")
    return HandoutError(f"{prescription}: 「{address}」はメールアドレスの形ではありません。"
                        "綴りを確かめてください（例: name@example.com） (not an email address)")


def _check_given_pdf(pdf_file: Path, prescription: Path, builds: Iterable[Callable[[], bytes]]) -> bytes:
    """`send --pdf`: the file must be the very handout this prescription makes (the output is
    deterministic, so a fresh build has the same bytes: standard or large print); anything else is
    refused, never attached."""
    import hashlib

    from .inputs import PDF_LIMIT, read_limited

    given = read_limited(pdf_file, PDF_LIMIT)
    if not given.startswith(b"%PDF-"):
        raise HandoutError(f"{pdf_file}: PDF ではありません。添付しません (not a PDF; nothing was sent)")
    digest = hashlib.sha256(given).digest()
    if any(hashlib.sha256(build()).digest() == digest for build in builds):
        return given
    raise HandoutError(f"{pdf_file} は {prescription} のハンドアウトではありません（別の患者さんの、"
                       f"または古い・手を加えたファイルです）。送っていません "
                       f"(the PDF is not the handout {prescription} makes today: another patient's, an older or "
                       f"an edited file; nothing was sent. Leave out --pdf to send a fresh build)")


def send_handout(prescription: Path, *, to: str | None = None, pdf_file: Path | None = None,
                 eml: Path | None = None, dry_run: bool = False, encrypt: bool = False,
                 pdf_password: Callable[[], str] | None = None,
                 smtp_password: Callable[[MailSettings], str | None] | None = None,
                 content_dir: str | Path | None = None, overwrite: bool = False,
                 today: dt.date | None = None, data_dir: str | Path | None = None,
                 origin: str = "send") -> SendResult:
    """Emails one patient their handout (to patient.email, or to). pdf_file is attached only when it is
    byte for byte this prescription's handout. dry_run shows and sends nothing; eml writes the mail to a
    file instead. pdf_password() gives the password of an encrypted PDF, smtp_password(settings) the
    mail server's (called only when a mail really goes).

    The history records the handout (unencrypted: the stored PDF opens without a password) and the mail
    as it went: sent with its Message-ID, failed with the reason, or eml (written, not sent); a dry run
    records nothing."""
    from . import mail as mailing
    from .compose import compose
    from .deliver import check_outputs, refuse_existing
    from .pipeline import handout_pdf, open_content
    from .prescription import catalogue_titles, load_prescription
    from .render import render

    result = SendResult(encrypted=encrypt)
    try:
        folder = content_folder(content_dir)
        content = open_content(folder)
        patient = load_prescription(prescription, catalogue_titles(content), content.glyphs)  # read once
        day = today or dt.date.today()
        handout = compose(content, patient, day)
        address = (patient.patient.email or "") if to is None else to.strip()  # "": no address, never patient.email
        if not address or not mailing.valid_address(address):
            raise _no_address(prescription, address)
        pdf = render(handout)
        if pdf_file:  # only this prescription's handout, byte for byte: never another patient's file
            first = pdf
            pdf = _check_given_pdf(pdf_file, prescription,
                                   [lambda: first, lambda: handout_pdf(content, patient, day, True)])
        if eml:
            check_outputs({"--eml": eml}, {"prescription": prescription, "--pdf": pdf_file,
                                           "--content": files_of(folder)})
            if not overwrite and eml.exists():  # a mail has a fresh Date each time: never the same bytes
                raise refuse_existing(eml)
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    return _mail(result, content=content, prescription=patient, handout=handout, pdf=pdf, address=address,
                 pdf_password=pdf_password, smtp_password=smtp_password, eml=eml, dry_run=dry_run,
                 data_dir=data_dir, origin=origin)


def send_built(built: HandoutResult, *, address: str,
               smtp_password: Callable[[MailSettings], str | None] | None = None,
               data_dir: str | Path | None = None, origin: str = "desk", encrypt: bool = False,
               pdf_password: Callable[[], str] | None = None) -> SendResult:
    """Emails exactly built.pdf (a handout of build_prescription or build_handout: the very bytes the desk
    showed and the front desk confirmed) to address, never a fresh build; records the handout and the mail
    in the history as send_handout does. encrypt locks it with pdf_password() as send_handout does."""
    from . import mail as mailing

    if built.failure is not None or built.content is None or built.prescription is None or built.handout is None:
        raise ValueError("send_built needs a built handout")
    result = SendResult(encrypted=encrypt)
    if not address or not mailing.valid_address(address):
        result.failure = failure_from(_no_address(Path(built.filename), address or ""))
        return result
    return _mail(result, content=built.content, prescription=built.prescription, handout=built.handout,
                 pdf=built.pdf, address=address, pdf_password=pdf_password, smtp_password=smtp_password,
                 data_dir=data_dir, origin=origin)


def _mail(result: SendResult, *, content: Content, prescription: Prescription, handout: Handout, pdf: bytes,
          address: str, pdf_password: Callable[[], str] | None = None,
          smtp_password: Callable[[MailSettings], str | None] | None = None, eml: Path | None = None,
          dry_run: bool = False, data_dir: str | Path | None = None, origin: str) -> SendResult:
    """The mail of one checked handout to a checked address: shown (dry_run), written (eml) or sent, and
    recorded in the history as it went."""
    import smtplib

    from . import mail as mailing
    from . import mail_settings, mail_transport, printfile, send_log
    from .compose import default_filename
    from .deliver import write_atomically

    encrypt = result.encrypted
    folder = content.folder
    mailer = None

    def record(outcome: str, done: str, reason: str | None = None, bcc: str | None = None) -> None:
        def write() -> int:
            with open_history(folder, data_dir) as history:
                entry = history.record_build(content=content, prescription=prescription, handout=handout,
                                             pdf=plain, origin=origin, file_name=filename)
                history.record_send(entry, address=address, attachment_name=filename, attachment=pdf,
                                    outcome=outcome, reason=reason, message_id=mail["Message-ID"],
                                    encrypted=encrypt, bcc_refused=bcc)
                return entry

        result.history_id = _record(result.notices, done, write)

    try:
        settings = mail_settings.template_settings(folder, content.clinic.email)
        plain = pdf  # what the history keeps: the handout itself, never locked with a password it does not know
        if encrypt:
            if pdf_password is None:
                raise ValueError("encrypt needs pdf_password")
            pdf = printfile.encrypt(pdf, pdf_password())
        filename = default_filename(handout)
        key = send_log.send_key(filename, address, pdf)
        mail = mailing.message(settings, handout, mailing.hours_text(handout), address, pdf, filename, encrypt,
                               mailing.message_id(settings, key))
        result.address, result.subject, result.filename, result.size = address, mail["Subject"], filename, len(pdf)
        if dry_run or eml:
            result.notices.append(Notice(text=result.preview, kind="info"))
            if eml:
                result.eml = write_atomically(eml, mail.as_bytes())
                result.done = str(result.eml)
                record("eml", f"メールをファイルに書きました (the mail was written to {result.eml})")
            return result
        settings = mail_settings.load_settings(folder)
        mailer = mail_transport.Mailer(settings, smtp_password(settings) if smtp_password else None)
        try:
            bcc_refused = mail_transport.send_with_retries(mailer, mail, address)
        except (smtplib.SMTPException, OSError) as error:
            why = mail_transport.describe(error, settings)
            record("failed", "メールは送れませんでした (the mail was NOT sent)", reason=why)
            raise HandoutError(f"送れませんでした (not sent) to {address}: {why}") from None
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    finally:
        if mailer is not None:
            mailer.close()
    result.sent, result.message_id = True, mail["Message-ID"]
    result.notices.append(Notice(text=f"送信しました (sent): {address} {result.message_id}", kind="info"))
    if bcc_refused:
        result.bcc_refused = mail_transport.describe_reply(bcc_refused)
        result.warn(f"注意 (warning): 控え (bcc) {settings.bcc} はサーバーに断られました。控えは届いていません "
                    f"(the archive copy was refused and not delivered: {result.bcc_refused})")
    record("sent", f"メールは送信しました (the mail WAS sent to {address})",
           bcc=f"{settings.bcc}: {result.bcc_refused}" if bcc_refused else None)
    return result


def plan_batch_send(batch: BatchResult) -> SendPlan:
    """The mails of a built batch still to send: each row's very bytes, its address checked, the rows
    already in the output folder's send-log.jsonl left out. Sends nothing."""
    from . import mail as mailing
    from . import mail_settings, send_log
    from .compose import compose

    plan = SendPlan(batch=batch)
    content, prepared = batch.plan.content, batch.plan.prepared
    assert content is not None and prepared is not None
    built = [(label, prescription, outcome.path, outcome.pdf)
             for (label, prescription), outcome in zip(prepared.good, batch.outcomes, strict=False) if outcome.path]
    deliveries = [mailing.Delivery(label, compose(content, prescription, batch.today), prescription.patient.email,
                                   path, pdf)
                  for label, prescription, path, pdf in built if pdf is not None]
    if len(deliveries) < len(built):
        raise ValueError("plan_batch_send needs build_batch(keep_pdfs=True): it attaches the bytes written")
    sendable, plan.bad, plan.shared = mailing.check_addresses(deliveries)
    plan.notices += [Notice(text=f"エラー (error): {label}: {problem}") for label, problem in plan.bad]
    try:
        plan.settings = mail_settings.load_settings(content.folder)
        plan.log = log = send_log.SendLog(batch.plan.out_dir / "send-log.jsonl")
    except HandoutError as error:
        plan.failure = failure_from(error)
        return plan
    plan.notices += [Notice(text=f"注意 (warning): {log.path}:{number}: 送信記録として読めない行です。読み飛ばしました "
                                 "(not a send-log entry, skipped: a JSON object per line is expected; that line's "
                                 "mail counts as not sent)") for number in log.skipped]
    plan.waiting = [d for d in sendable if send_log.send_key(d.path.name, d.to, d.pdf) not in log.sent]
    plan.already_sent = len(sendable) - len(plan.waiting)
    if not plan.waiting:
        plan.notices.append(Notice(text=f"送る分はありません (nothing to send): {len(sendable)} already sent",
                                   kind="info"))
        return plan
    plan.notices += [Notice(text=f"注意 (warning): {address} は別の患者さんと同じアドレスです (shared by): "
                                 f"{'、'.join(people)}", kind="info") for address, people in plan.shared.items()]
    return plan


def send_batch(plan: SendPlan, *, smtp_password: Callable[[MailSettings], str | None] | None = None,
               stop: Callable[[], bool] | None = None,
               on_sent: Callable[[str], None] | None = None) -> BatchSendResult:
    """Sends the waiting mails of plan, one by one, each written to the send log before the next.
    stop() is asked between mails (the mail in flight is finished); on_sent(line) is told each mail sent.

    The send log (send-log.jsonl in the output folder) stays what a re-run reads to send only what has
    not gone; each of its entries is then recorded, word for word, in the history, under the handout the
    batch built. A history that fails is one warning at the end; the mails go on and are said as sent."""
    from . import mail as mailing

    assert plan.settings is not None and plan.log is not None
    result = BatchSendResult(log_path=plan.log.path)
    recorder = _BatchSendRecorder(plan)

    def report(delivery: Delivery, bcc: str | None) -> None:
        if on_sent:
            on_sent(f"送信 (sent): {delivery.label} {delivery.address}"
                    + (f"（控え bcc は届いていません / archive copy refused: {bcc}）" if bcc else ""))

    try:
        sent, skipped, failed = mailing.send_all(plan.waiting, plan.settings,
                                                 smtp_password(plan.settings) if smtp_password else None,
                                                 plan.log, stop or (lambda: False), report, logged=recorder)
    finally:
        recorder.close()
    result.notices += [Notice(text=f"エラー (error): {label}: 送れませんでした (not sent): {error}")
                       for label, error in failed]
    result.notices += recorder.notices
    result.sent = sent
    result.failed = failed + plan.bad
    result.not_sent = len(plan.waiting) - sent - skipped - len(failed)
    result.done = result.summary
    return result


class _BatchSendRecorder:
    """send_all's logged(): each send-log entry into the history, under the entry of the handout the batch
    built. Never raises: the first failure is kept as one notice, with how many mails it left unrecorded."""

    def __init__(self, plan: SendPlan):
        self.plan = plan
        self.history: History | None = None
        self.notices: list[Notice] = []
        self.missed = 0
        self.error: BaseException | None = None

    def __call__(self, delivery: Delivery, entry: dict) -> None:
        batch = self.plan.batch
        try:
            if self.error is not None:
                raise self.error
            assert batch is not None and batch.plan.content is not None and batch.plan.prepared is not None
            if self.history is None:
                self.history = open_history(batch.plan.content.folder, batch.plan.data_dir)
            handout_id = batch.history_ids.get(delivery.label)
            if handout_id is None:  # the build was not recorded (the history failed then): record it now
                prescription = dict(batch.plan.prepared.good)[delivery.label]
                handout_id = self.history.record_build(content=batch.plan.content, prescription=prescription,
                                                       handout=delivery.handout, pdf=delivery.pdf, origin="batch",
                                                       file_name=delivery.path.name)
                batch.history_ids[delivery.label] = handout_id
            self.history.record_send(handout_id, address=entry["address"], attachment_name=entry["file"],
                                     attachment=delivery.pdf, outcome=entry["outcome"], reason=entry.get("error"),
                                     message_id=entry.get("message_id"), bcc_refused=entry.get("bcc_refused"))
        except Exception as error:  # noqa: BLE001 (the mail went, or did not, whatever the history does)
            self.error = self.error or error
            self.missed += 1

    def close(self) -> None:
        if self.history is not None:
            self.history.close()
        if self.error is not None:
            assert self.plan.log is not None  # send_batch sends only with a log
            self.notices.append(_not_recorded(
                f"メールの結果は上のとおりで、送信記録 {self.plan.log.path} にあります (the mails went as said above "
                f"and are in the send log); {self.missed} 件", self.error))


# -- the history --------------------------------------------------------------------------------


def _history_use(result: Result, content_dir: str | Path | None, data_dir: str | Path | None,
                 use: Callable[[History], None], missing_ok: bool = False) -> None:
    """Runs use(history) on the existing history (never made here); one that cannot be read, or none yet,
    is result.failure; with missing_ok, none yet is a remark."""
    from .history import NoHistory

    try:
        with open_history(content_folder(content_dir), data_dir, create=False) as history:
            if isinstance(result, HistoryResult):
                result.path = history.path
            use(history)
    except NoHistory as error:
        if not missing_ok:
            result.failure = failure_from(error)
        else:
            result.notices.append(Notice(text=str(error), kind="info"))
    except HandoutError as error:
        result.failure = failure_from(error)


def list_history(name: str = "", *, content_dir: str | Path | None = None, data_dir: str | Path | None = None,
                 limit: int | None = 50) -> HistoryResult:
    """The entries whose name holds name (part of it, as typed; width, spaces and kana kind aside), newest
    first; with no name, the newest. No history yet is said as a remark, not a failure."""
    result = HistoryResult()

    def use(history: History) -> None:
        result.entries = history.search(name, limit=limit)
        if not result.entries:
            result.notices.append(Notice(text=f"「{name}」の記録はありません (no entries)" if name
                                         else "記録はありません (no entries)", kind="info"))
        result.done = f"履歴 (history): {history.path}"

    _history_use(result, content_dir, data_dir, use, missing_ok=True)
    return result


def history_pdf(entry_id: int, *, output: Path | None = None, overwrite: bool = False,
                content_dir: str | Path | None = None, data_dir: str | Path | None = None) -> WriteResult:
    """Writes the PDF of entry entry_id exactly as it was handed out (checked against its SHA-256) to
    output (default: its file name here); a different file there is replaced only with overwrite."""
    from .deliver import check_outputs, write_new

    result = WriteResult()

    def use(history: History) -> None:
        entry = history.get(entry_id)
        target = output or Path(entry.pdf_name)
        check_outputs({"-o": target}, {"history": history.path})
        result.path, result.history_id = write_new(target, history.pdf(entry_id), overwrite), entry_id
        result.done = str(result.path)

    _history_use(result, content_dir, data_dir, use)
    return result


def history_pdf_to_view(entry_id: int, *, content_dir: str | Path | None = None,
                        data_dir: str | Path | None = None) -> WriteResult:
    """The PDF of entry entry_id in a new private temporary folder (0700), to open in a viewer."""
    import tempfile

    stored = stored_handout(entry_id, content_dir=content_dir, data_dir=data_dir)
    result = WriteResult(notices=stored.notices, failure=stored.failure)
    if stored.ok:
        result.path = Path(tempfile.mkdtemp(prefix="handout-")) / stored.filename
        result.path.write_bytes(stored.pdf)
        result.history_id, result.done = entry_id, str(result.path)
    return result


def stored_handout(entry_id: int, *, content_dir: str | Path | None = None,
                   data_dir: str | Path | None = None) -> HandoutResult:
    """The PDF of entry entry_id exactly as it was handed out (checked against its SHA-256), as bytes with
    its file name: for a front end that shows it (the desk). Nothing written."""
    result = HandoutResult()

    def use(history: History) -> None:
        entry = history.get(entry_id)
        result.pdf = history.pdf(entry_id)
        result.filename = entry.pdf_name

    _history_use(result, content_dir, data_dir, use)
    return result


def other_addresses(name: str, address: str, *, content_dir: str | Path | None = None,
                    data_dir: str | Path | None = None) -> HistoryResult:
    """The addresses this patient had before other than address (mails sent or written, emails in earlier
    prescriptions), for the mis-send guard: result.addresses. No history yet is none; a history that cannot
    be read is result.failure (the guard then says it could not check)."""
    result = HistoryResult()

    def use(history: History) -> None:
        result.addresses = history.other_addresses(name, address)

    _history_use(result, content_dir, data_dir, use, missing_ok=True)
    return result


def names_for_address(address: str, name: str, *, content_dir: str | Path | None = None,
                      data_dir: str | Path | None = None) -> HistoryResult:
    """The OTHER patients (not name) the history mailed this address to or had it written for, for the
    mis-send guard: result.names (shown to staff, never logged). No history yet is none; a history that
    cannot be read is result.failure."""
    result = HistoryResult()

    def use(history: History) -> None:
        result.names = history.names_for_address(address, name)

    _history_use(result, content_dir, data_dir, use, missing_ok=True)
    return result


def patient_entries(name: str, *, content_dir: str | Path | None = None,
                    data_dir: str | Path | None = None) -> HistoryResult:
    """The entries forget_patient(name) would delete (the whole name; width and spaces aside)."""
    result = HistoryResult()

    def use(history: History) -> None:
        result.entries = history.entries_of(name)

    _history_use(result, content_dir, data_dir, use)
    return result


def forget_patient(name: str, *, content_dir: str | Path | None = None,
                   data_dir: str | Path | None = None) -> HistoryResult:
    """Deletes every entry of this patient (with the mails and PDFs only they had), overwritten on disk,
    and the copies the desk wrote into the data folder: each PDF 保存 wrote (saved/) with its
    prescription YAML, and each single PDF a desk 一括 wrote (batch/), found by the entries' SHA-256.
    What it cannot take out is said: a 一括's uploaded CSV, merged print file and ZIP (other patients
    share them), and copies anywhere else. Ask first: show patient_entries(name)."""
    result = HistoryResult()

    def use(history: History) -> None:
        digests = {entry.pdf_sha256 for entry in history.entries_of(name)}
        result.deleted = history.forget(name)
        result.done = f"{result.deleted} 件を削除しました (deleted {result.deleted}): {history.path}"
        folder = history.path.parent
        removed = _remove_desk_copies(folder, digests) if digests else 0
        if removed:
            result.done += (f"\n受付画面が保存した PDF・処方ファイル {removed} 個も削除しました"
                            f" (deleted {removed} saved files)")
        if digests and (folder / "batch").is_dir():
            result.warn(f"注意 (warning): {folder / 'batch'} の一括の CSV・まとめた印刷用 PDF・ZIP は、ほかの方と"
                        "一緒のファイルなので消していません。要らなければフォルダごと削除してください "
                        "(batch uploads, merged print files and ZIPs are shared with other patients: not deleted)")
        if history.traces_left:
            result.warn("注意 (warning): ほかのプログラム（受付画面など）が履歴を開いています。削除した記録の写しが、"
                        "そのプログラムを閉じるまで作業用ファイル (history.sqlite3-wal) に残ります "
                        "(another program has the history open: the deleted entries leave the disk when it closes)")

    _history_use(result, content_dir, data_dir, use)
    return result


def _remove_desk_copies(folder: Path, digests: set[str]) -> int:
    """Deletes the PDFs under folder/saved and folder/batch whose SHA-256 is one of digests (and a saved
    PDF's prescription YAML beside it); returns how many files went."""
    import hashlib

    removed = 0
    for sub in ("saved", "batch"):
        for pdf in sorted((folder / sub).rglob("*.pdf")) if (folder / sub).is_dir() else ():
            try:
                if hashlib.sha256(pdf.read_bytes()).hexdigest() not in digests:
                    continue
                pdf.unlink()
                removed += 1
                prescription = pdf.with_suffix(".yaml")
                if sub == "saved" and prescription.is_file():
                    prescription.unlink()
                    removed += 1
            except OSError:
                continue  # said by the count: what could not be read or deleted stays
    return removed


def backup_history(target: Path, *, content_dir: str | Path | None = None,
                   data_dir: str | Path | None = None) -> WriteResult:
    """A copy of the whole history in one file, consistent even while the desk or a batch writes."""
    result = WriteResult()

    def use(history: History) -> None:
        result.path = history.backup(target)
        result.done = str(result.path)

    _history_use(result, content_dir, data_dir, use)
    return result


# -- the gallery, a new content folder, the catalogue -------------------------------------------


def make_gallery(*, output: Path, content_dir: str | Path | None = None) -> WriteResult:
    """A sheet of every stretch's picture, right side and mirrored for the left, to review."""
    from .deliver import check_outputs, write_atomically
    from .pipeline import open_content
    from .render import render_gallery

    result = WriteResult()
    try:
        folder = content_folder(content_dir)
        check_outputs({"-o": output}, {"--content": files_of(folder)})
        content = open_content(folder)
        result.path = write_atomically(output, render_gallery(content))
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    result.done = str(result.path)
    return result


def start_content_folder(directory: Path) -> WriteResult:
    """A new content folder, a copy of the built-in sample; refuses a folder that is not empty."""
    from .resources import sample_content_dir

    result = WriteResult()
    if directory.exists() and any(directory.iterdir()):
        result.failure = failure_from(HandoutError(
            f"{directory}: フォルダが空ではありません。上書きしません "
            "(the folder is not empty; nothing was changed; choose a new folder)"))
        return result
    shutil.copytree(sample_content_dir(), directory, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))
    result.path = directory
    result.done = (f"作成しました (created): {directory}\n"
                   "次に (next):\n"
                   f"  1. {directory / 'clinic.yaml'} を開き、医院名・電話・住所・受付時間を書きかえる\n"
                   f"  2. handout validate --content {directory}\n"
                   f"  3. handout build {directory / 'patients' / 'yamada-hanako.yaml'} --content {directory}")
    return result


def list_stretches(*, content_dir: str | Path | None = None) -> StretchesResult:
    """The stretch catalogue: one row (for JSON) and one line (for people) per stretch."""
    from .compose import dose_line
    from .content import load_content
    from .ruby import plain

    result = StretchesResult()
    try:
        content = load_content(content_folder(content_dir))
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    result.rows = [{"id": s.id, "title": plain(s.title), "target": plain(s.target), "areas": list(s.areas),
                    "hold_seconds": s.dose.hold_seconds, "reps": s.dose.reps, "sets_per_day": s.dose.sets_per_day}
                   for s in content.catalogue.values()]
    width = max(len(sid) for sid in content.catalogue)
    result.lines = [plain(f"{s.id:<{width}}  {dose_line(s.dose)}  {s.title}（{s.target}）")
                    for s in content.catalogue.values()]
    return result
