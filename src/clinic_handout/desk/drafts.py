"""Handouts being made at the desk, kept in memory only (never on disk until 保存): the form as typed,
its problems, and the PDF built from it, under a random id the browser's address holds.

Bounded (the oldest go first) and short-lived: a patient's data stays no longer than a working day in
this process, and not at all after the desk is closed.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from .engine import Built

LIMIT = 200  # a busy day's handouts, with room for retries
LIFETIME = 12 * 3600  # seconds


@dataclass
class Draft:
    form: dict[str, str]  # every field as typed (what the form shows again)
    problems: dict[str, list[str]] = field(default_factory=dict)  # field name → messages beside it
    general: list[str] = field(default_factory=list)  # problems with no field of their own
    built: Built | None = None
    saved: tuple[str, ...] = ()  # the paths 保存 wrote
    notice: str = ""  # what the last button did, said at the top
    mail_tokens: dict[str, tuple] = field(default_factory=dict)  # one-time token → what the confirmation showed
    created: float = field(default_factory=time.monotonic)


class Drafts:
    def __init__(self, limit: int = LIMIT, lifetime: float = LIFETIME):
        self.limit, self.lifetime = limit, lifetime
        self._items: OrderedDict[str, Draft] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, draft: Draft) -> str:
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            self._items[key] = draft
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return key

    def get(self, key: str) -> Draft | None:
        with self._lock:
            self._expire()
            return self._items.get(key)

    def take_token(self, key: str, token: str) -> tuple | None:
        """The values a confirmation showed under this one-time token; the token is used up either way."""
        with self._lock:
            draft = self._items.get(key)
            return draft.mail_tokens.pop(token, None) if draft else None

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, d in self._items.items() if now - d.created > self.lifetime]:
            del self._items[key]
