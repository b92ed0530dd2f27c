"""The clinic's own words, proof-read for `handout validate`.

Errors: wording the 柔道整復 advertising rules forbid or that promises a cure, and a sentence that sends
pain or numbness to the clinic instead of a hospital (one voice with the sheet). Warnings: what the
sample content left behind (example.com, 〒000-0000, 見本区…) in a clinic's own folder. The word lists
are in wording.yaml, the one place they are kept.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .errors import Problem
from .schema import read_yaml

WORDING_FILE = Path(__file__).with_name("wording.yaml")
MAIL_TEMPLATES = ("subject", "body", "password_note")


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    use: str
    why: str


@dataclass(frozen=True)
class OneVoice:
    symptom: re.Pattern
    clinic: re.Pattern
    hospital: re.Pattern
    use: str
    why: str


@dataclass(frozen=True)
class Wording:
    forbidden: tuple[Rule, ...]
    one_voice: OneVoice
    leftovers: tuple[Rule, ...]


@cache
def wording() -> Wording:
    data = yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))

    def rules(key):
        return tuple(Rule(re.compile(r["pattern"]), r["use"], r["why"]) for r in data[key])

    voice = data["one_voice"]
    one_voice = OneVoice(re.compile(voice["symptom"]), re.compile(voice["clinic"]), re.compile(voice["hospital"]),
                         voice["use"], voice["why"])
    return Wording(rules("forbidden"), one_voice, rules("leftovers"))


def strings(data, field: str = "", line: int | None = None) -> Iterator[tuple[str, int | None, str]]:
    """Every text in parsed YAML (or a CSV row read as YAML), with its field path and line."""
    if isinstance(data, str):
        yield field, line, data
    elif isinstance(data, dict):
        lines = getattr(data, "key_lines", {})
        for key, value in data.items():
            yield from strings(value, f"{field}.{key}" if field else str(key), lines.get(key) or line)
    elif isinstance(data, list):
        lines = getattr(data, "item_lines", [])
        for i, value in enumerate(data):
            yield from strings(value, f"{field}[{i + 1}]", lines[i] if i < len(lines) and lines[i] else line)


def _excerpt(text: str, start: int, end: int) -> str:
    before, after = text[max(0, start - 12):start], text[end:end + 12]
    return f"{'…' * (start > 12)}{before}「{text[start:end]}」{after}{'…' * (end + 12 < len(text))}".replace("\n", " ")


def _matches(rules: tuple[Rule, ...], text: str) -> Iterator[tuple[Rule, re.Match]]:
    """Each rule's matches, a stretch of text flagged once (by the first, longer rule)."""
    taken: list[tuple[int, int]] = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            if not any(match.start() < end and start < match.end() for start, end in taken):
                taken.append(match.span())
                yield rule, match


def word_problems(path: Path, field: str, line: int | None, text: str) -> list[Problem]:
    """The forbidden words and the one-voice rule in one text."""
    w = wording()
    problems = [Problem(path, line, field, f"{_excerpt(text, *m.span())} ({rule.why})", rule.use)
                for rule, m in _matches(w.forbidden, text)]
    voice = w.one_voice
    for sentence in re.split(r"(?<=[。！？!?\n])", text):
        if voice.symptom.search(sentence) and voice.clinic.search(sentence) and not voice.hospital.search(sentence):
            problems.append(Problem(path, line, field, f"「{sentence.strip()}」 ({voice.why})", voice.use))
    return problems


def leftover_problems(path: Path, field: str, line: int | None, text: str) -> list[Problem]:
    return [Problem(path, line, field, f"{_excerpt(text, *m.span())} ({rule.why})", rule.use)
            for rule, m in _matches(wording().leftovers, text)]


def _file_strings(path: Path, only: tuple[str, ...] | None = None) -> list[tuple[str, int | None, str]]:
    data, problems = read_yaml(path)
    if problems or not isinstance(data, dict):
        return []  # the schema check reports a file that cannot be read
    return [item for item in strings(data) if only is None or item[0] in only]


def check_content(folder: Path, sample: bool) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for a content folder's own texts and mail templates.

    Leftovers of the sample are warnings, and only in a clinic's own folder (sample=False): in the
    built-in sample they are what a sample holds."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for name in ("clinic.yaml", "texts.yaml", "stretches.yaml", "mail.yaml"):
        path = folder / name
        if not path.is_file():
            continue
        items = _file_strings(path)
        for field, line, text in items:
            if name != "mail.yaml" or field in MAIL_TEMPLATES:
                errors += word_problems(path, field, line, text)
            if not sample:
                warnings += leftover_problems(path, field, line, text)
    return errors, warnings


def note_problems(path: Path, data, prefix: str = "", line: int | None = None) -> list[Problem]:
    """The forbidden words in a prescription's notes (the whole note and each stretch's note)."""
    problems = []
    for field, at, text in strings(data, line=line):
        if field == "note" or (field.startswith("stretches[") and field.endswith("].note")):
            problems += word_problems(path, f"{prefix}.{field}" if prefix else field, at, text)
    return problems


def prescription_notes(path: Path) -> list[Problem]:
    data, problems = read_yaml(path)
    return [] if problems else note_problems(path, data)

