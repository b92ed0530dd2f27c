"""The history: every handout built or sent, from the CLI or the desk, in one SQLite file.

Where: ``<data folder>/history.sqlite3``. The data folder is ``--data DIR``, else ``$HANDOUT_DATA``,
else ``handout-data`` beside the content folder (``C:\\clinic\\handouts`` → ``C:\\clinic\\handout-data``);
with the built-in sample content, which lives inside the installed package, the user's own data
folder (``%LOCALAPPDATA%\\clinic-handout\\handout-data`` on Windows, ``~/.local/share/clinic-handout/
handout-data`` elsewhere). It is never inside the content folder: the content's fingerprint would
change with every handout, and a copied or shared content folder would carry the patients with it.
On POSIX the folder is made 0700 and the file 0600 (SQLite gives its -wal and -shm files the same).

What one handout's entry holds (and nothing else): when it was made and by what (``build``,
``batch``, ``send``, ``new``, ``desk``); the patient's name exactly as typed; the prescription as
checked, in the prescription file's own fields (patient name and email, date, practitioner, area,
stretches with doses and sides, note, large print, tick-sheet days, next visit); the stretches and
doses as printed; a fingerprint of the content folder's files; the file name; the PDF's SHA-256 and
its bytes (kept once per distinct PDF), its page count, and the large-print and tick-sheet flags.
Each mail: when, the address, the attachment's name and SHA-256, whether it was encrypted, the
outcome (``sent``, ``failed`` with the reason, or ``eml``: written to a mail file, not sent by this
tool), the Message-ID and a refused archive copy (bcc).

The API a front end calls (all writes are one short transaction each)::

    history = History.open(data_dir, content_folder=folder)   # creates and upgrades the file
    entry_id = history.record_build(content=..., prescription=..., handout=..., pdf=...,
                                    origin="desk", file_name="2026-11-25_山田花子.pdf")
    history.record_send(entry_id, address=..., attachment_name=..., attachment=pdf_bytes,
                        outcome="sent", message_id="<…@clinic>")       # or outcome="failed", reason=...
    history.search("山田")        # -> [Entry], newest first; part of the name as typed, kanji or kana,
                                  #    full-width/half-width, spaces and katakana/hiragana ignored
    history.get(entry_id)         # -> Entry (with its sends)
    history.pdf(entry_id)         # -> the very bytes that were handed out (checked against the SHA-256)
    history.other_addresses("山田 花子", "new@example.com")   # -> addresses this patient had before
    history.names_for_address("ichiro@example.com", "山田 花子")  # -> other patients mailed there
    history.entries_of("山田 花子"); history.forget("山田 花子")  # a patient's entries; delete them
    history.backup(Path("backup.sqlite3"))                     # a consistent copy while others write
    history.close()

Every failure (a read-only folder, a full disk, a file locked past the busy timeout, a damaged or
foreign file, a history made by a newer version) is a HistoryError whose message says what
happened in Japanese first and names the file, never a patient. A caller that has already built or
sent something catches it and reports it beside the truthful outcome: a failing history never
turns a sent mail into an unsent one.

Several processes (the CLI and the desk) may use the file at once: WAL journal, a busy timeout,
and every write in a ``BEGIN IMMEDIATE`` transaction, so a writer waits its turn instead of failing
half-way. The schema is versioned by ``PRAGMA user_version``; a new file and an old one go through
the same steps of MIGRATIONS, so the upgrade path is the one every fresh file takes.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import sqlite3
import stat
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import HandoutError

FILE_NAME = "history.sqlite3"
DATA_FOLDER_NAME = "handout-data"
APPLICATION_ID = 0x48414E44  # "HAND": PRAGMA application_id, so a foreign SQLite file is refused, not altered
BUSY_TIMEOUT_S = 15.0  # a writer waits this long for another process's transaction (each is milliseconds)
ORIGINS = ("build", "batch", "send", "new", "desk")
OUTCOMES = ("sent", "failed", "eml")


def _row_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made."""
    assert cursor.lastrowid is not None
    return cursor.lastrowid


class HistoryError(HandoutError):
    """The history could not be read or written; the message is Japanese first and names no patient."""


class NoHistory(HistoryError):
    """There is no history file yet (opened with create=False)."""


# -- where -------------------------------------------------------------------------------------

def user_data_folder() -> Path:
    """The user's own data folder, for the built-in sample content (nothing is written into the package)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "clinic-handout" / DATA_FOLDER_NAME


def data_folder(option: str | os.PathLike | None, content_folder: Path | None) -> Path:
    """--data, else $HANDOUT_DATA, else handout-data beside the content folder (the user's data folder
    for the built-in sample)."""
    if option:
        return Path(option)
    if os.environ.get("HANDOUT_DATA"):
        return Path(os.environ["HANDOUT_DATA"])
    from .resources import sample_content_dir

    if content_folder is None or Path(content_folder).resolve() == sample_content_dir().resolve():
        return user_data_folder()
    return Path(content_folder).resolve().parent / DATA_FOLDER_NAME


def content_fingerprint(folder: Path) -> str:
    """sha256 over the content folder's files (relative path and bytes, in path order): two handouts with
    the same fingerprint were made from the same texts, stretches, pictures and settings. The patients/
    folder (prescriptions, not content), hidden files and __pycache__ are left out."""
    folder = Path(folder)
    signature = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        parts = relative.parts
        if parts[0] == "patients" or any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        if path.is_file():
            st = path.stat()
            signature.append((relative.as_posix(), st.st_size, st.st_mtime_ns))
    key = (str(folder.resolve()), tuple(signature))
    if key not in _fingerprints:
        digest = hashlib.sha256()
        for name, _, _ in signature:
            data = (folder / name).read_bytes()
            digest.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
        _fingerprints[key] = "sha256:" + digest.hexdigest()
    return _fingerprints[key]


_fingerprints: dict[tuple, str] = {}


def name_key(name: str) -> str:
    """The name as search compares it: NFKC (full-width ＡＢ and half-width ｶﾅ as the usual letters),
    no spaces, no variation selectors, katakana as hiragana, case folded. Never stored in place of
    the name: only beside it."""
    text = unicodedata.normalize("NFKC", name)
    out = []
    for char in text:
        code = ord(char)
        if char.isspace() or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
            continue
        if 0x30A1 <= code <= 0x30F6:  # ァ..ヶ → ぁ..ゖ
            char = chr(code - 0x60)
        out.append(char)
    return "".join(out).casefold()


# -- what comes back ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Send:
    """One mail of a handout: what the tool did, as it happened."""

    id: int
    at: str  # ISO 8601 local time with its offset
    address: str
    attachment_name: str
    attachment_sha256: str
    encrypted: bool
    outcome: str  # sent | failed | eml
    reason: str | None
    message_id: str | None
    bcc_refused: str | None


@dataclass(frozen=True)
class PrintedStretch:
    """A stretch as the handout printed it."""

    id: str | None
    title: str
    dose: str  # 15秒 × 5回 ・ 1日2セット
    detail: str  # 左右それぞれ5回で1セット
    side: str | None


@dataclass(frozen=True)
class Entry:
    """One handout that was built (and maybe sent)."""

    id: int
    made_at: str  # ISO 8601 local time with its offset
    origin: str
    patient_name: str  # exactly as typed
    handout_date: dt.date
    prescription: dict  # the prescription file's fields, as checked (re-issue: a new date, checked again)
    stretches: tuple[PrintedStretch, ...]
    content_fingerprint: str
    file_name: str | None
    pdf_sha256: str
    pdf_size: int
    pages: int
    large_print: bool
    tick_sheet: bool
    sends: tuple[Send, ...]

    @property
    def pdf_name(self) -> str:
        """The name the PDF was written or attached under (or one made from the date and the number)."""
        return self.file_name or f"{self.handout_date.isoformat()}_{self.id}.pdf"

    @property
    def sent_to(self) -> tuple[str, ...]:
        """The addresses a mail really went to (outcome sent), in order."""
        return tuple(dict.fromkeys(s.address for s in self.sends if s.outcome == "sent"))


# -- the schema and its versions ---------------------------------------------------------------

def _create_v1(db: sqlite3.Connection) -> None:
    for statement in (
        """CREATE TABLE pdfs (
             sha256 TEXT PRIMARY KEY,
             bytes BLOB NOT NULL)""",
        """CREATE TABLE handouts (
             id INTEGER PRIMARY KEY,
             made_at TEXT NOT NULL,
             origin TEXT NOT NULL,
             patient_name TEXT NOT NULL,
             handout_date TEXT NOT NULL,
             prescription TEXT NOT NULL,
             stretches TEXT NOT NULL,
             content_fingerprint TEXT NOT NULL,
             file_name TEXT,
             pdf_sha256 TEXT NOT NULL REFERENCES pdfs(sha256),
             pages INTEGER NOT NULL,
             large_print INTEGER NOT NULL,
             tick_sheet INTEGER NOT NULL)""",
        """CREATE TABLE sends (
             id INTEGER PRIMARY KEY,
             handout_id INTEGER NOT NULL REFERENCES handouts(id) ON DELETE CASCADE,
             at TEXT NOT NULL,
             address TEXT NOT NULL,
             attachment_name TEXT NOT NULL,
             attachment_sha256 TEXT NOT NULL,
             encrypted INTEGER NOT NULL,
             outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'failed', 'eml')),
             reason TEXT,
             message_id TEXT,
             bcc_refused TEXT)""",
        "CREATE INDEX sends_by_handout ON sends(handout_id)",
    ):
        db.execute(statement)


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """v2: the search key beside each name (version 1 compared names in Python, row by row)."""
    db.execute("ALTER TABLE handouts ADD COLUMN name_key TEXT NOT NULL DEFAULT ''")
    rows = db.execute("SELECT id, patient_name FROM handouts").fetchall()
    db.executemany("UPDATE handouts SET name_key = ? WHERE id = ?", [(name_key(name), id_) for id_, name in rows])
    db.execute("CREATE INDEX handouts_by_name ON handouts(name_key)")


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """v3: an index on the PDF's SHA-256 (record_build looks for the same handout, forget for PDFs no
    entry uses; a year of a busy clinic is ten thousand entries)."""
    db.execute("CREATE INDEX handouts_by_pdf ON handouts(pdf_sha256)")


# MIGRATIONS[n] takes a file from version n to n + 1; a new file starts at 0.
MIGRATIONS = (_create_v1, _v1_to_v2, _v2_to_v3)
VERSION = len(MIGRATIONS)


# -- the database ------------------------------------------------------------------------------

def _reason(error: BaseException) -> str:
    """A failure of the file, in words the front desk can act on (never the data that was written)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return ("ほかのプログラムが使用中で、待っても書けませんでした。しばらくしてからもう一度 "
                f"(locked by another program for more than {BUSY_TIMEOUT_S:.0f} s)")
    if name.startswith("SQLITE_FULL"):
        return "ディスクがいっぱいです。空きを作ってください (the disk is full)"
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")):
        return "書き込めません。フォルダの権限と空きを確かめてください (read-only, or no permission)"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return ("ファイルが壊れているか、履歴のファイルではありません。バックアップから戻してください "
                "(damaged, or not a handout history)")
    if isinstance(error, OSError):
        return f"ファイルを開けません (cannot open: {error.strerror or type(error).__name__})"
    return f"履歴のファイルを読み書きできません ({name or type(error).__name__})"


class History:
    """One open history file. Not shared between threads: each thread or process opens its own."""

    def __init__(self, path: Path, db: sqlite3.Connection):
        self.path, self._db = path, db
        self.traces_left = False  # after forget(): old copies still in the -wal file while another program reads

    # opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, data_dir: Path, *, content_folder: Path | None = None, create: bool = True) -> History:
        """Opens (and, with create, makes) data_dir/history.sqlite3 and brings it to this version.

        Raises HistoryError when data_dir is inside the content folder, the file cannot be made or
        read, it is not a handout history, or a newer version of the tool made it; NoHistory when
        create is False and there is no file yet."""
        from .deliver import check_target, inside

        data_dir = Path(data_dir)
        path = data_dir / FILE_NAME
        if content_folder is not None and Path(content_folder).is_dir() and inside(data_dir, content_folder):
            raise HistoryError(f"{data_dir}: 履歴のフォルダ (--data) は内容フォルダ {content_folder} の外に"
                               "してください。内容フォルダを配ったりコピーしたりすると、"
                               "患者さんの記録も一緒に渡ってしまいます "
                               "(the data folder must be outside the content folder)")
        try:
            check_target(path)  # never through a symbolic link, never a folder or device
        except HandoutError as error:
            raise HistoryError(f"履歴 (history) {error}") from None
        if not path.exists():
            if not create:
                raise NoHistory(f"まだ履歴はありません (no history yet): {path}")
            try:
                data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
                os.close(fd)
            except FileExistsError:
                pass  # another process made it a moment ago
            except OSError as error:
                raise HistoryError(f"履歴のファイルを作れません (cannot create the history) {path}: "
                                   f"{_reason(error)}") from None
        try:
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=True)
        except sqlite3.Error as error:
            raise HistoryError(f"履歴を開けません (cannot open the history) {path}: {_reason(error)}") from None
        history = cls(path, db)
        try:
            history._prepare()
        except BaseException:
            db.close()
            raise
        return history

    def _prepare(self) -> None:
        db = self._db
        try:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            version, app, tables = self._versions()
            if version > VERSION:
                raise HistoryError(f"{self.path}: この履歴は新しい版の handout で作られています（版 {version}、"
                                   f"この handout は版 {VERSION} まで）。handout を更新してください。"
                                   "ファイルには触れていません "
                                   "(made by a newer version; update handout; the file was not changed)")
            if _foreign(app, tables):
                raise HistoryError(f"{self.path}: 履歴のファイルではありません（別のプログラムの SQLite ファイル）。"
                                   "触れていません (not a handout history; the file was not changed)")
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                self._into_wal()
            db.execute("PRAGMA synchronous = FULL")  # a recorded send survives a power cut
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA secure_delete = ON")  # forgotten entries are overwritten, not left in free pages
            if version < VERSION:
                self._migrate()
        except sqlite3.Error as error:
            raise HistoryError(f"履歴を開けません (cannot open the history) {self.path}: {_reason(error)}") from None

    def _into_wal(self) -> None:
        """PRAGMA journal_mode = WAL, once per file. When two programs switch a new or version-1 file at
        the same moment, SQLite answers one of them SQLITE_BUSY at once, without the busy timeout (two
        connections holding a shared lock and both wanting the exclusive one would wait for each other
        for ever): so this waits a little and tries again, within the timeout."""
        import random
        import time

        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                busy = (getattr(error, "sqlite_errorname", "") or "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(random.uniform(0.005, 0.05))

    def _versions(self) -> tuple[int, int, bool]:
        """(user_version, application_id, whether it has tables), read in one snapshot: another program
        may be making the tables and setting the ids in this very moment."""
        db = self._db
        outside = not db.in_transaction
        if outside:
            db.execute("BEGIN")
        try:
            return (db.execute("PRAGMA user_version").fetchone()[0], db.execute("PRAGMA application_id").fetchone()[0],
                    db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0)
        finally:
            if outside:
                db.execute("COMMIT")

    def _migrate(self) -> None:
        """Each step of MIGRATIONS from the file's version to this one, all in one transaction: a file
        is at one version or the next, never between; two processes upgrading at once take turns."""
        with self._write() as db:
            version, app, tables = self._versions()  # again, under the lock
            if version > VERSION:
                raise HistoryError(f"{self.path}: この履歴は新しい版の handout で作られています "
                                   "(made by a newer version; update handout)")
            if _foreign(app, tables):
                raise HistoryError(f"{self.path}: 履歴のファイルではありません (not a handout history)")
            for step in MIGRATIONS[version:]:
                step(db)
            db.execute(f"PRAGMA user_version = {VERSION}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    @property
    def version(self) -> int:
        return self._versions()[0]

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE: a second writer waits, never
        deadlocks half-way); rolled back on any error."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _failed(self, doing: str, error: BaseException) -> HistoryError:
        return HistoryError(f"履歴に{doing}できませんでした ({self.path}): {_reason(error)}")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    # writing ------------------------------------------------------------------------------
    def record_build(self, *, content, prescription, handout, pdf: bytes, origin: str,
                     file_name: str | None = None) -> int:
        """Records one handout made from prescription with content (a Prescription, the Handout it
        composed to, the PDF bytes as written or attached); returns its id.

        The same PDF (the same bytes) for the same name under the same file name is the same handout: a
        re-run of build or batch, or `handout send` of what `handout build` made, returns the entry
        already there, so its mails are listed with it and the history shows each handout once."""
        if origin not in ORIGINS:
            raise ValueError(f"origin must be one of {ORIGINS}")
        from .ruby import plain

        chosen = prescription.stretches
        ids = [s.id for s in chosen] if chosen is not None else list(content.default_selection(prescription.area))
        sides = [s.side for s in chosen] if chosen is not None else [None] * len(ids)
        printed = [{"id": ids[i] if i < len(ids) else None, "title": plain(card.title), "dose": card.dose_line,
                    "detail": card.dose_detail, "side": sides[i] if i < len(sides) else None}
                   for i, card in enumerate(handout.cards)]
        digest = hashlib.sha256(pdf).hexdigest()
        row = (now(), origin, prescription.patient.name, name_key(prescription.patient.name),
               handout.date.isoformat(), json.dumps(prescription_fields(prescription), ensure_ascii=False),
               json.dumps(printed, ensure_ascii=False), content_fingerprint(content.folder), file_name, digest,
               _pages(pdf), int(handout.large_print), int(bool(handout.checklist_dates)))
        try:
            with self._write() as db:
                same = db.execute("SELECT id FROM handouts WHERE pdf_sha256 = ? AND patient_name = ?"
                                  " AND file_name IS ? ORDER BY id DESC LIMIT 1",
                                  (digest, prescription.patient.name, file_name)).fetchone()
                if same:
                    return same[0]
                db.execute("INSERT OR IGNORE INTO pdfs (sha256, bytes) VALUES (?, ?)", (digest, pdf))
                cursor = db.execute(
                    "INSERT INTO handouts (made_at, origin, patient_name, name_key, handout_date, prescription,"
                    " stretches, content_fingerprint, file_name, pdf_sha256, pages, large_print, tick_sheet)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                return _row_id(cursor)
        except sqlite3.Error as error:
            raise self._failed("記録", error) from None

    def record_send(self, handout_id: int, *, address: str, attachment_name: str, attachment: bytes,
                    outcome: str, reason: str | None = None, message_id: str | None = None,
                    encrypted: bool = False, bcc_refused: str | None = None) -> int:
        """Records one mail of handout handout_id as it happened; returns its id."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        row = (handout_id, now(), address, attachment_name, hashlib.sha256(attachment).hexdigest(), int(encrypted),
               outcome, reason, message_id, bcc_refused)
        try:
            with self._write() as db:
                return _row_id(db.execute(
                    "INSERT INTO sends (handout_id, at, address, attachment_name, attachment_sha256, encrypted,"
                    " outcome, reason, message_id, bcc_refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row))
        except sqlite3.IntegrityError:
            raise HistoryError(f"履歴に {handout_id} 番はありません (no entry {handout_id}; deleted?)") from None
        except sqlite3.Error as error:
            raise self._failed("記録", error) from None

    def forget(self, patient_name: str) -> int:
        """Deletes every entry of this patient (the same name_key: spaces and width aside, the same
        name) with its mails and PDFs no other entry shares; returns how many entries went. The
        deleted pages are overwritten (secure_delete) and the journal emptied when no one reads."""
        key = name_key(patient_name)
        if not key:
            return 0
        try:
            with self._write() as db:
                count = db.execute("DELETE FROM handouts WHERE name_key = ?", (key,)).rowcount
                db.execute("DELETE FROM pdfs WHERE sha256 NOT IN (SELECT pdf_sha256 FROM handouts)")
            busy = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as error:
            raise self._failed("書き込み", error) from None
        # Another program reading the file (the desk) keeps the journal from being emptied now; SQLite
        # empties it when the last program closes the file.
        self.traces_left = bool(busy)
        return count

    def backup(self, target: Path) -> Path:
        """A consistent copy of the whole history in one file (SQLite's online backup: others may go on
        writing). Written beside target and renamed: never half a file; 0600 like the history."""
        import tempfile

        from .deliver import check_target

        target = Path(target)
        check_target(target)
        if target.exists() and os.path.samefile(target, self.path):
            raise HistoryError(f"{target}: 履歴そのものです。別の名前にしてください (that is the history itself)")
        try:
            fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        except OSError as error:
            raise HistoryError(f"{target}: 保存できません (cannot write: {error.strerror})") from None
        os.close(fd)
        try:
            copy = sqlite3.connect(temporary)
            try:
                self._db.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")  # one file, nothing beside it
            finally:
                copy.close()
            os.chmod(temporary, stat.S_IRUSR | stat.S_IWUSR)
            os.replace(temporary, target)
        except (sqlite3.Error, OSError) as error:
            Path(temporary).unlink(missing_ok=True)
            raise HistoryError(f"{target}: バックアップできませんでした (backup failed): {_reason(error)}") from None
        return target

    # reading ------------------------------------------------------------------------------
    def search(self, name_part: str = "", limit: int | None = 200) -> list[Entry]:
        """Entries whose name contains name_part (compared by name_key), newest first; all with ""."""
        return self._entries("instr(h.name_key, ?) > 0", (name_key(name_part),), limit)

    def entries_of(self, patient_name: str) -> list[Entry]:
        """The entries forget(patient_name) deletes: this name, spaces and width aside; newest first."""
        return self._entries("h.name_key = ?", (name_key(patient_name),))

    def get(self, entry_id: int) -> Entry:
        found = self._entries("h.id = ?", (int(entry_id),))
        if not found:
            raise HistoryError(f"履歴に {entry_id} 番はありません (no entry {entry_id}): "
                               "handout history で番号を確かめてください (see handout history for the numbers)")
        return found[0]

    def pdf(self, entry_id: int) -> bytes:
        """The PDF exactly as it was handed out; a stored copy that no longer matches its SHA-256 is refused."""
        entry = self.get(entry_id)
        try:
            row = self._db.execute("SELECT bytes FROM pdfs WHERE sha256 = ?", (entry.pdf_sha256,)).fetchone()
        except sqlite3.Error as error:
            raise self._failed("読み込み", error) from None
        data = bytes(row[0]) if row else b""
        if hashlib.sha256(data).hexdigest() != entry.pdf_sha256:
            raise HistoryError(f"履歴の {entry_id} 番の PDF が壊れています。出力しません "
                               "(the stored PDF does not match its SHA-256; nothing was written)")
        return data

    def other_addresses(self, patient_name: str, address: str) -> list[str]:
        """Other addresses this patient (the same name_key) had: mails sent or written, and emails in
        earlier prescriptions; compared without case. For the desk's mis-send guard."""
        key, mine = name_key(patient_name), address.strip().lower()
        try:
            sent = self._db.execute(
                "SELECT s.address FROM sends s JOIN handouts h ON h.id = s.handout_id"
                " WHERE h.name_key = ? AND s.outcome IN ('sent', 'eml') ORDER BY s.id", (key,)).fetchall()
            given = self._db.execute("SELECT json_extract(prescription, '$.patient.email') FROM handouts"
                                     " WHERE name_key = ? ORDER BY id", (key,)).fetchall()
        except sqlite3.Error as error:
            raise self._failed("読み込み", error) from None
        found: dict[str, str] = {}
        for (other,) in [*sent, *given]:
            if other and other.lower() != mine:
                found.setdefault(other.lower(), other)
        return list(found.values())

    def names_for_address(self, address: str, patient_name: str = "") -> list[str]:
        """The OTHER patients (another name_key than patient_name's) this address was mailed to or written
        for (a mail sent or written, an email in a prescription), as their names were typed, oldest first:
        one address for two patients is the classic wrong-person slip. The domain is compared without case
        (RFC 5321) and so is the part before @ (no mail service in Japan tells them apart; a warning too
        many costs less than a missed one). Staff see these names on the desk's confirmation; they are
        never logged."""
        mine, wanted = name_key(patient_name), _address_key(address)
        if not wanted:
            return []
        try:
            sent = self._db.execute(
                "SELECT h.patient_name, h.name_key FROM sends s JOIN handouts h ON h.id = s.handout_id"
                " WHERE lower(trim(s.address)) = ? AND s.outcome IN ('sent', 'eml') ORDER BY s.id",
                (wanted,)).fetchall()
            given = self._db.execute(
                "SELECT patient_name, name_key FROM handouts"
                " WHERE lower(trim(json_extract(prescription, '$.patient.email'))) = ? ORDER BY id",
                (wanted,)).fetchall()
        except sqlite3.Error as error:
            raise self._failed("読み込み", error) from None
        found: dict[str, str] = {}
        for name, key in [*sent, *given]:
            if key != mine:
                found.setdefault(key, name)
        return list(found.values())

    def _entries(self, where: str, parameters: tuple, limit: int | None = None) -> list[Entry]:
        """The entries (with their mails) of one WHERE clause over handouts h, newest first, read in one snapshot."""
        sql = (f"SELECT h.*, length(p.bytes) FROM handouts h JOIN pdfs p ON p.sha256 = h.pdf_sha256 WHERE {where}"
               " ORDER BY h.id DESC" + (f" LIMIT {int(limit)}" if limit else ""))
        db = self._db
        try:
            db.execute("BEGIN")
            try:
                cursor = db.execute(sql, parameters)
                columns = [c[0] for c in cursor.description]
                rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
                sends: dict[int, list[Send]] = {}
                ids = [r["id"] for r in rows]
                if ids:
                    marks = ",".join("?" * len(ids))
                    for row in db.execute("SELECT handout_id, id, at, address, attachment_name, attachment_sha256,"
                                          " encrypted, outcome, reason, message_id, bcc_refused FROM sends"
                                          f" WHERE handout_id IN ({marks}) ORDER BY id", ids):
                        sends.setdefault(row[0], []).append(Send(
                            id=row[1], at=row[2], address=row[3], attachment_name=row[4], attachment_sha256=row[5],
                            encrypted=bool(row[6]), outcome=row[7], reason=row[8], message_id=row[9],
                            bcc_refused=row[10]))
            finally:
                db.execute("COMMIT")
        except sqlite3.Error as error:
            raise self._failed("読み込み", error) from None
        return [Entry(id=r["id"], made_at=r["made_at"], origin=r["origin"], patient_name=r["patient_name"],
                      handout_date=dt.date.fromisoformat(r["handout_date"]), prescription=json.loads(r["prescription"]),
                      stretches=tuple(PrintedStretch(**s) for s in json.loads(r["stretches"])),
                      content_fingerprint=r["content_fingerprint"], file_name=r["file_name"],
                      pdf_sha256=r["pdf_sha256"], pdf_size=r["length(p.bytes)"], pages=r["pages"],
                      large_print=bool(r["large_print"]), tick_sheet=bool(r["tick_sheet"]),
                      sends=tuple(sends.get(r["id"], ()))) for r in rows]


ORIGIN_WORDS = {"build": "build", "batch": "一括 (batch)", "send": "メール (send)", "new": "質問 (new)",
                "desk": "受付画面 (desk)"}
OUTCOME_WORDS = {"sent": "送信 (sent)", "failed": "送れず (failed)", "eml": "メールファイル (eml, not sent)"}


def entry_lines(entry: Entry) -> list[str]:
    """One entry as the CLI prints it: a head line (番号, 日時, お名前, what) and the stretches and mails."""
    made = entry.made_at[:16].replace("T", " ")
    flags = [f"{entry.pages}ページ"] + (["大きな文字"] if entry.large_print else []) + (
        ["記録表"] if entry.tick_sheet else [])
    dated = "" if entry.made_at.startswith(entry.handout_date.isoformat()) else f"  日付 {entry.handout_date}"
    lines = [f"{entry.id:>5}  {made}  {entry.patient_name} 様{dated}  "
             f"（{ORIGIN_WORDS.get(entry.origin, entry.origin)}、{'、'.join(flags)}）"]
    for number, stretch in enumerate(entry.stretches, start=1):
        lines.append(f"{'':7}{number}. {stretch.title}　{stretch.dose}（{stretch.detail}）")
    for send in entry.sends:
        said = OUTCOME_WORDS.get(send.outcome, send.outcome)
        locked = "、パスワード付き" if send.encrypted else ""
        tail = f"  {send.message_id}" if send.message_id and send.outcome == "sent" else ""
        reason = f"  理由: {send.reason}" if send.reason else ""
        lines.append(f"{'':7}{said}: {send.address}  {send.at[:16].replace('T', ' ')}"
                     f"  添付 {send.attachment_name}{locked}{tail}{reason}")
        if send.bcc_refused:
            lines.append(f"{'':9}控え (bcc) は届いていません: {send.bcc_refused}")
    if not entry.sends:
        lines.append(f"{'':7}メールなし (not mailed)")
    return lines


def _foreign(app: int, tables: bool) -> bool:
    """Another program's SQLite file: its own application id, or tables without ours."""
    return app not in (0, APPLICATION_ID) or (app == 0 and tables)


def _address_key(address: str | None) -> str:
    """An address as names_for_address compares it: trimmed, without case (ASCII, as SQLite's lower())."""
    text = (address or "").strip()
    return "".join(c.lower() if c.isascii() else c for c in text)


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


# The one page tree ReportLab writes: << /Count n /Kids [ 2 0 R 3 0 R ... ] /Type /Pages >> (keys sorted).
REPORTLAB_PAGE_TREE = re.compile(rb"\d+ 0 obj\n<<\n/Count (\d+) /Kids \[[^\]]*\] /Type /Pages\n>>\nendobj\n")


PAGE_TREE_END = b"] /Type /Pages\n>>\nendobj\n"  # how every match of REPORTLAB_PAGE_TREE ends, its only "]"s


def _page_trees(pdf: bytes) -> list[bytes]:
    """REPORTLAB_PAGE_TREE.findall(pdf), without running the pattern over the whole file (about 1.5 ms for a
    handout: a batch's history counts 500 of them after the last PDF is written). A match ends with
    PAGE_TREE_END; when that occurs once, there is at most one match, and it lies after the last "]" before it
    (nothing else in a match may be a "]"), so searching from there finds the same match, or none."""
    if pdf.count(PAGE_TREE_END) != 1:
        return REPORTLAB_PAGE_TREE.findall(pdf)
    end = pdf.find(PAGE_TREE_END)
    match = REPORTLAB_PAGE_TREE.search(pdf, pdf.rfind(b"]", 0, end) + 1)
    return [match.group(1)] if match else []


def _pages(pdf: bytes) -> int:
    """How many pages a PDF has. A file as ReportLab wrote it (every handout we make) says so in its one
    page tree, read here without pypdf, whose import is about a tenth of a cold `handout build`: when
    the file is ReportLab's own (its header, one page tree, one end of file, so no later update). Any
    other PDF is counted by pypdf."""
    if pdf.startswith(b"%PDF-1.4\n%\x93\x8c\x8b\x9e ReportLab Generated PDF document") and pdf.count(b"%%EOF") == 1:
        trees = _page_trees(pdf)
        if len(trees) == 1:
            return int(trees[0])
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def prescription_fields(prescription) -> dict:
    """A Prescription as the prescription file's fields (what was given; unset fields left out)."""
    def iso(day):
        return day.isoformat() if day else None

    patient = {"name": prescription.patient.name}
    if prescription.patient.email:
        patient["email"] = prescription.patient.email
    fields = {"patient": patient, "date": iso(prescription.date), "practitioner": prescription.practitioner,
              "area": prescription.area}
    if prescription.stretches is not None:
        fields["stretches"] = [{k: v for k, v in (("id", s.id), ("hold_seconds", s.hold_seconds), ("reps", s.reps),
                                                  ("sets_per_day", s.sets_per_day), ("side", s.side), ("note", s.note))
                                if v is not None} for s in prescription.stretches]
    fields.update(note=prescription.note, large_print=prescription.large_print or None,
                  checklist_days=prescription.checklist_days, next_visit=iso(prescription.next_visit))
    return {k: v for k, v in fields.items() if v is not None}
