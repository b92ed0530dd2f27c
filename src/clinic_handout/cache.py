"""A small on-disk cache of pure, expensive results, so a new process (a `handout build`, a batch's worker)
need not work them out again: the parsed content files, the figures' label places and drawing operators,
the QR codes' operators.

Every entry is keyed by everything its result depends on: the exact input (the content file's bytes, a
figure's arguments, a QR code's address), this program's code (code_version: a SHA-256 of every module
of the package, not just its version number, so an edited or upgraded program never reads an old
result), and the versions of what else computes it (ReportLab, PyYAML, Python's marshal). A file holds its
own key and a SHA-256 of its data, and is written to a temporary file and renamed over the old one
(atomic; two processes at once each write a whole file, the last one stays). A missing, truncated,
edited, foreign or unreadable file is a miss: the result is worked out again and written again. A folder
that cannot be written to means no cache, never an error.

Values are plain data (marshal: str, bytes, numbers, tuples, lists, dicts; never code or objects). No
patient's data is ever put in it: only the content folder's files and the figures, which every handout of
the clinic shares.

Where: $HANDOUT_CACHE (a folder; `off` turns every cache off, the parsed fonts' too), else the user's cache
folder: %LOCALAPPDATA%\\clinic-handout on Windows, $XDG_CACHE_HOME/clinic-handout or
~/.cache/clinic-handout elsewhere.
"""
from __future__ import annotations

import contextlib
import marshal
import os
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

FORMAT = b"clinic-handout result cache 1\n"
MAX_FILES = 512  # a kind's folder: the files of a few content versions and figure sizes
MAX_BYTES = 32 * 1024 * 1024
OFF = ("0", "off", "no", "false")


def cache_root() -> Path | None:
    """The cache folder, or None when caching is turned off (HANDOUT_CACHE=off)."""
    setting = os.environ.get("HANDOUT_CACHE", "").strip()
    if setting.lower() in OFF:
        return None
    if setting:
        return Path(setting)
    try:
        if sys.platform == "win32":
            return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "clinic-handout"
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clinic-handout"
    except (RuntimeError, KeyError):  # no home folder known (a service, a user without one): no cache, no error
        return None


@cache
def code_version() -> str:
    """A SHA-256 of every module and data file of this package as installed: any edit or upgrade makes it
    differ (the version number alone would not change with an edit of an editable install)."""
    import hashlib

    digest = hashlib.sha256(b"python %d.%d marshal %d\n" % (*sys.version_info[:2], marshal.version))
    package = os.path.dirname(os.path.abspath(__file__))
    hashed = 0
    try:
        for folder, subfolders, names in os.walk(package):
            subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".yaml", ".json")):
                    with open(os.path.join(folder, name), "rb") as file:
                        digest.update(os.path.relpath(file.name, package).encode() + b"\0" + file.read() + b"\0")
                    hashed += name.endswith(".py")
    except OSError:  # a file of the program that cannot be read: a version no stored result has (no cache)
        return "unreadable " + os.urandom(16).hex()
    if not hashed:  # not a folder of files (a zip, a frozen build): the code is unknown, so nothing is reused
        return "unreadable " + os.urandom(16).hex()
    return digest.hexdigest()


def _file(kind: str, key: str) -> Path | None:
    import hashlib

    root = cache_root()
    if root is None:
        return None
    return root / "results" / kind / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".marshal")


def read(kind: str, key: str) -> Any | None:
    """The value stored for key, or None: no cache, no such entry, or one that is not whole and this key's."""
    try:
        path = _file(kind, key)
    except ValueError:  # a path the system cannot take (a NUL in HANDOUT_CACHE)
        return None
    payload = None if path is None else read_whole(path, FORMAT + key.encode() + b"\n")
    if payload is None:
        return None
    try:
        return marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None


def write(kind: str, key: str, value: Any) -> None:
    """Stores value for key (atomically); a folder that cannot be written to is left alone (no cache)."""
    try:
        path = _file(kind, key)
        if path is not None:
            write_whole(path, FORMAT + key.encode() + b"\n", marshal.dumps(value))
            evict(path.parent, MAX_FILES, MAX_BYTES, keep=path)
    except (OSError, ValueError):  # read-only, full, no such drive; ValueError: a value marshal cannot write
        return


# -- whole files (also the parsed fonts', fonts.py) --------------------------------------------------
def read_whole(path: Path, header: bytes) -> bytes | None:
    """The data of a file write_whole wrote with this header (its format and key), or None: missing,
    unreadable, another key's, cut short or changed (its SHA-256 differs)."""
    import hashlib

    try:
        data = path.read_bytes()
    except (OSError, ValueError):
        return None
    if not data.startswith(header) or len(data) < len(header) + 32:
        return None
    digest, payload = data[len(header):len(header) + 32], data[len(header) + 32:]
    return payload if hashlib.sha256(payload).digest() == digest else None


def write_whole(path: Path, header: bytes, payload: bytes) -> None:
    """header, a SHA-256 of payload, payload: written to a temporary file beside path and renamed over it, so
    a reader sees the old file or the new one, whole. Raises OSError."""
    import hashlib

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.part")
    try:
        partial.write_bytes(header + hashlib.sha256(payload).digest() + payload)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def evict(folder: Path, max_files: int, max_bytes: int, keep: Path | None = None) -> None:
    """Keeps a cache folder bounded: at most max_files .marshal files and max_bytes, the least recently
    used (oldest modified) going first; a crashed writer's leftovers after an hour."""
    entries = []
    for file in folder.iterdir():
        try:
            info = file.stat()
        except OSError:
            continue
        if file.name.endswith(".part"):
            if time.time() - info.st_mtime > 3600:  # a live writer renames within a second
                with contextlib.suppress(OSError):
                    file.unlink()
        elif file.suffix == ".marshal":
            entries.append((info.st_mtime, info.st_size, file))
    entries.sort(reverse=True)  # newest first
    total = 0
    for count, (_, size, file) in enumerate(entries, start=1):
        total += size
        if file != keep and (count > max_files or total > max_bytes):
            with contextlib.suppress(OSError):
                file.unlink()
