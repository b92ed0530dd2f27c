"""Reading an input file safely: a regular file of a sane size, read without trusting its size or type.

A FIFO, /dev/zero, a directory or a 2 GB file given by mistake is refused at once, without reading
it all (or blocking on it); a UTF-16 file (Windows Notepad's "Unicode") is named as such.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError, Problem

MB = 1024 * 1024
YAML_LIMIT = 1 * MB  # a prescription or a content file; the sample's largest is 20 KB
CSV_LIMIT = 10 * MB  # a day's CSV; 10 MB is tens of thousands of rows
PDF_LIMIT = 20 * MB  # a handout given to `send --pdf`; a handout is about 200 KB
IMAGE_LIMIT = 20 * MB  # a clinic's photo

_KINDS = {stat.S_ISDIR: "フォルダ (a folder)", stat.S_ISFIFO: "名前付きパイプ (a FIFO)",
          stat.S_ISCHR: "デバイス (a device such as /dev/zero)", stat.S_ISBLK: "デバイス (a block device)",
          stat.S_ISSOCK: "ソケット (a socket)"}


def _problem(path: Path, found: str, expected: str) -> InputError:
    return InputError([Problem(Path(path), None, "", found, expected)])


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputError otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO with no writer does not wait
    except FileNotFoundError:
        raise _problem(path, "ファイルがありません (no such file)", "存在するファイル (an existing file)") from None
    except IsADirectoryError:
        raise _problem(path, _KINDS[stat.S_ISDIR], "ファイル (a file)") from None
    except OSError as exc:
        raise _problem(path, f"読めません (cannot read: {exc.strerror})", "読めるファイル (a readable file)") from None
    try:
        mode = os.fstat(fd).st_mode
        for test, kind in _KINDS.items():
            if test(mode):
                raise _problem(path, kind, "ふつうのファイル (a regular file)")
        if os.fstat(fd).st_size > limit:
            raise _too_big(path, limit)
        chunks, size = [], 0
        while size <= limit:  # the size said may be wrong (a file still growing, /proc): read at most limit + 1
            chunk = os.read(fd, min(1 * MB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _too_big(path, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise _problem(path, f"読めません (cannot read: {exc.strerror})", "読めるファイル (a readable file)") from None
    finally:
        os.close(fd)


def _too_big(path: Path, limit: int) -> InputError:
    return _problem(path, f"{limit // MB} MB より大きいファイル (larger than {limit // MB} MB)",
                    f"{limit // MB} MB までのファイル (a file of at most {limit // MB} MB: is it the right file?)")


def utf16(raw: bytes) -> bool:
    """A UTF-16 file (with a byte-order mark, or without one: then ASCII letters come with NUL bytes)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = raw[:4096]
    return len(sample) >= 2 and sample.count(b"\x00") * 4 >= len(sample)  # a stray NUL is a character problem


UTF16_FOUND = "UTF-16 のファイル (a UTF-16 file, e.g. Notepad's \"Unicode\")"
