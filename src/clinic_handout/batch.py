"""A day's handouts in one go: read many prescriptions, check each, render in parallel, merge for printing.

Entries come from a CSV export (UTF-8, UTF-8 with BOM, or Shift_JIS/cp932 as Excel in Japan writes
it), a folder of prescription YAML files, or one YAML file holding a list of prescriptions. Every
entry is checked on its own: a bad one is reported and the others are still built.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .content import Content
from .errors import InputError, Problem
from .prescription import Prescription, prescription_from
from .schema import LineDict, LineList, did_you_mean, read_yaml

CSV_COLUMNS = ("name", "area", "date", "practitioner", "email", "stretches", "note", "large_print",
               "checklist_days", "next_visit")
# Where a CSV column goes in the prescription, and back again for messages.
CSV_FIELDS = {"name": "patient.name", "email": "patient.email"}
_DOSE = re.compile(r"^(?P<id>[a-z0-9-]+)(?::(?P<hold>\d+)[×xX*](?P<reps>\d+)[×xX*](?P<sets>\d+))?$")


@dataclass(frozen=True)
class Entry:
    """One patient of a batch, before checking: where it came from and its data."""

    label: str  # how the front desk finds it again: "row 7", "yamada.yaml", "item 3"
    source: Path
    data: object
    line: int | None
    field_prefix: str = ""
    columns: bool = False  # a CSV row: messages name the column


@dataclass
class Outcome:
    label: str
    path: Path | None = None
    problems: list[Problem] = field(default_factory=list)


def read_entries(path: Path) -> tuple[list[Entry], list[Problem]]:
    """The entries of a CSV file, a folder of YAML files or a YAML list; problems that stop the whole batch."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
        return [Entry(p.name, p, *_yaml_file(p)) for p in files], []
    if path.suffix.lower() == ".csv":
        return _csv_entries(path)
    data, problems = read_yaml(path)
    if problems:
        return [], problems
    if isinstance(data, LineList):
        return [Entry(f"item {i}", path, item, data.item_lines[i - 1], f"[{i}]")
                for i, item in enumerate(data, start=1)], []
    return [Entry(path.name, path, data, getattr(data, "line", 1))], []


def _yaml_file(path: Path):
    data, problems = read_yaml(path)
    return (problems if problems else data), getattr(data, "line", 1)


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS as Excel in Japan writes it (cp932)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def _csv_entries(path: Path) -> tuple[list[Entry], list[Problem]]:
    try:
        text = decode_csv(path.read_bytes())
    except UnicodeDecodeError:
        return [], [Problem(path, None, "", "UTF-8 でも Shift_JIS でもない文字 (neither UTF-8 nor Shift_JIS)",
                            "Excel の「CSV UTF-8」か「CSV」で保存したファイル (save as CSV from Excel)")]
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if not header:
        return [], [Problem(path, 1, "", "空のファイル (an empty file)", "1行目に列名 (a header row: name, area, ...)")]
    header = [column.strip() for column in header]
    problems = [Problem(path, 1, column, "知らない列 (unknown column)",
                        did_you_mean(column, CSV_COLUMNS) + "使える列 (columns): " + ", ".join(CSV_COLUMNS))
                for column in header if column and column not in CSV_COLUMNS]
    problems += [Problem(path, 1, column, "ありません (missing column)", "必ず必要な列 (a required column)")
                 for column in ("name", "area") if column not in header]
    if problems:
        return [], problems
    entries = []
    line = 1
    for row in rows:
        line += 1 + sum(cell.count("\n") for cell in row)  # a quoted cell may hold line breaks
        if not any(cell.strip() for cell in row):
            continue
        values = {column: cell.strip() for column, cell in zip(header, row, strict=False) if column and cell.strip()}
        entries.append(Entry(f"row {line}", path, _row_data(values, line), line, columns=True))
    return entries, []


def _row_data(values: dict[str, str], line: int) -> LineDict:
    """A CSV row as the mapping a prescription file would give, every value on the row's line."""
    def mapping(items: dict) -> LineDict:
        result = LineDict(items)
        result.line, result.key_lines = line, {key: line for key in items}
        return result

    data = {key: values[key] for key in ("area", "date", "practitioner", "note", "next_visit") if key in values}
    patient = {key: values[key] for key in ("name", "email") if key in values}
    if patient:
        data["patient"] = mapping(patient)
    if "large_print" in values:
        data["large_print"] = values["large_print"].lower() in ("1", "true", "yes", "はい", "○", "〇")
    if "checklist_days" in values:
        days = values["checklist_days"]
        data["checklist_days"] = int(days) if days.isdigit() else days
    if "stretches" in values:
        chosen = LineList()
        for item in re.split(r"[\s,、;；]+", values["stretches"]):
            match = _DOSE.match(item)
            if not item:
                continue
            if match and match["hold"]:
                chosen.append(mapping({"id": match["id"], "hold_seconds": int(match["hold"]),
                                       "reps": int(match["reps"]), "sets_per_day": int(match["sets"])}))
            else:
                chosen.append(match["id"] if match else item)
        chosen.line, chosen.item_lines = line, [line] * len(chosen)
        data["stretches"] = chosen
    return mapping(data)


def check(entry: Entry, content: Content) -> Prescription:
    """The entry as a Prescription, or InputError naming its row or file, column or field."""
    return check_ids(entry, list(content.catalogue), content.glyphs)


def check_ids(entry: Entry, catalogue_ids: list[str] | None, glyphs) -> Prescription:
    if isinstance(entry.data, list) and all(isinstance(p, Problem) for p in entry.data):
        raise InputError(entry.data)  # a YAML file of the folder that could not be read
    try:
        return prescription_from(entry.data, entry.source, catalogue_ids, glyphs, entry.field_prefix, entry.line)
    except InputError as error:
        if not entry.columns:
            raise
        raise InputError([_as_column(problem) for problem in error.problems]) from None


def _as_column(problem: Problem) -> Problem:
    """A problem of a CSV row, naming the column: `stretches (stretches[2].reps)`, `name`."""
    path = problem.field
    column = {field: column for column, field in CSV_FIELDS.items()}.get(path) or path.split(".")[0].split("[")[0]
    column = "name" if column == "patient" else column
    label = column if column == path else f"{column} ({path})"
    return Problem(problem.file, problem.line, label, problem.found, problem.expected)


def unique_names(names: list[str]) -> list[str]:
    """Output names that never clash (two patients may share a name), in input order."""
    taken: set[str] = set()
    result = []
    for name in names:
        stem, suffix = name.rsplit(".", 1)
        candidate, number = f"{stem}.{suffix}", 1
        while candidate.lower() in taken:  # Windows and macOS ignore case
            number += 1
            candidate = f"{stem}-{number}.{suffix}"
        taken.add(candidate.lower())
        result.append(candidate)
    return result


# -- rendering in worker processes: the content is read once per process --------------------
_worker_content: Content | None = None


def _start_worker(folder: Path, allow_missing_glyphs: bool) -> None:
    global _worker_content
    from .pipeline import open_content

    _worker_content = open_content(folder, allow_missing_glyphs)


def _render(prescription: Prescription, today: dt.date, large_print: bool) -> bytes:
    from .compose import compose
    from .render import render

    return render(compose(_worker_content, prescription, today, large_print=large_print))


def render_all(prescriptions: list[Prescription], content: Content, today: dt.date, jobs: int,
               large_print: bool, allow_missing_glyphs: bool, progress: Callable[[int], None]) -> Iterator[bytes]:
    """Each prescription's PDF, in order; with jobs > 1 in that many processes."""
    global _worker_content
    if jobs <= 1 or len(prescriptions) <= 1:
        _worker_content = content
        for prescription in prescriptions:
            yield _render(prescription, today, large_print)
            progress(1)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker,
                             initargs=(content.folder, allow_missing_glyphs)) as pool:
        futures = [pool.submit(_render, p, today, large_print) for p in prescriptions]
        for future in futures:
            yield future.result()
            progress(1)


def merge(pdfs: list[bytes]) -> bytes:
    """One print-ready PDF: each handout starts on a new sheet when printed double-sided."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        reader = PdfReader(io.BytesIO(pdf))
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            box = reader.pages[-1].mediabox
            writer.add_blank_page(float(box.width), float(box.height))
    writer.add_metadata({"/Title": "印刷用ハンドアウト (handouts for printing)", "/Producer": "clinic-handout"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def default_jobs() -> int:
    return os.cpu_count() or 1


@dataclass
class Prepared:
    """A batch after checking: what can be built (label, prescription) and what failed."""

    good: list[tuple[str, Prescription]]
    failed: list[Outcome]


def prepare(source: Path, content: Content) -> Prepared:
    """Reads and checks every entry; raises InputError only for problems that stop the whole batch."""
    entries, problems = read_entries(source)
    if problems:
        raise InputError(problems)
    if not entries:
        raise InputError([Problem(source, None, "", "処方がありません (no prescriptions)",
                                  "CSV の行か YAML の処方 (CSV rows or prescription files)")])
    good, failed = [], []
    for entry in entries:
        try:
            good.append((entry.label, check(entry, content)))
        except InputError as error:
            failed.append(Outcome(entry.label, problems=error.problems))
    return Prepared(good, failed)


def build(prepared: Prepared, content: Content, out_dir: Path, today: dt.date, jobs: int = 1,
          large_print: bool = False, allow_missing_glyphs: bool = False, merge_to: Path | None = None,
          progress: Callable[[int], None] = lambda _: None) -> list[Outcome]:
    """Renders and writes one PDF per good entry (and the merged print file); outcomes in input order."""
    from .compose import filename_for
    from .deliver import write_atomically

    out_dir.mkdir(parents=True, exist_ok=True)
    prescriptions = [p for _, p in prepared.good]
    names = unique_names([filename_for(p.patient.name, p.date or today) for p in prescriptions])
    outcomes, pdfs = [], []
    rendered = render_all(prescriptions, content, today, jobs, large_print, allow_missing_glyphs, progress)
    for (label, _), name, pdf in zip(prepared.good, names, rendered, strict=True):
        outcomes.append(Outcome(label, write_atomically(out_dir / name, pdf)))
        pdfs.append(pdf)
    if merge_to is not None and pdfs:
        write_atomically(merge_to, merge(pdfs))
    return outcomes
