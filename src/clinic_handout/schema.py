"""Turns YAML into checked Python values, or into a list of Problems naming file, line and field.

Every field is described once, here or in the module that declares it: its kind does the check
and says what is expected, and its description is what the README's format tables show
(`python -m clinic_handout.docs` prints them).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any, Protocol

import yaml

from .errors import InputError, Problem
from .inputs import UTF16_FOUND, YAML_LIMIT, read_limited, utf16


class LineDict(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int | None = None
    key_lines: dict


class LineList(list):
    """A YAML sequence that remembers the line of itself and of each item."""

    line: int | None = None
    item_lines: list


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader (no Python tags, no objects) that keeps line numbers and finds duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def compose_node(self, parent, index):
        # An anchor (&name) or alias (*name) lets a few lines of YAML stand for billions of values
        # ("billion laughs"): a prescription or content file never needs one, so they are refused
        # before anything is built from them.
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _AnchorFound(event.start_mark.line + 1, "*" if isinstance(event, yaml.AliasEvent) else "&")
        return super().compose_node(parent, index)


class _AnchorFound(Exception):
    def __init__(self, line: int, sign: str):
        super().__init__(line, sign)
        self.line, self.sign = line, sign


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool, dt.date)) or key is None:
            key = str(key)
        if key in result:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    """A date YAML cannot make (2026-13-01) stays text, so the Date field reports it with its line."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


class FileBytes:
    """One file read once (read_limited, at most YAML_LIMIT) for one request: its bytes, or the problems of
    reading it, and their SHA-256 worked out at most once. A content folder's files are read into these once
    (content.read_files); the desk's kept content (pipeline.current_content), the folder's fingerprint
    (Content.digest) and the parse cache's key (read_yaml) all take the digest from here, so each file is
    read and hashed once a request, and all three describe the very bytes that were parsed."""

    __slots__ = ("path", "raw", "problems", "_sha256")

    def __init__(self, path: Path):
        self.path = path
        self._sha256: str | None = None
        try:
            self.raw: bytes | None = read_limited(path, YAML_LIMIT)
            self.problems: list[Problem] = []
        except InputError as exc:
            self.raw, self.problems = None, exc.problems

    def sha256(self) -> str | None:
        """The hex SHA-256 of the bytes read; None when the file could not be read."""
        if self._sha256 is None and self.raw is not None:
            import hashlib

            self._sha256 = hashlib.sha256(self.raw).hexdigest()
        return self._sha256


def read_yaml(path: Path, cached: bool = False, read: FileBytes | None = None) -> tuple[Any, list[Problem]]:
    """Parses one UTF-8 YAML file (a byte-order mark is fine); returns (data, problems).

    cached: a file parsed without error before (the same bytes, the same program) is read from the
    on-disk cache (cache.py) instead of being parsed again; only for the content folder's files, which
    every handout shares (a prescription, a patient's data, is never cached). What the file says is
    checked afterwards just the same (check_file), so every message is as without the cache.
    read: the file as already read (FileBytes of path); else it is read here."""
    read = read if read is not None else FileBytes(path)
    if read.raw is None:
        return None, read.problems
    raw = read.raw
    if utf16(raw):
        return None, [Problem(path, None, "", UTF16_FOUND, "UTF-8 で保存したファイル (save the file as UTF-8)")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(path, bad_line, "", "UTF-8 ではない文字 (bytes that are not UTF-8, e.g. Shift_JIS)",
                              "UTF-8 で保存したファイル (save the file as UTF-8)")]
    # Only a file without mistakes is stored (below), and the key holds its bytes and this program's code: a file
    # found there has none, so they are not looked for again (nor yaml_hints imported: a cold build's time).
    key = _parse_key(read) if cached else None
    if key is not None and (hit := _parsed_from_cache(key, path)) is not None:
        return hit
    from .yaml_hints import explain, mistakes

    hints = mistakes(text)  # a full-width colon or space, a tab, an IME dash: on their real line
    if hints:
        return None, [Problem(path, line, "", found, expected) for line, found, expected in hints]
    # Characters YAML refuses or reads as line breaks are carried through as markers, so that the
    # field holding one reports it with its name and line (Text.convert); see _FORBIDDEN.
    loader = _Loader(text.translate(_MARK))
    try:
        data = loader.get_single_data()
    except _AnchorFound as exc:
        return None, [Problem(path, exc.line, "",
                              f"YAML のアンカー・別名 '{exc.sign}' (a YAML anchor or alias: & or * before a name)",
                              "値をそのまま書く (write each value out in full; & and * are not used here)")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        found = (exc.problem or "YAML の書き方の誤り").strip()
        if "could not determine a constructor" in found or "tag" in found:
            found = f"使えないタグ (a tag YAML content may not use: {found})"
            expected = "文字・数・リストだけ (plain text, numbers and lists; no !!python tags)"
        else:
            line, found, expected = explain(exc, text)
        return None, [Problem(path, line, "", found, expected)]
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        return None, [Problem(path, None, "", f"YAML の書き方の誤り ({exc})", "正しい YAML (valid YAML)")]
    finally:
        loader.dispose()
    if key is not None:
        _cache_parsed(key, data, loader.duplicates)
    return data, _duplicate_problems(path, loader.duplicates)


def _duplicate_problems(path: Path, duplicates: list[tuple[int, str]]) -> list[Problem]:
    return [Problem(path, line, key, "同じ項目が2回 (the same key twice)", "各項目は1回だけ (each key once)")
            for line, key in duplicates]


# -- the parsed content files on disk (cache.py) ----------------------------------------------------
# A parsed file is stored as plain data: a mapping as ("M", line, ((key, key's line, value), ...)), a list as
# ("L", line, ((item's line, item), ...)), a date as ("D", "YYYY-MM-DD"); text, numbers, booleans and None as
# themselves. Anything else YAML can make (a set, !!binary bytes, a date with a time) is not stored: that
# file is parsed every time.
def _parse_key(read: FileBytes) -> str:
    from .cache import code_version

    return f"yaml {read.sha256()} pyyaml {yaml.__version__} code {code_version()}"


class _NotStored(Exception):
    pass


def _encode(value):
    if isinstance(value, LineDict):
        return ("M", value.line, tuple((_encode(k), value.key_lines[k], _encode(v)) for k, v in value.items()))
    if isinstance(value, LineList):
        return ("L", value.line, tuple((line, _encode(v)) for line, v in zip(value.item_lines, value, strict=True)))
    if type(value) is dt.date:
        return ("D", value.isoformat())
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise _NotStored(type(value).__name__)


def _decode(value):
    if type(value) is not tuple:
        return value
    if value[0] == "M":
        mapping = LineDict()
        mapping.line, mapping.key_lines = value[1], {}
        for key, line, item in value[2]:
            key = _decode(key)
            mapping[key] = _decode(item)
            mapping.key_lines[key] = line
        return mapping
    if value[0] == "L":
        items = LineList(_decode(item) for _, item in value[2])
        items.line, items.item_lines = value[1], [line for line, _ in value[2]]
        return items
    return dt.date.fromisoformat(value[1])


def _cache_parsed(key: str, data, duplicates: list[tuple[int, str]]) -> None:
    from . import cache

    try:
        encoded = _encode(data)
    except (_NotStored, RecursionError):
        return
    cache.write("yaml", key, (encoded, tuple(duplicates)))


def _parsed_from_cache(key: str, path: Path) -> tuple[Any, list[Problem]] | None:
    from . import cache

    stored = cache.read("yaml", key)
    try:
        encoded, duplicates = stored  # type: ignore[misc]
        return _decode(encoded), _duplicate_problems(path, [(line, name) for line, name in duplicates])
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, RecursionError):  # None, or not ours
        return None


# -- characters no field may hold ----------------------------------------------------------------
# Bidirectional controls reorder what is shown (a file name or mail subject that reads differently
# from what it is); they never reach a handout, a file name or a mail header.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Control characters (VT from Word's Shift+Enter, FF, ESC, NUL, ...; tab and line breaks are fine),
# C1 controls with NEL (U+0085), LINE/PARAGRAPH SEPARATOR, lone surrogates, non-characters, bidi
# controls, and the markers read_yaml puts in place of a character YAML itself refuses.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff"
                        "\U000f0000-\U000fffff" + BIDI + "]")
# What leaves nothing visible, decided by Unicode category: format characters (Cf: zero-width
# spaces and joiners, soft hyphen, invisible operators U+2061-2064, interlinear annotation marks,
# tags), combining marks with nothing to sit on (Mn, Me: variation selectors, U+034F), white space
# (Zs, Zl, Zp), plus the letters and symbols that are blank by design: the Hangul fillers and the
# empty braille pattern.
_BLANK_CATEGORIES = {"Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Cc"}
_BLANK_CHARACTERS = set("\u115f\u1160\u3164\uffa0\u2800\u180e")


def _blank(ch: str) -> bool:
    return ch.isspace() or ch in _BLANK_CHARACTERS or unicodedata.category(ch) in _BLANK_CATEGORIES


_MARK = {c: 0xF0000 + c for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                                  0x2028, 0x2029, 0xFFFE, 0xFFFF]}
_CHAR_NAMES = {0x00: "NUL", 0x0B: "垂直タブ (VT: Word's Shift+Enter)", 0x0C: "改ページ (FF: form feed)", 0x1B: "ESC",
               0x85: "NEL (U+0085)", 0x2028: "行区切り (LINE SEPARATOR)", 0x2029: "段落区切り (PARAGRAPH SEPARATOR)",
               0x7F: "DEL"}


def _original(ch: str) -> int:
    code = ord(ch)
    return code - 0xF0000 if 0xF0000 <= code <= 0xFFFFF else code


def describe_char(ch: str) -> str:
    code = _original(ch)
    if 0xD800 <= code <= 0xDFFF:
        name = "対のないサロゲート (a lone surrogate)"
    elif ch in BIDI:
        name = "双方向制御文字 (a bidi control)"
    else:
        name = _CHAR_NAMES.get(code, "制御文字 (a control character)")
    return f"U+{code:04X} {name}"


def visible(text: str) -> str:
    """text with every forbidden character written as <U+XXXX>: a message never prints an ESC to a terminal."""
    return _FORBIDDEN.sub(lambda m: f"<U+{_original(m.group()):04X}>", text)


def check_characters(value: str, at: At) -> bool:
    """Reports the first forbidden character of value, or an invisible-only value; True when fine."""
    bad = _FORBIDDEN.search(value)
    if bad:
        at.fail(f"{describe_char(bad.group())} at character {bad.start() + 1}: {show(value)}",
                "ふつうの文字だけ (printable text only: retype the value, or delete the invisible character)")
        return False
    if value and all(_blank(ch) for ch in value):
        at.fail("見えない文字だけ (only invisible characters: zero-width spaces, variation selectors, ...)",
                "見える文字 (visible text)")
        return False
    return True


def show(value: Any) -> str:
    """How a found value is shown in a message."""
    if value is None:
        return "空 (empty)"
    if isinstance(value, bool):
        return f"{'yes' if value else 'no'} (はい/いいえ; a yes/no value)"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:40] + "…"
        return f"\"{visible(short)}\""
    if isinstance(value, dict):
        return "項目の集まり (a mapping)"
    if isinstance(value, list):
        return "リスト (a list)"
    return str(value)


def did_you_mean(word: str, choices) -> str:
    import difflib  # only for a suggestion in a message

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"もしかして (did you mean) '{close[0]}'? " if close else ""


class Glyphs(Protocol):
    """What the fonts answer (fonts.GlyphCheck): can a character be drawn, and what to do if not."""

    allow_missing: bool
    warnings: list[Problem]

    def can_draw(self, ch: str) -> bool: ...

    def advice(self) -> str: ...


@dataclass
class Reader:
    """Collects the problems of one file while its values are checked."""

    file: Path
    glyphs: Glyphs | None = None  # None: characters are not checked against the fonts
    problems: list[Problem] = dc_field(default_factory=list)

    def fail(self, at: At, found: str, expected: str) -> Invalid:
        self.problems.append(Problem(self.file, at.line, at.field, found, expected))
        return INVALID

    def typed(self, line: int | None, field: str) -> str:
        """The value of field as typed on that line of the file (not as YAML read it), or ""."""
        try:
            lines = re.split(r"\r\n|[\r\n]", self.file.read_bytes().decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            return ""
        if not line or line > len(lines):
            return ""
        value = r"(?P<value>[^\s#'\"][^#]*?)\s*(?:\s#.*)?$"
        if field.endswith("]"):  # a list item: - 0120123456
            match = re.match(r"\s*-\s+" + value, lines[line - 1])
        else:
            match = re.match(rf"\s*(?:-\s+)?{re.escape(field.rsplit('.', 1)[-1])}\s*:\s+" + value, lines[line - 1])
        return match["value"] if match else ""


@dataclass(frozen=True)
class At:
    """Where a value is: the reader of its file, its field path and its line."""

    reader: Reader
    field: str
    line: int | None

    def child(self, name: str | int, line: int | None) -> At:
        path = f"{self.field}[{name}]" if isinstance(name, int) else (f"{self.field}.{name}" if self.field else name)
        return At(self.reader, path, line or self.line)

    def fail(self, found: str, expected: str | None = None, kind: Kind | None = None) -> Invalid:
        return self.reader.fail(self, found, expected or (kind.expected if kind else ""))


class Invalid:
    def __repr__(self):
        return "INVALID"


INVALID = Invalid()


class Kind:
    """What a field holds: checks and converts a value, and says what is expected."""

    expected = ""  # said in messages, Japanese first
    doc = ""  # said in the README's format tables

    def convert(self, value: Any, at: At) -> Any:
        raise NotImplementedError


class Text(Kind):
    """One line of text (or several, with multiline) in characters the fonts can draw."""

    def __init__(self, multiline: bool = False, pattern: str | None = None, pattern_doc: str = "",
                 max_length: int | None = None):
        self.multiline = multiline
        self.pattern = re.compile(pattern) if pattern else None
        self.max_length = max_length
        self.expected = pattern_doc or ("文字 (text)" if multiline else "1行の文字 (one line of text)")
        self.doc = pattern_doc or ("text, may span lines" if multiline else "text")
        if max_length:
            self.expected += f"、{max_length}文字まで (at most {max_length} characters)"
            self.doc += f", at most {max_length} characters"

    def convert(self, value, at):
        if isinstance(value, (bool, int, float, dt.date)):
            # YAML read 0120123456 as an octal number (21014318): quote it as typed on its line, not as read.
            typed = at.reader.typed(at.line, at.field) or str(value)
            return at.fail(typed, f"{self.expected}。数字だけなら \"…\" で囲む (quote it: \"{typed}\")")
        if not isinstance(value, str):
            return at.fail(show(value), self.expected)
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if not check_characters(value, at):  # before strip(): it would silently drop a trailing VT or U+2028
            return INVALID
        text = value.strip()
        if not text:
            return at.fail(show(None), self.expected)
        if not self.multiline and "\n" in text:
            return at.fail("複数行 (several lines)", self.expected)
        if self.pattern and not self.pattern.fullmatch(text):
            return at.fail(show(text), self.expected)
        if self.max_length and len(text) > self.max_length:
            return at.fail(f"{len(text)}文字 ({len(text)} characters)", self.expected)
        if not check_glyphs(text, at):
            return INVALID
        return text


def check_glyphs(text: str, at: At) -> bool:
    """Reports each character of text that no font of the chain can draw; True when none is missing
    (or when missing ones are allowed: then they are warnings, printed as 〓)."""
    glyphs = at.reader.glyphs
    if glyphs is None:
        return True
    missing = list(dict.fromkeys(ch for ch in text if ch != "\n" and not glyphs.can_draw(ch)))
    for ch in missing:
        problem = Problem(at.reader.file, at.line, at.field,
                          f"U+{ord(ch):04X} '{ch}' in {at.field} has no glyph (フォントにない文字)",
                          "フォントにある文字 (a character the fonts can draw: use its common form, e.g. 吉 for 𠮷, "
                          "or add a font that has it to fonts.yaml" + glyphs.advice() + ")")
        (glyphs.warnings if glyphs.allow_missing else at.reader.problems).append(problem)
    return glyphs.allow_missing or not missing


def number_text(value: str) -> str:
    """Digits as a Japanese keyboard may type them: full-width １０ is 10 (NFKC), spaces around ignored."""
    return unicodedata.normalize("NFKC", value).strip()


_COUNTER = re.compile(r"(?P<number>[0-9]+)\s*(?P<unit>回|秒|セット|日|日分|個|分|times?|sets?|s|sec|days?)")


class Whole(Kind):
    """A whole number; typed full-width (１０) or as text ("10") it is the same number."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high
        self.expected = f"{low}〜{high} の整数 (a whole number from {low} to {high})"
        self.doc = f"whole number {low}–{high}"

    def convert(self, value, at):
        if isinstance(value, str):
            text = number_text(value)
            if text.isascii() and text.isdigit():
                value = int(text)
            elif counted := _COUNTER.fullmatch(text):
                number = counted["number"]
                return at.fail(show(value), f"数字だけを書いてください: {number}（「{counted['unit']}」などの単位は"
                                            f"書かない / write the number alone: {number}）— {self.expected}")
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            return at.fail(show(value), self.expected)
        return value


class OneOf(Kind):
    """One of a few words; aliases (e.g. Japanese words) stand for a choice: {"上": "upper"}."""

    def __init__(self, choices, doc: str = "", aliases: dict[str, str] | None = None):
        self.choices = tuple(choices)
        self.aliases = dict(aliases or {})
        listed = " | ".join(self.choices)
        if self.aliases:
            listed = " | ".join(f"{c}（{'/'.join(a for a, to in self.aliases.items() if to == c)}）"
                                if c in self.aliases.values() else c for c in self.choices)
        self.expected = f"{listed} のどれか (one of: {' | '.join(self.choices)}, or a word in brackets)" if (
            self.aliases) else f"{listed} のどれか (one of: {listed})"
        self.doc = doc or f"one of `{'`, `'.join(self.choices)}`" + (
            " (or " + ", ".join(f"`{a}`" for a in self.aliases) + ")" if self.aliases else "")

    def convert(self, value, at):
        word = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else None
        if word in self.aliases:
            return self.aliases[word]
        if word is None or word not in self.choices:
            return at.fail(show(value), did_you_mean(value, self.choices) + self.expected)
        return word


YES_WORDS = ("true", "yes", "y", "1", "はい", "○", "〇", "◯", "あり", "する", "要")
NO_WORDS = ("false", "no", "n", "0", "いいえ", "×", "✕", "なし", "しない", "不要", "-")


class Flag(Kind):
    expected = "true か false（はい/いいえ、○/× も可） (yes or no)"
    doc = "`true` or `false` (also はい/いいえ, ○/×)"

    def convert(self, value, at):
        if isinstance(value, str):
            word = number_text(value).lower()
            if word in YES_WORDS:
                return True
            if word in NO_WORDS:
                return False
        if not isinstance(value, bool):
            return at.fail(show(value), self.expected)
        return value


DATE_FORMS = "2026-11-25、2026/1/5、2026年1月5日、令和8年1月5日、R8.1.5"
ERAS = {"令和": (2018, dt.date(2019, 5, 1)), "r": (2018, dt.date(2019, 5, 1)),
        "平成": (1988, dt.date(1989, 1, 8)), "h": (1988, dt.date(1989, 1, 8))}
_WESTERN = re.compile(r"(?P<y>[0-9]{4})\s*(?:[-/.]|年)\s*(?P<m>[0-9]{1,2})\s*(?:[-/.]|月)\s*(?P<d>[0-9]{1,2})\s*日?")
_ERA = re.compile(r"(?P<era>令和|平成|[rRhH])\s*(?P<y>[0-9]{1,2}|元)\s*(?:[-/.]|年)\s*(?P<m>[0-9]{1,2})\s*"
                  r"(?:[-/.]|月)\s*(?P<d>[0-9]{1,2})\s*日?")


_NO_YEAR = re.compile(r"(?P<m>[0-9]{1,2})\s*(?:/|月)\s*(?P<d>[0-9]{1,2})\s*日?")
WEEKDAYS = "月火水木金土日"
# What Excel or a person may write after the day: a weekday "(月)" / "（月曜日）", a time "0:00" (a date
# cell with a time format). A weekday must be the date's own: 2026/1/5(火) is a typo in one of them.
_AFTER_DAY = re.compile(r"\s*(?:\((?P<weekday>[月火水木金土日])(?:曜日?)?\))?\s*(?:[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?")


def parse_date(text: str) -> dt.date | None:
    """A date as Japanese offices write it (see DATE_FORMS); full-width digits too. None if it is not one."""
    text = unicodedata.normalize("NFKC", text).strip()  # ２０２６／１／５, （月） and ㋿ become 2026/1/5, (月), 令和
    for pattern in (_WESTERN, _ERA):
        match = pattern.match(text)
        after = _AFTER_DAY.fullmatch(text, match.end()) if match else None
        if match and after:
            date = _date_of(match)
            if date is None or (after["weekday"] and WEEKDAYS[date.weekday()] != after["weekday"]):
                return None
            return date
    return None


def _date_of(match: re.Match) -> dt.date | None:
    try:
        if "era" not in match.groupdict():
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        offset, start = ERAS[match["era"].lower()]
        year = 1 if match["y"] == "元" else int(match["y"])
        date = dt.date(offset + year, int(match["m"]), int(match["d"]))
        return date if date >= start and year >= 1 else None
    except ValueError:  # 2026/2/30
        return None


class Date(Kind):
    # A handout's dates are this century or the next: 9999-12-31 is a typo, and a tick-sheet of 31
    # days after it would run past the last date Python knows.
    FIRST, LAST = dt.date(2000, 1, 1), dt.date(2199, 12, 31)
    expected = f"日付。次のどれかの形 (a date, one of): {DATE_FORMS}。2000〜2199年 (from 2000 to 2199)"
    doc = "date from 2000 to 2199: `2026-11-25`, `2026/1/5`, `2026年1月5日`, `令和8年1月5日` or `R8.1.5`"

    def convert(self, value, at):
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str) and (date := parse_date(value)) is not None:
            value = date
        if isinstance(value, dt.date):
            return value if self.FIRST <= value <= self.LAST else at.fail(value.isoformat(), self.expected)
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip()
            if match := _NO_YEAR.fullmatch(text):
                year = dt.date.today().year
                return at.fail(f"{show(value)} (年がありません / no year)",
                               f"年も書く: {year}/{int(match['m'])}/{int(match['d'])} のように "
                               f"(add the year, e.g. {year}/{int(match['m'])}/{int(match['d'])})")
            if (match := _WESTERN.fullmatch(text)) and 1 <= int(match["m"]) <= 12:
                month = int(match["m"])
                last = calendar.monthrange(int(match["y"]), month)[1]
                return at.fail(f"{show(value)} ({month}月{int(match['d'])}日はありません / no such day)",
                               f"{match['y']}年{month}月は{last}日まで。日を確かめる "
                               f"(that month has {last} days: check the day)")
        return at.fail(show(value), self.expected)


# One address, exactly as typed: ASCII letters, digits and the dot-atom signs before one @, and a
# domain of dot-separated labels. Everything smtplib or a server could read as a different or a
# second address is outside it: commas, spaces, quotes, <angle brackets>, (comments), =?RFC 2047?=
# words, a bare local part, and non-ASCII (an international address needs SMTPUTF8, not supported).
# '%' and '!' are left out too: Postfix and sendmail re-route a%b.example@c.example to b.example
# ("percent hack") and read ! as a UUCP path, so the mail could go to another host than typed.
_ATOM = r"[A-Za-z0-9#$&'*+/^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}"


class Email(Text):
    def __init__(self):
        super().__init__(pattern=EMAIL_PATTERN,
                         pattern_doc="メールアドレス1つ、半角英数字で (one email address in ASCII, e.g. "
                                     "name@example.com; no commas, spaces, quotes, <>, or ＠ and other "
                                     "full-width letters)",
                         max_length=254)
        self.doc = "one email address (ASCII, at most 254 characters)"

    def convert(self, value, at):
        if isinstance(value, str) and "=?" in value:
            return at.fail(f"{show(value)} (エンコードされた語 / an RFC 2047 encoded word)", self.expected)
        return super().convert(value, at)


class ListOf(Kind):
    def __init__(self, item: Kind, min_items: int = 0, max_items: int | None = None):
        self.item, self.min_items, self.max_items = item, min_items, max_items
        count = (f"{min_items}〜{max_items}個 ({min_items} to {max_items} items)" if max_items
                 else f"{min_items}個以上 (at least {min_items})" if min_items else "")
        self.expected = f"リスト (a list of: {item.expected})" + (f"、{count}" if count else "")
        self.doc = f"list of {item.doc}" + (f"; {min_items}–{max_items} items" if max_items
                                           else f"; at least {min_items}" if min_items else "")

    def convert(self, value, at):
        if not isinstance(value, LineList):
            return at.fail(show(value), self.expected)
        if len(value) < self.min_items or (self.max_items and len(value) > self.max_items):
            return at.fail(f"{len(value)}個 ({len(value)} items)", self.expected)
        items = [self.item.convert(v, at.child(i + 1, value.item_lines[i])) for i, v in enumerate(value)]
        return INVALID if any(v is INVALID for v in items) else tuple(items)


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, its kind (the check), its description, required or its default."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    default: Any = None


class Record(Kind):
    """A mapping with known fields; unknown keys are errors with a did-you-mean."""

    def __init__(self, fields: list[Field], make: Callable[..., Any] | None = None, doc: str = "see below"):
        self.fields = {f.name: f for f in fields}
        self.make = make
        self.expected = "項目の集まり (a mapping with: " + ", ".join(self.fields) + ")"
        self.doc = doc

    def convert(self, value, at):
        if not isinstance(value, LineDict):
            return at.fail(show(value), self.expected)
        ok = True
        for key in value:
            if key not in self.fields:
                at.child(str(key), value.key_lines.get(key)).fail(
                    "知らない項目 (unknown key)",
                    did_you_mean(key, self.fields) + "使える項目 (allowed): " + ", ".join(self.fields))
                ok = False
        result = {}
        for name, f in self.fields.items():
            if name not in value or value[name] is None:
                if f.required:
                    at.child(name, value.line).fail("ありません (missing)", f"{f.description} — {f.kind.expected}")
                    ok = False
                result[name] = f.default
                continue
            converted = f.kind.convert(value[name], at.child(name, value.key_lines.get(name)))
            ok = ok and converted is not INVALID
            result[name] = converted
        if not ok:
            return INVALID
        return self.make(**result) if self.make else result


def check_file(path: Path, kind: Kind, glyphs: Glyphs | None = None, cached: bool = False,
               read: FileBytes | None = None):
    """Reads path and converts it with kind: (value or INVALID, problems). cached, read: see read_yaml."""
    data, problems = read_yaml(path, cached, read)
    if problems and data is None:
        return INVALID, problems
    reader = Reader(path, glyphs, problems)
    if data is None:
        return reader.fail(At(reader, "", None), "空のファイル (an empty file)", kind.expected), reader.problems
    return kind.convert(data, At(reader, "", getattr(data, "line", 1))), reader.problems
