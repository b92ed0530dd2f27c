"""One patient's prescription file (the contract's format), checked against the clinic's catalogue."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from . import ruby
from .content import AREAS, HOLD, REPS, SETS, SIDES
from .errors import InputError
from .model import Patient, PrescribedStretch, Prescription
from .schema import (
    INVALID,
    At,
    Date,
    Email,
    Field,
    Flag,
    Glyphs,
    Kind,
    ListOf,
    OneOf,
    Reader,
    Record,
    Text,
    Whole,
    check_file,
    show,
)

# The words a Japanese front desk writes for the areas (CSV cells and YAML alike).
AREA_WORDS = {"上": "upper", "腰の上": "upper", "上部": "upper", "下": "lower", "腰の下": "lower", "下部": "lower",
              "両方": "both", "上下": "both", "全体": "both"}


# A note of 5000 characters is about four pages in the standard print; more is a pasted document.
NOTE_LIMIT = 5000


PATIENT = Record([
    Field("name", Text(max_length=40), "患者さんのお名前 (printed with 様, exactly as typed)", required=True),
    Field("email", Email(), "メールアドレス (used by `handout send`)"),
], make=Patient, doc="`name`, `email`")


class StretchChoice(Kind):
    """A catalogue id alone, or a mapping with the id and the patient's own dose."""

    def __init__(self, ids):
        # ids: a list of catalogue ids, or {id: title} so that the title as the front desk writes it
        # (お尻のストレッチ, or お尻) stands for the id. Without a usable catalogue (validate on a broken
        # content folder) any well-formed id passes here.
        self.ids = OneOf(ids, aliases=title_words(ids) if isinstance(ids, dict) else None) if ids is not None else Text(
            pattern=r"[a-z0-9-]+", pattern_doc="ストレッチの id (a catalogue id: see `handout stretches`)")
        self.record = Record([
            Field("id", self.ids, "ストレッチの id (a catalogue id)", required=True),
            Field("hold_seconds", HOLD, "秒数 (hold, seconds)"),
            Field("reps", REPS, "回数 (repetitions)"),
            Field("sets_per_day", SETS, "1日のセット数 (sets per day)"),
            Field("side", OneOf(SIDES), "どちら側 (which side)"),
            Field("note", Text(multiline=True, max_length=200),
                  "このストレッチへのメモ (note printed in this stretch's card; longer notes go in `note`)"),
        ], make=PrescribedStretch)
        fields = ", ".join(self.record.fields)
        self.expected = f"ストレッチの id か、id と回数などの項目 (an id, or a mapping: {fields})"
        self.doc = "catalogue id, or a mapping (fields below)"

    def convert(self, value, at):
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip()  # ：１５ｘ５ is :15x5
            if ":" in text:
                return self._compact(text, value, at)
            chosen = self.ids.convert(value, at)
            return INVALID if chosen is INVALID else PrescribedStretch(chosen)
        if isinstance(value, dict):
            return self.record.convert(value, at)
        return at.fail(show(value), self.expected)


    def _compact(self, text: str, value: str, at: At):
        """`id:15×5×2` (seconds × reps × sets), as a CSV cell or a YAML list item writes a dose."""
        match = COMPACT_DOSE.fullmatch(text)
        if not match:
            return at.fail(show(value), "id:秒×回×セット の形 (id:hold×reps×sets, e.g. buttock:20×3×2)")
        chosen = self.ids.convert(match["id"], at)
        dose = {name: kind.convert(int(match[name]), at.child(name, at.line))
                for name, kind in (("hold_seconds", HOLD), ("reps", REPS), ("sets_per_day", SETS))}
        if chosen is INVALID or INVALID in dose.values():
            return INVALID
        return PrescribedStretch(chosen, **dose)


_TIMES = r"\s*[×xX*]\s*"


COMPACT_DOSE = re.compile(rf"(?P<id>[^\s:]+?)\s*:\s*(?P<hold_seconds>[0-9]+)\s*秒?{_TIMES}(?P<reps>[0-9]+)\s*回?"
                          rf"{_TIMES}(?P<sets_per_day>[0-9]+)\s*(?:セット)?")


def title_words(titles: dict[str, str]) -> dict[str, str]:
    """{word: id}: each stretch's title, and the title without its ending のストレッチ (お尻), unless two
    stretches would share the word (then only the full titles)."""
    words: dict[str, list[str]] = {}
    for sid, title in titles.items():
        for word in dict.fromkeys([title, title.removesuffix("のストレッチ")]):
            if word and word != sid:
                words.setdefault(word, []).append(sid)
    return {word: ids[0] for word, ids in words.items() if len(ids) == 1}


# The stretch ids a prescription may name: a list of ids, or {id: title} (the title stands for its id
# too); None: no usable catalogue (validate on a broken content folder), any well-formed id passes.
Catalogue = list[str] | dict[str, str] | None


def catalogue_titles(content) -> dict[str, str]:
    """The content's catalogue as {id: title}, for StretchChoice: a title with ruby as the front desk types it,
    the base only ({股関節|こかんせつ}の前のストレッチ: 股関節の前のストレッチ)."""
    return {sid: ruby.base(stretch.title) for sid, stretch in content.catalogue.items()}


def prescription_kind(catalogue_ids: Catalogue) -> Record:
    return Record([
        Field("patient", PATIENT, "患者さん (the patient)", required=True),
        Field("date", Date(), "日付 (the handout's date; defaults to today)"),
        Field("practitioner", Text(max_length=40), "担当者 (the practitioner's name)"),
        Field("area", OneOf(AREAS, aliases=AREA_WORDS), "腰のどこが痛むか (where the lower back hurts)", required=True),
        Field("stretches", ListOf(StretchChoice(catalogue_ids), min_items=1),
              "ストレッチ (the chosen stretches; when absent, the area's default selection)"),
        Field("note", Text(multiline=True, max_length=NOTE_LIMIT),
              "担当者からのメモ (free text from the practitioner)"),
        Field("large_print", Flag(), "大きな文字 (body text 14 pt instead of 12; more pages are fine)",
              default=False),
        Field("checklist_days", Whole(0, 31), "記録表の日数 (a tick-sheet for this many days from the date; "
                                               "0: none; default: the content folder's)"),
        Field("next_visit", Date(), "次回の来院日 (printed at the top of every handout, blanks to fill in by hand "
                                    "when absent; and on the tick-sheet)"),
    ], make=lambda **fields: fields)


def load_prescription(path: Path, catalogue_ids: Catalogue, glyphs: Glyphs | None = None) -> Prescription:
    """Reads and checks one prescription file; raises InputError with every problem in it."""
    value, problems = check_file(path, prescription_kind(catalogue_ids), glyphs)
    if problems or value is INVALID:
        raise InputError(problems)
    return Prescription(source=path, **value)


def prescription_from(data, source: Path, catalogue_ids: Catalogue, glyphs: Glyphs | None = None,
                      field: str = "", line: int | None = None) -> Prescription:
    """Checks one prescription given as parsed data (an item of a YAML list, a CSV row)."""
    reader = Reader(source, glyphs)
    value = prescription_kind(catalogue_ids).convert(data, At(reader, field, line or getattr(data, "line", None)))
    if reader.problems or value is INVALID:
        raise InputError(reader.problems)
    return Prescription(source=source, **value)
