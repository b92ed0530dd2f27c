"""The day's list built at the desk: one job per uploaded CSV, built in a background thread.

The page polls the job (its progress bar) while the use-case layer builds the rows, exactly as
`handout batch --merge` builds them (app.plan_batch and app.build_batch: the same checks, the same
PDFs, the same print file, each handout recorded in the history). One row after another in the
job's thread (no worker processes inside a web server); one job builds at a time (a second one waits
its turn); 止める stops after the row being built. The files go to the data folder
(batch/<date>/<time>-<id>/: the CSV as uploaded, pdf/ and print.pdf); the job itself (its rows and
the bytes built) lives in memory for a working day.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pypdf import PdfReader

from ..errors import Problem

if TYPE_CHECKING:
    from ..app import BatchResult

LIMIT = 30  # jobs kept in memory (the oldest go first): a day's lists, with room for retries
LIFETIME = 12 * 3600  # seconds
BUILDING = threading.Lock()  # one batch builds at a time (the library renders one batch per process)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass
class Row:
    """One row of the uploaded list and what became of it."""

    number: int | None  # the Excel row (the header is row 1)
    name: str  # as typed ('' when the row is too broken to show it)
    label: str  # the library's label: "5行目 木村 次郎 (row 5)"
    state: str = "waiting"  # waiting → built | failed | not_built
    problems: tuple[Problem, ...] = ()
    email: str = ""
    filename: str = ""
    pdf: bytes | None = None  # the very bytes written (and recorded, and attached)
    pages: int = 0
    history_id: int | None = None
    prescription: object = None  # the checked Prescription (built rows)
    sends: list[tuple[str, str]] = field(default_factory=list)  # (sent|failed|already|not_sent, address or why)
    warning: str = ""  # a built row to look at again (a date far from today)


@dataclass
class Job:
    id: str
    folder: Path
    source: Path  # the CSV as uploaded
    shown_name: str  # the file's name as the receptionist chose it
    today: dt.date
    state: str = "waiting"  # waiting → building → done | stopped | failed
    total: int = 0
    done: int = 0
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # problems that stopped the whole file
    notices: list[str] = field(default_factory=list)  # warnings that stopped nothing
    merged: bytes | None = None
    seconds: float = 0.0  # the build's time (said on the page)
    created: float = field(default_factory=time.monotonic)
    mail_tokens: dict[str, tuple] = field(default_factory=dict)  # one-time token → what the confirmation showed
    stop: threading.Event = field(default_factory=threading.Event)  # 止める: the rows not yet built are left
    result: BatchResult | None = None  # what the mails are sent from
    mail_report: list[str] = field(default_factory=list)  # what the last メールで送る did, said above the table
    mail_ok: bool = False  # …and whether every mail of it went

    @property
    def running(self) -> bool:
        return self.state in ("waiting", "building")

    @property
    def built(self) -> list[Row]:
        return [row for row in self.rows if row.state == "built"]

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row.state == "failed"]

    def row(self, number: int) -> Row | None:
        return next((row for row in self.rows if row.number == number), None)


class Jobs:
    """The desk's batch jobs, by a random id; bounded and short-lived like the drafts."""

    def __init__(self, limit: int = LIMIT, lifetime: float = LIFETIME):
        self.limit, self.lifetime = limit, lifetime
        self._items: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, job: Job) -> None:
        with self._lock:
            now = time.monotonic()
            for key in [k for k, j in self._items.items() if now - j.created > self.lifetime and not j.running]:
                del self._items[key]
            self._items[job.id] = job
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._items.get(key)

    def take_token(self, key: str, token: str) -> tuple | None:
        """What a confirmation showed under this one-time token; the token is used up either way."""
        with self._lock:
            job = self._items.get(key)
            return job.mail_tokens.pop(token, None) if job else None


def upload_name(filename: str | None) -> str:
    """The uploaded file's own name, safe to write in the job's folder (never a path): '' if none."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    return name[:120]


def new_job(data_dir: Path, filename: str, data: bytes, today: dt.date | None = None) -> Job:
    """A job for an uploaded file: the file written (as uploaded) into a folder of its own."""
    from ..deliver import write_atomically

    day = today or dt.date.today()
    key = secrets.token_urlsafe(12)
    folder = data_dir / "batch" / day.isoformat() / f"{dt.datetime.now():%H%M%S}-{key[:6]}"
    folder.mkdir(parents=True, exist_ok=False)
    source = write_atomically(folder / filename, data)
    return Job(key, folder, source, filename, day)


def start(job: Job, content_dir: Path, data_dir: Path) -> threading.Thread:
    thread = threading.Thread(target=run, args=(job, content_dir, data_dir), name=f"batch-{job.id[:6]}", daemon=True)
    thread.start()
    return thread


def run(job: Job, content_dir: Path, data_dir: Path) -> None:
    """Checks and builds the job's rows (in this thread); every outcome is put on the job as it comes."""
    import logging

    try:
        with BUILDING:
            _run(job, content_dir, data_dir)
    except Exception as error:  # a bug: said on the page by its type only, never the row's data
        logging.getLogger("clinic_handout.desk").error("batch job failed: %s", type(error).__name__)
        job.notices.append(f"内部エラーで止まりました（{type(error).__name__}）。作れた分だけ表に出ています。")
        job.state = "failed"


FAR_DAYS = 30


def far_date(prescription, today: dt.date) -> str:
    """A row's handout date more than FAR_DAYS days from the day of the batch: an old list uploaded again,
    or 2026/1/5 meant as 2027? Built as written, and said on the row."""
    from ..compose import japanese_date

    date = getattr(prescription, "date", None)
    if date is None or abs((date - today).days) <= FAR_DAYS:
        return ""
    return (f"日付が {japanese_date(date)} です（今日から {abs((date - today).days)} 日"
            f"{'前' if date < today else '先'}）。このままでよいか確かめてください。")


def desk_notices(plan, job: Job) -> list[str]:
    """The plan's warnings for the receptionist: the file as she named it (never the server's path), no
    English; the columns the desk does not read (受付メモ) said quietly in one line."""
    from .. import app
    from .engine import japanese

    from_problems = {}
    for problem in getattr(plan.prepared, "warnings", None) or ():
        found = str(problem.found)
        if found.startswith("使わない列があります"):
            columns = found.rsplit(":", 1)[-1].strip()
            text = f"{japanese(columns)} の列は印刷しません（読まずに作ります）。"
        else:
            row = f"{problem.row}行目: " if problem.row else ""
            text = f"{row}{japanese(found)}（{japanese(str(problem.expected))}）"
        from_problems[app._problem_notice(problem).text] = text
    out = []
    for notice in plan.notices:
        known = from_problems.get(notice.text)
        shown = notice.text.replace(str(job.source), job.shown_name).replace(str(job.folder), "")
        text = known if known is not None else japanese(shown)
        out.append(text.removeprefix("注意: ").removeprefix("注意 : "))
    return out


def _run(job: Job, content_dir: Path, data_dir: Path) -> None:
    from .. import app
    from .engine import japanese

    started = time.monotonic()
    plan = app.plan_batch(job.source, out_dir=job.folder / "pdf", merge_to=job.folder / "print.pdf",
                          content_dir=content_dir, data_dir=data_dir)
    job.notices += desk_notices(plan, job)
    if plan.failure is not None:
        job.problems = list(plan.failure.problems)
        if not job.problems:
            job.notices.append(japanese(plan.failure.message))
        job.state = "failed"
        return
    prepared = plan.prepared
    assert prepared is not None  # a plan without failure
    rows = [Row(_number(label), p.patient.name, label, email=p.patient.email or "", prescription=p)
            for label, p in prepared.good]
    rows += [Row(_number(f.label, f.problems), _who(f.label, f.problems), f.label, "failed", tuple(f.problems))
             for f in prepared.failed]
    for row in rows:
        row.warning = far_date(row.prescription, job.today) if row.prescription is not None else ""
    job.rows = sorted(rows, key=lambda row: row.number or 0)
    job.total, job.state = len(prepared.good), "building"

    def progress(count: int) -> None:
        job.done += count

    # One row after another in this thread (jobs=1): no worker processes forked inside a web server.
    result = app.build_batch(plan, jobs=1, today=job.today, progress=progress, stop=job.stop.is_set)
    job.result = result
    by_label = {row.label: row for row in job.rows}
    for outcome in result.outcomes:
        if outcome.path is not None:
            assert outcome.pdf is not None  # build_batch keeps the bytes written (keep_pdfs)
            row = by_label[outcome.label]
            row.state, row.filename, row.pdf = "built", outcome.path.name, outcome.pdf
            row.pages = len(PdfReader(io.BytesIO(outcome.pdf)).pages)
            row.history_id = result.history_ids.get(outcome.label)
    for failure in result.failed:  # also a row whose file could not be written
        failed = by_label.get(failure.label)
        if failed is not None and failed.state != "built":
            failed.state, failed.problems = "failed", failure.problems
    for row in job.rows:
        if row.state == "waiting":
            row.state = "not_built"
    job.notices += [japanese(n.text) for n in result.notices if n.kind == "warning"]  # errors are the table's rows
    if result.merged is not None:
        job.merged = result.merged.read_bytes()
    job.seconds = time.monotonic() - started
    job.state = "stopped" if result.stopped else "done"


def _said(problem: Problem) -> str:
    return f"{problem.field}: {problem.found} → {problem.expected}" if problem.field else \
        f"{problem.found} → {problem.expected}"


def _number(label: str, problems=()) -> int | None:
    """The Excel row of a batch label ("5行目 木村 次郎 (row 5)")."""
    rows = [p.line for p in problems if p.excel_row and p.line]
    if rows:
        return rows[0]
    match = re.search(r"\(row (\d+)\)$", label)
    return int(match[1]) if match else None


def _who(label: str, problems) -> str:
    names = [p.who for p in problems if p.who]
    if names:
        return names[0]
    match = re.fullmatch(r"\d+行目 (.+) \(row \d+\)", label)
    return match[1] if match else ""


def zip_of(job: Job) -> bytes:
    """Every handout the job wrote, in the list's order, in one ZIP (the file names as written)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in job.built:
            info = zipfile.ZipInfo(row.filename, date_time=(job.today.year, job.today.month, job.today.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            assert row.pdf is not None  # a built row has its bytes
            archive.writestr(info, row.pdf)
    return out.getvalue()
