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
- `build_batch(plan, *, jobs, large_print, overwrite, today, progress, stop)` → `BatchResult`: files
  written, rows failed (each with its problems), rows left by a stop, the print file
- `send_handout(prescription, *, to, pdf_file, eml, dry_run, encrypt, pdf_password, smtp_password, ...)`
  → `SendResult`: to whom, subject, attachment, message id
- `plan_batch_send(batch)` → `SendPlan`: the mails still to send, bad and shared addresses
- `send_batch(plan, *, smtp_password, stop, on_sent)` → `BatchSendResult`: sent, failed, not sent
- `make_gallery(*, output, content_dir)` → `WriteResult`: the sheet of every stretch's picture
- `start_content_folder(directory)` → `WriteResult`: a new content folder from the built-in sample
- `list_stretches(*, content_dir)` → `StretchesResult`: the catalogue's rows

A front end asks its questions (a confirmation, a password) between two use cases or through the
callbacks it passes (`progress`, `stop`, `smtp_password`, `pdf_password`, `on_sent`).
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
    from .batch import Outcome, Prepared
    from .compose import Handout
    from .content import Content
    from .mail import Delivery, MailSettings, SendLog


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
    pdf: bytes = b""
    filename: str = ""  # DATE_NAME.pdf
    handout: Handout | None = None


@dataclass(kw_only=True)
class WriteResult(Result):
    path: Path | None = None


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

    @property
    def count(self) -> int:
        """How many handouts can be built."""
        return len(self.prepared.good) if self.prepared else 0


@dataclass(frozen=True, kw_only=True)
class RowFailure:
    label: str  # how the front desk finds the row again: "5行目 木村 次郎 (row 5)", "yamada.yaml"
    problems: tuple[Problem, ...]

    @property
    def message(self) -> str:
        return problems_text(list(self.problems), f"{self.label} ")


@dataclass(kw_only=True)
class BatchResult(Result):
    plan: BatchPlan
    today: dt.date
    written: list[tuple[str, Path]] = field(default_factory=list)  # (label, file) in input order
    failed: list[RowFailure] = field(default_factory=list)
    merged: Path | None = None
    stopped: bool = False  # stop() said so: the rows after it were not built
    not_built: list[str] = field(default_factory=list)  # labels left when stopped
    outcomes: list[Outcome] = field(default_factory=list)

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
    address: str = ""
    subject: str = ""
    filename: str = ""
    size: int = 0
    encrypted: bool = False
    eml: Path | None = None  # the mail written to a file instead of sent
    sent: bool = False
    message_id: str = ""
    bcc_refused: str = ""  # the server's reply when only the archive copy was refused

    @property
    def preview(self) -> str:
        """Where, what and which file (dry run and --eml)."""
        locked = "、パスワード付き (encrypted)" if self.encrypted else ""
        return (f"宛先 (to): {self.address}\n件名 (subject): {self.subject}\n"
                f"添付 (attachment): {self.filename} ({self.size:,} bytes){locked}")


@dataclass(kw_only=True)
class SendPlan(Result):
    waiting: list[Delivery] = field(default_factory=list)  # not yet in the send log
    bad: list[tuple[str, str]] = field(default_factory=list)  # (label, why no mail can go)
    shared: dict[str, list[str]] = field(default_factory=dict)  # address → the patients who share it
    already_sent: int = 0
    settings: MailSettings | None = None
    log: SendLog | None = None

    @property
    def question(self) -> str:
        """What the front desk confirms before the mails go."""
        return (f"{len(self.waiting)} 件をメールで送ります (send {len(self.waiting)} mails)"
                + ("。同じアドレスの方がいます (an address is shared)" if self.shared else ""))


@dataclass(kw_only=True)
class BatchSendResult(Result):
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
class StretchesResult(Result):
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
    return [Notice(text=f"警告 (warning): 〓 で印刷しました (printed as 〓): {w}") for w in content.glyphs.warnings]


def _problem_notice(problem: Problem) -> Notice:
    return Notice(text=f"注意 (warning): {problem}")


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
    from .batch import check_ids as batch_check
    from .batch import read_entries
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
    try:
        content = load_content(folder, allow_missing_glyphs=False)
        ids, glyphs = catalogue_titles(content), content.glyphs
    except InputError as exc:
        problems += exc.problems
        ids = catalogue_ids(folder) if folder.is_dir() else None
        glyphs = GlyphCheck(font_chain(fallback_fonts(folder)[0] if folder.is_dir() else ()))
    if (folder / "mail.yaml").exists():
        from .mail import load_settings

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
    from .pipeline import build_pdf, open_content

    result = HandoutResult()
    try:
        content = open_content(content_folder(content_dir), allow_missing_glyphs)
        handout, pdf = build_pdf(prescription, content, today, large_print=large_print)
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    result.pdf, result.filename, result.handout = pdf, default_filename(handout), handout
    result.notices += _glyph_notices(content)
    return result


def write_handout(prescription: Path, *, output: Path | None = None, content_dir: str | Path | None = None,
                  large_print: bool = False, allow_missing_glyphs: bool = False, overwrite: bool = False,
                  today: dt.date | None = None) -> WriteResult:
    """Builds one handout and writes it to output (default DATE_NAME.pdf here): whole or not at all; a
    different file already there is replaced only with overwrite; never over an input."""
    from .compose import default_filename
    from .deliver import check_outputs, write_new
    from .pipeline import build_pdf, open_content

    result = WriteResult()
    try:
        folder = content_folder(content_dir)
        content = open_content(folder, allow_missing_glyphs)
        handout, pdf = build_pdf(prescription, content, today, large_print=large_print)
        output = output or Path(default_filename(handout))
        check_outputs({"-o": output}, {"prescription": prescription, "--content": files_of(folder)})
        result.path = write_new(output, pdf, overwrite)
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    result.notices += _glyph_notices(content)
    result.done = str(result.path)
    return result


# -- a batch ------------------------------------------------------------------------------------


def plan_batch(source: Path, *, out_dir: Path, merge_to: Path | None = None, content_dir: str | Path | None = None,
               allow_missing_glyphs: bool = False) -> BatchPlan:
    """Reads and checks every row (CSV) or file (folder, YAML list) of a batch; writes nothing.
    Rows with problems are in plan.prepared.failed; a batch that cannot start is plan.failure."""
    from . import batch as batches
    from .deliver import check_outputs, inside
    from .errors import OutputRefused
    from .pipeline import open_content

    plan = BatchPlan(source=source, out_dir=out_dir, merge_to=merge_to, allow_missing_glyphs=allow_missing_glyphs)
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
        plan.prepared = batches.prepare(source, content)
    except HandoutError as error:
        plan.failure = failure_from(error)
        return plan
    plan.notices += [_problem_notice(w) for w in plan.prepared.warnings]
    return plan


def build_batch(plan: BatchPlan, *, jobs: int | None = None, large_print: bool = False, overwrite: bool = False,
                today: dt.date | None = None, progress: Callable[[int], None] | None = None,
                stop: Callable[[], bool] | None = None) -> BatchResult:
    """Renders and writes one PDF per good row of plan (and the merged print file), in jobs processes.

    progress(n) is called as each handout is written; when stop() turns true the rows not yet written are
    not built (result.stopped, result.not_built) and no print file is made. A file already there with
    other bytes is replaced only with overwrite, else that row fails; the others are still written."""
    from . import batch as batches

    if plan.failure is not None or plan.prepared is None or plan.content is None:
        raise ValueError("build_batch needs a plan without failure")
    day = today or dt.date.today()
    result = BatchResult(plan=plan, today=day)
    prepared = plan.prepared
    outcomes = batches.build(prepared, plan.content, plan.out_dir, day, jobs or batches.default_jobs(), large_print,
                             plan.allow_missing_glyphs, plan.merge_to, progress or (lambda _: None), overwrite,
                             plan.inputs, stop=stop)
    result.outcomes = outcomes
    result.notices += _glyph_notices(plan.content)
    result.written = [(o.label, o.path) for o in outcomes if o.path]
    result.failed = [RowFailure(label=f.label, problems=tuple(f.problems)) for f in prepared.failed]
    result.notices += [Notice(text=f.message, kind="error") for f in result.failed]
    result.not_built = [label for label, _ in prepared.good[len(outcomes):]]
    result.stopped = bool(result.not_built)
    if plan.merge_to and result.written and not result.stopped and not any(f.label == "--merge" for f in result.failed):
        result.merged = plan.merge_to
        result.notices.append(Notice(text=f"印刷用 (for printing): {plan.merge_to}", kind="info"))
    result.done = result.summary
    return result


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
                 today: dt.date | None = None) -> SendResult:
    """Emails one patient their handout (to patient.email, or to). pdf_file is attached only when it is
    byte for byte this prescription's handout. dry_run shows and sends nothing; eml writes the mail to a
    file instead. pdf_password() gives the password of an encrypted PDF, smtp_password(settings) the
    mail server's (called only when a mail really goes)."""
    from . import mail as mailing
    from .compose import compose, default_filename
    from .deliver import check_outputs, refuse_existing, write_atomically
    from .pipeline import open_content
    from .prescription import catalogue_titles, load_prescription
    from .render import render

    result = SendResult(encrypted=encrypt)
    mailer = None
    try:
        folder = content_folder(content_dir)
        content = open_content(folder)
        patient = load_prescription(prescription, catalogue_titles(content), content.glyphs)  # read once
        day = today or dt.date.today()
        handout = compose(content, patient, day)
        address = patient.patient.email if to is None else to.strip()  # "" is no address, never patient.email
        if not address or not mailing.valid_address(address):
            raise _no_address(prescription, address or "")
        pdf = render(handout)
        if pdf_file:  # only this prescription's handout, byte for byte: never another patient's file
            first = pdf
            pdf = _check_given_pdf(pdf_file, prescription,
                                   [lambda: first, lambda: render(compose(content, patient, day, True))])
        if eml:
            check_outputs({"--eml": eml}, {"prescription": prescription, "--pdf": pdf_file,
                                           "--content": files_of(folder)})
            if not overwrite and eml.exists():  # a mail has a fresh Date each time: never the same bytes
                raise refuse_existing(eml)
        settings = mailing.template_settings(folder, content.clinic.email)
        if encrypt:
            if pdf_password is None:
                raise ValueError("encrypt needs pdf_password")
            pdf = mailing.encrypt(pdf, pdf_password())
        filename = default_filename(handout)
        key = mailing.send_key(filename, address, pdf)
        mail = mailing.message(settings, handout, mailing.hours_text(handout), address, pdf, filename, encrypt,
                               mailing.message_id(settings, key))
        result.address, result.subject, result.filename, result.size = address, mail["Subject"], filename, len(pdf)
        if dry_run or eml:
            result.notices.append(Notice(text=result.preview, kind="info"))
            if eml:
                result.eml = write_atomically(eml, mail.as_bytes())
                result.done = str(result.eml)
            return result
        settings = mailing.load_settings(folder)
        mailer = mailing.Mailer(settings, smtp_password(settings) if smtp_password else None)
        try:
            bcc_refused = mailing.send_with_retries(mailer, mail, address)
        except (mailing.smtplib.SMTPException, OSError) as error:
            raise HandoutError(f"送れませんでした (not sent) to {address}: {mailing.describe(error, settings)}") \
                from None
    except HandoutError as error:
        result.failure = failure_from(error)
        return result
    finally:
        if mailer is not None:
            mailer.close()
    result.sent, result.message_id = True, mail["Message-ID"]
    result.notices.append(Notice(text=f"送信しました (sent): {address} {result.message_id}", kind="info"))
    if bcc_refused:
        result.bcc_refused = mailing.describe_reply(bcc_refused)
        result.warn(f"注意 (warning): 控え (bcc) {settings.bcc} はサーバーに断られました。控えは届いていません "
                    f"(the archive copy was refused and not delivered: {result.bcc_refused})")
    return result


def plan_batch_send(batch: BatchResult) -> SendPlan:
    """The mails of a built batch still to send: each row's very bytes, its address checked, the rows
    already in the output folder's send-log.jsonl left out. Sends nothing."""
    from . import mail as mailing
    from .compose import compose

    plan = SendPlan()
    content, prepared = batch.plan.content, batch.plan.prepared
    assert content is not None and prepared is not None
    deliveries = [mailing.Delivery(label, compose(content, prescription, batch.today), prescription.patient.email,
                                   outcome.path, outcome.pdf)
                  for (label, prescription), outcome in zip(prepared.good, batch.outcomes, strict=False)
                  if outcome.path]
    sendable, plan.bad, plan.shared = mailing.check_addresses(deliveries)
    plan.notices += [Notice(text=f"エラー (error): {label}: {problem}") for label, problem in plan.bad]
    try:
        plan.settings = mailing.load_settings(content.folder)
        plan.log = log = mailing.SendLog(batch.plan.out_dir / "send-log.jsonl")
    except HandoutError as error:
        plan.failure = failure_from(error)
        return plan
    plan.notices += [Notice(text=f"注意 (warning): {log.path}:{number}: 送信記録として読めない行です。読み飛ばしました "
                                 "(not a send-log entry, skipped: a JSON object per line is expected; that line's "
                                 "mail counts as not sent)") for number in log.skipped]
    plan.waiting = [d for d in sendable if mailing.send_key(d.path.name, d.address, d.pdf) not in log.sent]
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
    stop() is asked between mails (the mail in flight is finished); on_sent(line) is told each mail sent."""
    from . import mail as mailing

    assert plan.settings is not None and plan.log is not None
    result = BatchSendResult(log_path=plan.log.path)

    def report(delivery: Delivery, bcc: str | None) -> None:
        if on_sent:
            on_sent(f"送信 (sent): {delivery.label} {delivery.address}"
                    + (f"（控え bcc は届いていません / archive copy refused: {bcc}）" if bcc else ""))

    sent, skipped, failed = mailing.send_all(plan.waiting, plan.settings,
                                             smtp_password(plan.settings) if smtp_password else None,
                                             plan.log, stop or (lambda: False), report)
    result.notices += [Notice(text=f"エラー (error): {label}: 送れませんでした (not sent): {error}")
                       for label, error in failed]
    result.sent = sent
    result.failed = failed + plan.bad
    result.not_sent = len(plan.waiting) - sent - skipped - len(failed)
    result.done = result.summary
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
    result.rows = [{"id": s.id, "title": s.title, "target": s.target, "areas": list(s.areas),
                    "hold_seconds": s.dose.hold_seconds, "reps": s.dose.reps, "sets_per_day": s.dose.sets_per_day}
                   for s in content.catalogue.values()]
    width = max(len(sid) for sid in content.catalogue)
    result.lines = [plain(f"{s.id:<{width}}  {dose_line(s.dose)}  {s.title}（{s.target}）")
                    for s in content.catalogue.values()]
    return result
