"""The data of a handout, as the stages hand it on: the content folder (Content and its parts), one
prescription (Prescription), and what one handout says (Handout, its Cards). Frozen dataclasses, built
by keyword; the limits the checks apply live beside the fields they limit (content.py, prescription.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from . import ruby
from .fonts import FallbackFont, GlyphCheck


@dataclass(frozen=True)
class Dose:
    """How long, how often and how many times a day a stretch is done."""

    hold_seconds: int
    reps: int
    sets_per_day: int


@dataclass(frozen=True, kw_only=True)
class Stretch:
    """One stretch of the catalogue (stretches.yaml)."""

    id: str
    title: str
    target: str
    areas: tuple[str, ...]
    steps: tuple[str, ...]
    cautions: tuple[str, ...]
    dose: Dose
    figure: str | None = None  # a built-in figure (figures.POSES)
    image: Path | None = None  # the clinic's photo, used instead of the figure
    image_side: str = "right"  # the side the photo shows being stretched
    video_url: str | None = None  # a video of the stretch: a QR code in its card
    per: str = "side"  # what the dose counts: each side (side), each foot (foot), or the whole body (none)
    alt: str | None = None  # the picture in words, for a screen reader (default: from the title and side)


@dataclass(frozen=True, kw_only=True)
class Clinic:
    """The clinic's name, address, hours and the rest of clinic.yaml."""

    name: str
    phone: str
    address: str
    hours_label: str
    hours: tuple[str, ...]
    url: str | None
    email: str | None
    logo: Path | None
    qr_url: str | None = None  # the QR code's target (a booking or LINE page); default: url
    qr_caption: str = "ホームページ"
    practitioners: tuple[str, ...] = ()  # the names handout desk offers for 担当者 (any name may be typed)


@dataclass(frozen=True)
class AreaCause:
    """The cause of pain in one area (upper or lower back): a heading and a text."""

    heading: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Cause:
    """Why the back hurts (texts.yaml cause): paragraphs, each area's cause, a closing line."""

    heading: str
    paragraphs: tuple[str, ...]
    upper: AreaCause
    lower: AreaCause
    closing: str | None


@dataclass(frozen=True)
class Section:
    """A heading and its items, and their set-up (the rules)."""

    heading: str
    items: tuple[str, ...]
    setup: tuple[str, ...] = ()  # the rules' safe set-up (chair, socks), printed beside them


@dataclass(frozen=True, kw_only=True)
class Safety:
    """The safety notice: what to watch for, when to stop and when to come in."""

    heading: str
    pointer: str  # page 1's pointer to this notice; {page} is the page it is printed on
    items: tuple[str, ...]
    next_day: str  # what to do when it hurts more the next day
    urgent_heading: str  # stop now and go to a hospital
    urgent: tuple[str, ...]
    soon_heading: str  # see a doctor before going on
    soon: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Checklist:
    """The adherence tick-sheet's words and how many days it has."""

    heading: str
    intro: str
    pain_heading: str
    next_visit_label: str
    days: int  # 0: only when a prescription asks for one


DEFAULT_CHECKLIST = Checklist(
    heading="ストレッチ記録表",
    intro="1セットするごとに、四角に ○ を1つつけましょう。"
          "その日の痛みを 0（痛くない）〜 10（とても痛い）で書きましょう。",
    pain_heading="痛み（0〜10）", next_visit_label="次回のご来院", days=0)


@dataclass(frozen=True, kw_only=True)
class Texts:
    """The handout's fixed texts (texts.yaml)."""

    title: str
    for_whom: str | None
    cause: Cause
    stretches_heading: str
    rules: Section
    note_heading: str
    safety: Safety
    checklist: Checklist = DEFAULT_CHECKLIST


@dataclass(frozen=True, kw_only=True)
class Content:
    """A content folder as read and checked: the clinic, the texts, the catalogue, the font chain."""

    folder: Path
    clinic: Clinic
    texts: Texts
    catalogue: dict[str, Stretch]  # in the order of stretches.yaml
    fallback_fonts: tuple[FallbackFont, ...] = ()
    # How this content's characters were checked against its font chain; prescriptions use it too.
    glyphs: GlyphCheck | None = field(default=None, compare=False, repr=False)
    # The bytes of the files this content was read from, as read (content.file_digests): a batch checks that
    # every process that drew a handout used these same files (batch.py).
    digest: tuple[tuple[str, str], ...] | None = field(default=None, compare=False, repr=False)

    def default_selection(self, area: str) -> tuple[str, ...]:
        """The stretches for an area: those whose `areas` name it (`both`: upper or lower)."""
        wanted = {"upper", "lower"} if area == "both" else {area}
        return tuple(s.id for s in self.catalogue.values() if wanted & set(s.areas))


@dataclass(frozen=True)
class Patient:
    """The patient's name as typed, and their email address if given."""

    name: str
    email: str | None


@dataclass(frozen=True)
class PrescribedStretch:
    """A stretch as the practitioner chose it; None means the catalogue's default."""

    id: str
    hold_seconds: int | None = None
    reps: int | None = None
    sets_per_day: int | None = None
    side: str | None = None
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class Prescription:
    """One prescription as checked: for whom, when, which area and stretches, a note."""

    source: Path
    patient: Patient
    date: dt.date | None
    practitioner: str | None
    area: str
    stretches: tuple[PrescribedStretch, ...] | None
    note: str | None
    large_print: bool = False
    checklist_days: int | None = None  # None: the content folder's default
    next_visit: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class Card:
    """One stretch as the handout shows it: title, picture, dose, steps and cautions."""

    number: int
    title: str
    target: str
    steps: tuple[str, ...]
    dose_line: str
    dose_detail: str  # which side, and what one set is: 左右それぞれ5回で1セット
    cautions: tuple[str, ...]
    note: str | None
    figure: str | None = None
    image: Path | None = None
    mirror: bool = False  # show the picture mirrored: the left side
    figure_label: str | None = None  # 右 / 左 / 左右, drawn beside the stretched limb
    video_url: str | None = None
    sets_per_day: int = 1  # the tick-sheet has a box for each set
    alt: str = ""  # the picture in words, for a screen reader


@dataclass(frozen=True, kw_only=True)
class Handout:
    """Everything one handout says, composed from the content and a prescription (compose.py)."""

    title: str
    for_whom: str | None
    patient_name: str
    date: dt.date
    practitioner: str | None
    cause_heading: str
    cause_paragraphs: tuple[str, ...]
    area_causes: tuple[AreaCause, ...]
    cause_closing: str | None
    stretches_heading: str
    cards: tuple[Card, ...]
    rules: Section
    note_heading: str
    note: str | None
    safety: Safety
    clinic: Clinic
    subject: str
    fallback_fonts: tuple[FallbackFont, ...] = ()
    large_print: bool = False
    checklist: Checklist | None = None
    checklist_dates: tuple[dt.date, ...] = ()
    next_visit: dt.date | None = None
    next_visit_label: str = "次回のご来院"  # printed on every handout, with blanks when next_visit is not given

    @property
    def date_text(self) -> str:
        from .compose import japanese_date  # compose builds Handouts: imported when asked

        return japanese_date(self.date)

    @property
    def pdf_title(self) -> str:
        """The viewer's title. The patient's name stays out of the metadata, which printer queues,
        file indexers and mail previews show to others; it is on the page and in the file name. A title's
        ruby gives its base only (a viewer's title bar has no room above the line)."""
        return ruby.base(self.title)
