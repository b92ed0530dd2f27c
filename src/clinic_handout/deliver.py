"""Puts finished bytes where the user asked: whole or not at all."""
import os
import tempfile
from pathlib import Path

from .errors import HandoutError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes) -> Path:
    """Writes data to a temporary file beside path, then renames it over path.

    A failure leaves no file behind and an existing file at path untouched.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise HandoutError(f"{path}: 保存先のフォルダがありません (the folder {folder} does not exist)")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise HandoutError(f"{path}: 保存できません (cannot write in {folder}: {exc.strerror})") from exc
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise HandoutError(f"{path}: 保存できません (cannot write: {exc.strerror})") from exc
        raise
    return path
