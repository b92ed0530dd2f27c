"""Puts finished bytes where the user asked: whole or not at all, and never over something given.

The rules every command's output paths follow (README, "What the tool refuses"):
- an output is never an input of the same command, nor another output of it (exit 2);
- an output is never written onto a device, a FIFO, a folder or through a symbolic link (exit 2);
- a regular file already there is replaced only when its bytes are the same (a re-run) or when the
  user said --overwrite; otherwise the command refuses and suggests --overwrite.
"""
from __future__ import annotations

import contextlib
import filecmp
import glob
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import HandoutError, OutputRefused


def same_file(a: Path, b: Path) -> bool:
    """The same file: one path resolved (symbolic links, `..`) equals the other, or a hard link to it."""
    if os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b)):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def inside(path: Path, folder: Path) -> bool:
    """path lies in folder or any folder below it (symbolic links and `..` resolved)."""
    return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(folder)))


def check_outputs(outputs: dict[str, Path | None], inputs: dict[str, Path | Iterable[Path] | None]) -> None:
    """Refuses (OutputRefused, exit 2) an output that is an input or another output of the same command.

    outputs and inputs map the option that named a path (`-o`, `--merge`, `prescription`) to it;
    an input may also be several paths (the files of a folder)."""
    given = [(option, Path(path)) for option, path in outputs.items() if path is not None]
    read = []
    for option, paths in inputs.items():
        if paths is None:
            continue
        for path in [paths] if isinstance(paths, (str, os.PathLike)) else paths:
            read.append((option, Path(path)))
    for i, (option, path) in enumerate(given):
        for other, source in read:
            if same_file(path, source):
                raise OutputRefused(f"{option} {path} は入力の {other} {source} と同じファイルです。何も書いていません "
                                    f"(the output {path} is the input {source}: it would be destroyed; "
                                    "nothing was written. Choose another output name)")
        for other, second in given[i + 1:]:
            if same_file(path, second):
                raise OutputRefused(f"{option} と {other} が同じファイル {path} です。何も書いていません "
                                    f"({option} and {other} name the same file; nothing was written)")


def check_target(path: Path) -> None:
    """Refuses a path that is a symbolic link, a device, a FIFO, a folder or another non-regular file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise HandoutError(f"{path}: 保存できません (cannot write: {exc.strerror})") from exc
    if stat.S_ISLNK(mode):
        raise OutputRefused(f"{path} はシンボリックリンクです。リンク先を上書きしないよう、書いていません "
                            "(a symbolic link: nothing is written through it; choose another name)")
    if not stat.S_ISREG(mode):
        kind = "フォルダ (a folder)" if stat.S_ISDIR(mode) else "デバイスなど (a device, FIFO or socket)"
        raise OutputRefused(f"{path} は {kind} です。書いていません (not a regular file; nothing was written)")


def existing_differs(path: Path, data: bytes) -> bool:
    """A regular file is already at path with other bytes than data (a re-run writing the same bytes is not)."""
    check_target(path)
    try:
        if os.stat(path).st_size != len(data):
            return True
        return Path(path).read_bytes() != data
    except FileNotFoundError:
        return False


def refuse_existing(path: Path) -> OutputRefused:
    return OutputRefused(f"{path} は既にあり、中身が違います。上書きしていません。"
                         "置きかえるなら --overwrite を付けるか、"
                         f"-o で別の名前にしてください (the file exists with different contents and was not "
                         "replaced: add --overwrite to replace it, or choose another name with -o)")


def remove_stale_parts(folder: Path) -> list[Path]:
    """Removes the temporary files (.NAME.PID.XXXX.part) a killed run (SIGKILL, power cut) left in folder;
    those of a process still running are kept. Returns what was removed."""
    removed = []
    for part in Path(folder).glob(".*.part"):
        match = re.fullmatch(r"\..+\.(\d+)\.[^.]+\.part", part.name)
        if not match or _running(int(match[1])):
            continue
        with contextlib.suppress(OSError):
            part.unlink()
            removed.append(part)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # on Windows os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


def write_new(path: Path, data: bytes, overwrite: bool = False) -> Path:
    """write_atomically, but a different file already at path is replaced only with overwrite."""
    if not overwrite and existing_differs(path, data):
        raise refuse_existing(path)
    return write_atomically(path, data)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary_beside(path: Path) -> tuple[int, str]:
    """A new temporary file (.NAME.PID.XXXX.part) in path's folder, for a rename over path; path checked
    first: never through a symbolic link, never onto /dev/null or a FIFO."""
    check_target(path)
    folder = path.parent
    if not folder.is_dir():
        raise HandoutError(f"{path}: 保存先のフォルダがありません (the folder {folder} does not exist)")
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise HandoutError(f"{path}: 保存できません (cannot write in {folder}: {exc.strerror})") from exc


def _remove_temporary(path: Path, temporary: str | None) -> None:
    """Removes the temporary file of an interrupted write. A Ctrl-C or SIGTERM can land inside mkstemp after
    it made the file but before it said its name: then every .NAME.PID.*.part of this process goes."""
    if temporary is not None:
        Path(temporary).unlink(missing_ok=True)
        return
    with contextlib.suppress(OSError):
        for leftover in path.parent.glob(f".{glob.escape(path.name)}.{os.getpid()}.*.part"):
            leftover.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> Path:
    """Writes data to a temporary file beside path, then renames it over path.

    A failure leaves no file behind and an existing file at path untouched.
    """
    path = Path(path)
    temporary = None
    try:
        fd, temporary = _temporary_beside(path)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as exc:
        _remove_temporary(path, temporary)
        if isinstance(exc, OSError):
            raise HandoutError(f"{path}: 保存できません (cannot write: {exc.strerror})") from exc
        raise
    return path


class PartFile:
    """A file written in pieces to a temporary file beside path (write_atomically for what is made as it
    goes: the merged print file). commit() renames it over path; discard() removes it, and is harmless
    after commit. A different file at path is replaced only with overwrite."""

    def __init__(self, path: Path):
        self.path = Path(path)
        temporary = None
        try:
            fd, temporary = _temporary_beside(self.path)
            self.temporary = Path(temporary)
            self.file = os.fdopen(fd, "wb")
        except BaseException:
            _remove_temporary(self.path, temporary)
            raise

    def commit(self, overwrite: bool = False) -> Path:
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            check_target(self.path)
            if not overwrite and self.path.exists() and not filecmp.cmp(self.temporary, self.path, shallow=False):
                raise refuse_existing(self.path)
            os.chmod(self.temporary, 0o666 & ~_umask())
            os.replace(self.temporary, self.path)
        except OSError as exc:
            raise HandoutError(f"{self.path}: 保存できません (cannot write: {exc.strerror})") from exc
        finally:
            self.discard()
        return self.path

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        self.temporary.unlink(missing_ok=True)
