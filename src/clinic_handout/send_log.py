"""send-log.jsonl in a batch's output folder: what was sent, so that a re-run sends only the rest."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path


class SendLog:
    """send-log.jsonl in the output folder: one line per attempt, flushed to disk before the next mail."""

    def __init__(self, path: Path):
        from .deliver import check_target

        check_target(path)  # never appended to through a symbolic link (names and addresses would land there)
        self.path = path
        self.sent: set[str] = set()
        self.skipped: list[int] = []  # line numbers that are not a log entry (said as a warning)
        if path.exists():
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    entry = None  # e.g. a line cut short by a crash: that mail is not known to be sent
                if not isinstance(entry, dict) or not isinstance(entry.get("key", ""), str):
                    if line.strip():
                        self.skipped.append(number)
                    continue
                if entry.get("outcome") == "sent" and entry.get("key"):
                    self.sent.add(entry["key"])

    def write(self, **entry) -> None:
        entry = {"time": dt.datetime.now().astimezone().isoformat(timespec="seconds"), **entry}
        # O_NOFOLLOW: a symbolic link put in its place after the check is refused, not followed.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            file.flush()
            os.fsync(file.fileno())
        if entry.get("outcome") == "sent":
            self.sent.add(entry["key"])


def send_key(filename: str, address: str, pdf: bytes) -> str:
    """What makes a send the same send: this handout (its bytes) to this address."""
    return f"{filename}|{address.lower()}|{hashlib.sha256(pdf).hexdigest()[:16]}"
