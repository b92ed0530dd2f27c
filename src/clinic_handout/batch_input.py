"""A batch's input: the rows of a CSV export (UTF-8, UTF-8 with BOM, or Shift_JIS/cp932 as Excel in Japan
writes it), the prescription files of a folder, or a YAML list of prescriptions; each entry checked on
its own, a bad one reported with its row or file and the others still built (batch.py builds them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .content import Content
from .errors import InputError, Problem
from .prescription import Catalogue, Prescription, prescription_from
from .schema import LineList, read_yaml

# Where a CSV column goes in the prescription, and back again for messages.
CSV_FIELDS = {"name": "patient.name", "email": "patient.email"}


@dataclass(frozen=True)
class Entry:
    """One patient of a batch, before checking: where it came from and its data."""

    label: str  # how the front desk finds it again: "row 7", "yamada.yaml", "item 3"
    source: Path
    data: object
    line: int | None
    field_prefix: str = ""
    columns: bool = False  # a CSV row: messages name the column and the Excel row
    headers: dict[str, str] | None = None  # a CSV row: each column's header as the file writes it
    who: str = ""  # a CSV row: the patient's name as typed, named in its messages


@dataclass
class Outcome:
    label: str
    path: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    pdf: bytes | None = None  # the bytes written to path: what `--send` attaches, never re-read from disk


def read_entries(path: Path, warnings: list[Problem] | None = None) -> tuple[list[Entry], list[Problem]]:
    """The entries of a CSV file, a folder of YAML files or a YAML list; problems that stop the whole batch.
    Warnings that stop nothing (a CSV's ignored columns) are appended to warnings."""
    from .csv_input import is_table

    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
        return [Entry(p.name, p, *_yaml_file(p)) for p in files], []
    if is_table(path):
        return _csv_entries(path, [] if warnings is None else warnings)
    data, problems = read_yaml(path)
    if problems:
        return [], problems
    if isinstance(data, LineList) and not data:
        return [], [_empty_list(path, data)]
    if isinstance(data, LineList):
        return [Entry(_item_label(i, item), path, item, data.item_lines[i - 1], f"[{i}]")
                for i, item in enumerate(data, start=1)], []
    return [Entry(path.name, path, data, getattr(data, "line", 1))], []


def _item_label(number: int, item: object) -> str:
    """An item of a YAML list as the front desk finds it: `2人目 木村 次郎 (item 2)`."""
    from .csv_input import showable

    patient = item.get("patient") if isinstance(item, dict) else None
    name = patient.get("name") if isinstance(patient, dict) else None
    name = showable(name) if isinstance(name, str) else ""
    return f"{number}人目" + (f" {name}" if name else "") + f" (item {number})"


def _yaml_file(path: Path):
    data, problems = read_yaml(path)
    if not problems and isinstance(data, list) and not data:
        problems = [_empty_list(path, data)]
    return (problems if problems else data), getattr(data, "line", 1)


def _empty_list(path: Path, data: list) -> Problem:
    return Problem(path, getattr(data, "line", None), "", "空のリスト [] (an empty list: no patient in this file)",
                   "患者が1人も書かれていません。patient: から書いてください (write at least one patient, "
                   "starting with patient:; or delete the file)")


def _csv_entries(path: Path, warnings: list[Problem]) -> tuple[list[Entry], list[Problem]]:
    """The rows of the day's list; a broken row is an entry that fails its check, naming its row."""
    from .csv_input import read_table, row_label

    rows, problems = read_table(path, warnings)
    return [Entry(row_label(row), path, [data] if isinstance(data, Problem) else data, row.number,
                  columns=True, headers=headers, who=row.name) for row, data, headers in rows], problems


def check(entry: Entry, content: Content) -> Prescription:
    """The entry as a Prescription, or InputError naming its row or file, column or field."""
    from .prescription import catalogue_titles

    return check_ids(entry, catalogue_titles(content), content.glyphs)


def check_ids(entry: Entry, catalogue_ids: Catalogue, glyphs) -> Prescription:
    if isinstance(entry.data, list) and entry.data and all(isinstance(p, Problem) for p in entry.data):
        raise InputError(entry.data)  # a YAML file of the folder that could not be read
    try:
        return prescription_from(entry.data, entry.source, catalogue_ids, glyphs, entry.field_prefix, entry.line)
    except InputError as error:
        if not entry.columns:
            raise
        raise InputError([_as_column(problem, entry.headers or {}, entry.who) for problem in error.problems]) from None


def _as_column(problem: Problem, headers: dict[str, str], who: str) -> Problem:
    """A problem of a CSV row, naming the column as the file writes it: `部位`, `stretches (stretches[2].reps)`."""
    path = problem.field
    column = {field: column for column, field in CSV_FIELDS.items()}.get(path) or path.split(".")[0].split("[")[0]
    column = "name" if column == "patient" else column
    column = headers.get(column, column) if column else column
    label = column if column == path or not path else f"{column} ({path})"
    return Problem(problem.file, problem.line, label, problem.found, problem.expected, excel_row=True, who=who)


@dataclass
class Prepared:
    """A batch after checking: what can be built (label, prescription) and what failed."""

    good: list[tuple[str, Prescription]]
    failed: list[Outcome]
    warnings: list[Problem] = field(default_factory=list)


def prepare(source: Path, content: Content) -> Prepared:
    """Reads and checks every entry; raises InputError only for problems that stop the whole batch."""
    warnings: list[Problem] = []
    entries, problems = read_entries(source, warnings)
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
    return Prepared(good, failed, warnings)
