"""The day's list from Excel: a CSV read as a Japanese front desk writes it.

Headers in Japanese or English (COLUMNS), Excel's encodings (UTF-8 with or without BOM, Shift_JIS),
Excel serial dates. Rows are numbered as Excel numbers them (the header is row 1; a note with a line
break is still one row). A broken row (wrong number of cells, a stray quote, a cell over the limit, a
line in another encoding) is reported with its row and the patient's name, and the other rows are read
on; a broken file (an .xlsx, UTF-16, a `;` or tab delimiter, a duplicate or missing column) is one
message naming the file. Cells are then checked by the same fields as a prescription YAML file.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .schema import LineDict, LineList, did_you_mean

# Each column and the header names that mean it (compared after NFKC, ignoring case and spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名前", "氏名", "患者名", "お名前", "患者氏名"),
    "area": ("area", "部位", "場所"),
    "date": ("date", "日付", "来院日"),
    "practitioner": ("practitioner", "担当", "担当者"),
    "email": ("email", "メール", "メールアドレス", "e-mail", "mail"),
    "stretches": ("stretches", "ストレッチ"),
    "note": ("note", "メモ", "備考"),
    "large_print": ("large_print", "大きな文字", "大きい文字"),
    "checklist_days": ("checklist_days", "記録表", "記録表の日数"),
    "next_visit": ("next_visit", "次回", "次回来院日", "次回の来院日"),
}
REQUIRED = ("name", "area")
CELL_LIMIT = 5000  # characters in one cell: a longer one is a swallowed file, not a note
MAX_ROWS = 10_000  # a day's list; more is another file given by mistake, and would take minutes to read
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".numbers")
RESAVE = "Excel で「名前を付けて保存」→「CSV UTF-8 (コンマ区切り)」か「CSV (コンマ区切り)」で保存し直す " \
         "(save it from Excel as CSV UTF-8 or CSV)"
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's serial day 1 is 1900-01-01 (with its 1900 leap-year quirk)


CELL_SPACE = " \t\r\n\u3000"  # what may pad a cell: spaces (also full-width), tabs, line breaks


def _key(header: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", header)).lower()


_NAMES = {_key(name): column for column, names in COLUMNS.items() for name in names}
_SUGGESTED = {name: column for name, column in _NAMES.items() if column != "note"}  # for did-you-mean
_PRINTED_MEMO = {_key("メモ"), _key("note")}


@dataclass
class Row:
    """One record of the file: its Excel row number, its cells, and why it cannot be used (if so)."""

    number: int
    cells: list[str]
    problem: tuple[str, str] | None = None  # (found, expected)
    readable: bool = True  # False: a line that is in no known encoding; its cells are never printed
    name: str = ""  # the patient's name cell, when it can be shown


def is_table(path: Path) -> bool:
    """A file to be read as the day's list (a CSV, or a spreadsheet given by mistake)."""
    return path.suffix.lower() in TABLE_SUFFIXES


def read_table(path: Path, warnings: list[Problem]) -> tuple[list[tuple[Row, LineDict | Problem, dict]], list[Problem]]:
    """The rows of a CSV as prescription data: [(row, data or the row's Problem if it is broken, headers
    as written)], and the problems that stop the whole file. Ignored columns are appended to warnings."""
    from .errors import InputError
    from .inputs import CSV_LIMIT, read_limited

    try:
        raw = read_limited(path, CSV_LIMIT)  # a FIFO, /dev/zero or a 2 GB file: refused at once (issue 10)
    except InputError as error:
        return [], error.problems
    problem = _not_a_csv(raw)
    if problem:
        return [], [_file_problem(path, *problem)]
    lines, foreign, unreadable = _decode_lines(raw)
    text = "".join(lines)
    header_row = _header_row(_records(text, foreign, unreadable, limit=10))
    if header_row is None:
        return [], [_file_problem(path, "列名の行がありません（空のファイル） (no header row: an empty file)",
                                  "1行目に列名 (a header row: 名前, 部位, ... / name, area, ...)")]
    at = header_row.number
    if header_row.problem or not header_row.readable:
        found, expected = header_row.problem or ("読めない文字 (unreadable characters)", RESAVE)
        return [], [_row_problem(path, at, "", found, expected)]
    header = [cell.strip() for cell in header_row.cells]
    if len(header) == 1 and ("\t" in header[0] or ";" in header[0]):
        name = "タブ (tab)" if "\t" in header[0] else "「;」(semicolon)"
        return [], [_row_problem(path, at, "", f"区切りが {name} です (the columns are separated by {name})",
                                 "コンマ「,」で区切った CSV: " + RESAVE)]
    columns, problems = _columns(path, header, at, warnings)
    if problems:
        return [], problems
    width = len(header)
    # A second pass with the header's width: an unclosed quote that swallows whole rows is then told apart
    # from a note with a line break.
    rows = _records(text, foreign, unreadable, width)
    if len(rows) > MAX_ROWS:
        return [], [_file_problem(path, f"行が多すぎます ({MAX_ROWS:,}行を超えています / more than {MAX_ROWS:,} rows)",
                                  f"1日分の一覧、{MAX_ROWS:,}行まで (a day's list: at most {MAX_ROWS:,} rows)")]
    written = {column: header[i] for i, column in enumerate(columns) if column}
    result: list[tuple[Row, LineDict | Problem, dict]] = []
    unnamed: set[int] = set()
    name_index = columns.index("name")
    above = [row.number for row in rows if row.number < at and any(cell.strip() for cell in row.cells)]
    if above:
        shown = f"{above[0]}行目" if len(above) == 1 else f"{above[0]}〜{above[-1]}行目"
        warnings.append(_row_problem(path, above[0], "", f"列名の行（{at}行目）より上の {shown} は読み飛ばします "
                                     f"(rows above the header row {at} are skipped, e.g. a title)",
                                     "患者さんの行は列名の行より下に (patients' rows go below the header row)"))
    for row in rows:
        if row.number <= at:
            continue
        if not any(cell.strip() for cell in row.cells) and not row.problem:
            continue  # an empty line or a row of empty cells, as Excel leaves at the end
        row.name = showable(row.cells[name_index]) if row.readable and name_index < len(row.cells) else ""
        problem = row.problem or _shape_problem(row, width)
        if problem:
            result.append((row, _row_problem(path, row.number, "", *problem, who=row.name), written))
            continue
        values: dict[str, str] = {}
        for index, cell in enumerate(row.cells[:width]):
            column = columns[index]
            if column:
                # Only spaces, tabs and line breaks are trimmed: str.strip() would also drop a VT, FF,
                # NEL, U+2028/2029 or U+001C-001F at the edge of a cell, which the field checks refuse.
                trimmed = cell.strip(CELL_SPACE)
                if trimmed:
                    values[column] = trimmed
            elif cell.strip() and not header[index]:
                unnamed.add(index)
        result.append((row, _data(values, row.number), written))
    remark = written.get("note", "")
    if _key(remark) == _key("備考") and any(isinstance(data, LineDict) and "note" in data for _, data, _ in result):
        # 備考 is often the clinic's own remark (支払い, 保険): say once that it goes on the patient's page.
        warnings.append(_row_problem(path, at, remark, "「備考」の列はハンドアウトに印刷されます "
                                     "(the 備考 column is printed on the handout as the note)",
                                     "院内だけのメモは別の名前の列に（例: 院内メモ）(keep notes for the clinic in a "
                                     "column with another name, e.g. 院内メモ: it is ignored)"))
    ignored = [f"「{h}」" for h, c in zip(header, columns, strict=True) if h and not c and _key(h) not in _NAMES]
    ignored += [f"{_letter(i)}列（列名なし / no header）" for i in sorted(unnamed)]
    if ignored:
        # Never steer an unknown column (受付メモ, 院内メモ) onto the handout: the memo column is not suggested.
        hints = "".join(did_you_mean(h, _SUGGESTED) for h, c in zip(header, columns, strict=True)
                        if h and not c and _key(h) not in _NAMES)
        warnings.append(_row_problem(path, at, "", "使わない列があります。中身は無視します（印刷されません） "
                                     f"(ignored columns, not printed): {'、'.join(ignored)}",
                                     hints + "使える列 (columns): " + "、".join(
                                         f"{names[1] if len(names) > 1 else names[0]} ({column})"
                                         for column, names in COLUMNS.items())))
    return result, []


def row_label(row: Row) -> str:
    """How the front desk finds a row again: its Excel row and the patient's name as typed."""
    return f"{row.number}行目" + (f" {row.name}" if row.name else "") + f" (row {row.number})"


def showable(name: str) -> str:
    """A name cell fit to print in a message: one short line of visible characters, else nothing."""
    name = name.split("\n")[0].split(",")[0].strip().strip('"').strip()  # a broken row: up to its first comma
    if len(name) > 40 or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for ch in name):
        return ""
    return name


def _file_problem(path: Path, found: str, expected: str) -> Problem:
    return Problem(path, None, "", found, expected)


def _row_problem(path: Path, row: int, field: str, found: str, expected: str, who: str = "") -> Problem:
    return Problem(path, row, field, found, expected, excel_row=True, who=who)


def _letter(index: int) -> str:
    """Excel's column letter: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _not_a_csv(raw: bytes) -> tuple[str, str] | None:
    if raw.startswith(b"PK\x03\x04"):
        return ("Excel のブック (.xlsx) です。CSV ではありません (an Excel workbook, not a CSV)", RESAVE)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return ("古い Excel のブック (.xls) です。CSV ではありません (an old Excel workbook, not a CSV)", RESAVE)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(raw[:4000]):
        return ("UTF-16 のファイルです（Excel の「Unicode テキスト」）(a UTF-16 file, e.g. Excel's Unicode text)",
                RESAVE)
    return None


def _utf16_without_bom(head: bytes) -> bool:
    """UTF-16 text (NUL bytes, and line breaks that decode as UTF-16); a lone NUL in a CSV is not."""
    if head.count(0) * 10 < len(head):  # UTF-16 has a NUL in every other byte of ASCII; a stray NUL is not it
        return False
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = head[: len(head) // 2 * 2].decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\n" in text and "\x00" not in text:
            return True
    return False


def _decode_lines(raw: bytes) -> tuple[list[str], set[int], set[int]]:
    """Each physical line decoded in its own encoding; (lines, foreign, unreadable): the indexes of lines
    in the file's minority encoding (one Shift_JIS row in a UTF-8 file) and of lines in neither."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:  # the common case, whole: a UTF-8 file
        return re.split(r"(?<=\n)", raw.decode("utf-8")), set(), set()
    except UnicodeDecodeError:
        pass
    chunks = re.split(rb"(?<=\n)", raw)
    kinds = []
    for chunk in chunks:
        if chunk.isascii():
            kinds.append("ascii")
            continue
        try:
            chunk.decode("utf-8")
            kinds.append("utf-8")
        except UnicodeDecodeError:
            try:
                chunk.decode("cp932")
                kinds.append("cp932")
            except UnicodeDecodeError:
                kinds.append("unreadable")
    main = "utf-8" if kinds.count("utf-8") >= kinds.count("cp932") else "cp932"
    lines, foreign, unreadable = [], set(), set()
    for index, (chunk, kind) in enumerate(zip(chunks, kinds, strict=True)):
        if kind == "unreadable":
            unreadable.add(index)
            lines.append(chunk.decode(main, errors="replace"))
            continue
        if kind not in ("ascii", main):
            foreign.add(index)
        lines.append(chunk.decode("ascii" if kind == "ascii" else kind))
    return lines, foreign, unreadable


def decode_csv(raw: bytes) -> str:
    """The text of a CSV, each line in its own encoding (UTF-8 with or without BOM, or Shift_JIS)."""
    return "".join(_decode_lines(raw)[0])


def _records(text: str, foreign: set[int], unreadable: set[int], width: int | None = None,
             limit: int = MAX_ROWS + 1) -> list[Row]:
    """Splits text into records (RFC 4180, as Excel writes: quoted cells may hold , " and line breaks).

    Linear in the file's length: after one quote that never closes, quoted cells may no longer span
    lines, so a hostile file of lone quotes is not read again and again to its end."""
    rows: list[Row] = []
    position, line, one_line_quotes = 0, 0, False
    while position < len(text) and len(rows) < limit:
        cells, problem, end, end_line, to_the_end = _record(text, position, line, width, one_line_quotes)
        # A quote that ran to the end of the file: later quotes may not span lines either (reading each to
        # the end again would be quadratic). One found by the look-ahead leaves later notes alone.
        one_line_quotes = one_line_quotes or to_the_end
        lines = set(range(line, end_line + 1))
        row = Row(len(rows) + 1, cells, problem, readable=not lines & unreadable)
        if not row.readable:
            row.problem = ("読めない文字があります（UTF-8 でも Shift_JIS でもない）(bytes in no known encoding)",
                           RESAVE)
        elif lines & foreign and not problem:
            row.problem = ("この行だけ文字コードが違います（UTF-8 と Shift_JIS が混在）"
                           "(this row is in another encoding than the rest of the file)",
                           "この行を Excel で打ち直して、ファイル全体を保存し直す "
                           "(retype the row in Excel, then " + RESAVE + ")")
        rows.append(row)
        position, line = end, end_line + 1
    return rows


_IN_QUOTES = re.compile(r'["\n]')
_OUTSIDE = re.compile(r'[,\r\n"]')


def _record(text: str, start: int, line: int, width: int | None,
            one_line_quotes: bool = False) -> tuple[list[str], tuple | None, int, int, bool]:
    """One record from start: (cells, problem, where the next record starts, the record's last line,
    whether an unclosed quote ran to the end of the file)."""
    cells: list[str] = []
    cell: list[str] = []
    problem = None
    quoted, fresh = False, True  # fresh: at the start of a cell (a quote there opens a quoted cell)
    opened_at, opened_line = start, line
    i, n = start, len(text)
    while i < n:
        if quoted:
            stop = _IN_QUOTES.search(text, i)
            if stop is None:
                cell.append(text[i:])
                break
            cell.append(text[i:stop.start()])
            i = stop.start()
            if text[i] == '"':
                if text.startswith('""', i):
                    cell.append('"')
                    i += 2
                    continue
                quoted = False
                i += 1
                if i < n and text[i] not in ",\r\n" and problem is None:
                    problem = ("「\"」の後に文字があります (text after a closing quote: a stray \")",
                               "値の中の「\"」は「\"\"」と2つ重ねるか、値全体を \"…\" で囲む "
                               "(write \" inside a value as \"\", or quote the whole value)")
                continue
            line += 1  # a line break inside quotes
            next_break = text.find("\n", i + 1)
            following = text[i + 1: next_break if next_break != -1 else n]
            if one_line_quotes or (width and width >= 3 and following.count(",") >= width - 1):
                # The quote opened on this row never closes: the next lines are rows, not a note.
                return cells + ["".join(cell)], _unclosed(), i + 1, line - 1, False
            cell.append("\n")
            i += 1
            continue
        stop = _OUTSIDE.search(text, i)
        if stop is None:
            cell.append(text[i:])
            fresh = fresh and i == n
            break
        if stop.start() > i:
            cell.append(text[i:stop.start()])
            fresh = False
        i = stop.start()
        ch = text[i]
        if ch == '"':
            if fresh:
                quoted, fresh, opened_at, opened_line = True, False, i, line
            else:
                cell.append('"')  # a quote inside an unquoted value is kept as typed: 山田 "花子"
            i += 1
            continue
        if ch == ",":
            cells.append("".join(cell))
            cell, fresh = [], True
            i += 1
            continue
        end = i + 2 if text.startswith("\r\n", i) else i + 1
        return cells + ["".join(cell)], problem or _too_long(cells + ["".join(cell)]), end, line, False
    if quoted:  # the file ended inside a quote: read on from the line after the one it opened on
        restart = text.find("\n", opened_at) + 1 or n
        return cells + ["".join(cell)], _unclosed(), restart, opened_line, True
    return cells + ["".join(cell)], problem or _too_long(cells + ["".join(cell)]), n, line, False


def _unclosed() -> tuple[str, str]:
    return ("「\"」が閉じていません (an unclosed quote: the rows after it would become one cell)",
            "値を囲む「\"」を閉じる（\"…\"）か、値の中の「\"」を「\"\"」にする "
            "(close the quote, or write \" inside a value as \"\")")


def _too_long(cells: list[str]) -> tuple[str, str] | None:
    longest = max((len(cell) for cell in cells), default=0)
    if longest > CELL_LIMIT:
        return (f"{longest:,}文字のセルがあります (a cell of {longest:,} characters)",
                f"1つのセルは {CELL_LIMIT:,}文字まで (at most {CELL_LIMIT:,} characters in a cell)")
    return None


def _shape_problem(row: Row, width: int) -> tuple[str, str] | None:
    count = len(row.cells)
    if count > width and not any(cell.strip() for cell in row.cells[width:]):
        return None  # empty cells after the last column: nothing is lost
    if count != width:
        return (f"セルが {count} 個あります。列は {width} 個です (this row has {count} cells; the header has {width})",
                "値の中の「,」に気をつけて、値を \"…\" で囲むか、列をそろえる "
                "(quote a value that holds a comma, or give every row the header's columns)")
    return None


def _header_row(rows: list[Row]) -> Row | None:
    """The header: the first of the first ten rows that names the required columns (a sheet may have a
    title above it), else the first row that is not empty (its problems are then reported)."""
    for row in rows[:10]:
        if all(column in {_NAMES.get(_key(cell)) for cell in row.cells} for column in REQUIRED):
            return row
    return next((row for row in rows[:10] if any(cell.strip() for cell in row.cells)), None)


def _columns(path: Path, header: list[str], at: int,
             warnings: list[Problem]) -> tuple[list[str | None], list[Problem]]:
    """Each header cell's column (None: not used), or the problems that stop the file."""
    columns = [_NAMES.get(_key(h)) if h else None for h in header]
    problems = []
    memo = [i for i, h in enumerate(header) if columns[i] == "note" and _key(h) in _PRINTED_MEMO]
    remarks = [i for i, h in enumerate(header) if columns[i] == "note" and _key(h) == _key("備考")]
    if len(memo) == 1 and remarks:
        # Excel's usual layout has both: メモ goes on the handout, 備考 (the clinic's remark) stays in the clinic.
        for i in remarks:
            columns[i] = None
        shown = "、".join(f"「{header[i]}」" for i in remarks)
        warnings.append(_row_problem(path, at, header[memo[0]],
                                     f"「{header[memo[0]]}」と{shown}の両方があります。「{header[memo[0]]}」をハンドアウトに"
                                     f"印刷し、{shown}は印刷しません（無視します） (both {header[memo[0]]} and 備考: "
                                     f"{header[memo[0]]} is printed as the note, 備考 is ignored)",
                                     f"{shown}も印刷したいなら、その中身を「{header[memo[0]]}」の列に移す "
                                     f"(to print it, move it into the {header[memo[0]]} column)"))
    for column in dict.fromkeys(c for c in columns if c):
        same = [h for h, c in zip(header, columns, strict=True) if c == column]
        if len(same) > 1:
            problems.append(_row_problem(path, at, "",
                                         f"同じ列が2回あります (the same column twice): {'、'.join(same)}",
                                         f"どちらか1つにする (keep one {column} column)"))
    for column in REQUIRED:
        if column not in columns:
            names = "、".join(COLUMNS[column])
            problems.append(_row_problem(path, at, COLUMNS[column][1], "列がありません (missing column)",
                                         f"必ず必要な列。列名は {names} のどれか (a required column)"))
    return columns, problems


def _data(values: dict[str, str], row: int) -> LineDict:
    """A CSV row as the mapping a prescription file would give, every value on the row's line."""
    def mapping(items: dict) -> LineDict:
        result = LineDict(items)
        result.line, result.key_lines = row, {key: row for key in items}
        return result

    data: dict[str, object] = {key: values[key] for key in ("area", "date", "practitioner", "note", "next_visit",
                                                            "large_print", "checklist_days") if key in values}
    for key in ("date", "next_visit"):
        if key in data and (serial := _excel_serial(values[key])):
            data[key] = serial
    patient = {key: values[key] for key in ("name", "email") if key in values}
    if patient:
        data["patient"] = mapping(patient)
    if "stretches" in values:
        text = unicodedata.normalize("NFKC", values["stretches"])
        text = re.sub(r"\s*([:×*])\s*", r"\1", text)  # "buttock : 20 × 3 × 2" is one item
        text = re.sub(r"(?<=[0-9])\s*([xX])\s*(?=[0-9])", r"\1", text)
        chosen = LineList(item for item in re.split(r"[\s,、;；]+", text) if item)
        chosen.line, chosen.item_lines = row, [row] * len(chosen)
        data["stretches"] = chosen
    return mapping(data)


def _excel_serial(text: str) -> dt.date | None:
    """A date cell Excel wrote as its serial number (46351 is 2026-11-25), else None."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"[0-9]{5}(\.[0-9]+)?", text):
        return None
    days = int(float(text))
    return EXCEL_EPOCH + dt.timedelta(days=days) if 20000 <= days <= 80000 else None
