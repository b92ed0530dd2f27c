"""Chooses what one handout says: pure, no fonts, no files. render() only lays this out."""
from __future__ import annotations

import datetime as dt
import re

from . import ruby
from .content import AREA_NAMES, Content, Dose, Safety, Stretch
from .model import Card, Handout
from .prescription import PrescribedStretch, Prescription

FIGURE_LABELS = {"right": "右", "left": "左", "both": "左右"}


def japanese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def japanese_day(day: dt.date) -> str:
    """A day of the tick-sheet: 11月25日（水）."""
    return f"{day.month}月{day.day}日（{'月火水木金土日'[day.weekday()]}）"


def dose_line(dose: Dose) -> str:
    """The dose as printed, e.g. 10秒 × 5回 ・ 1日2セット."""
    return f"{dose.hold_seconds}秒 × {dose.reps}回 ・ 1日{dose.sets_per_day}セット"


def _duration(seconds: int) -> str:
    """A massage's time as a patient counts it: 60 → 約1分, 120 → 約2分, 45 → 45秒."""
    return f"約{seconds // 60}分" if seconds % 60 == 0 else f"{seconds}秒"


def dose_detail(dose: Dose, per: str, side: str | None) -> str:
    """What the dose line counts, so that it reads one way only: per side, per foot, and what one set is.

    side (per side): 左右それぞれ5回で1セット / 右側だけ5回で1セット
    foot (a massage of each foot for hold_seconds): 片足約1分ずつ・両足で1セット / 右足だけ約1分で1セット
    none: 5回で1セット
    """
    one = {"right": "右", "left": "左"}.get(side or "")
    if per == "foot":
        time = _duration(dose.hold_seconds) + ("" if dose.reps == 1 else f"を{dose.reps}回")
        return f"{one}足だけ{time}で1セット" if one else f"片足{time}ずつ・両足で1セット"
    if per == "side":
        return f"{one}側だけ{dose.reps}回で1セット" if one else f"左右それぞれ{dose.reps}回で1セット"
    return f"{dose.reps}回で1セット"


def dose_text(card: Card) -> str:
    """The dose in one line, for the mail and other plain-text places: the same words as the card."""
    return f"{card.dose_line}（{card.dose_detail}）"


def stretches_text(handout: Handout) -> str:
    """The chosen stretches with their doses, one a line, in the card's words (for the mail)."""
    return ruby.plain("\n".join(f"{card.number}. {card.title}　{dose_text(card)}" for card in handout.cards))


def safety_text(safety: Safety) -> str:
    """The sheet's red flags and next-day advice as plain text, in the sheet's words (for the mail), so no
    text the patient gets sends an urgent symptom anywhere but to a hospital."""
    lines = [f"■ {safety.urgent_heading}", *(f"　・{flag}" for flag in safety.urgent),
             f"■ {safety.soon_heading}", *(f"　・{flag}" for flag in safety.soon), safety.next_day]
    return ruby.plain("\n".join(lines))  # a mail has no ruby: readings in brackets


ALT_SIDES = {"right": "右側", "left": "左側", "both": "左右"}


def figure_alt(stretch: Stretch, side: str | None) -> str:
    """The picture in words, for a screen reader: the catalogue's `alt`, else the stretch's name; then the
    side the picture shows (右側 / 左側 / 左右, as its label)."""
    words = ruby.base(stretch.alt or f"{stretch.title}をしている人の図")  # a screen reader reads the base
    return f"{words}（{ALT_SIDES[side]}）" if side in ALT_SIDES else words


def compose(content: Content, prescription: Prescription, today: dt.date, large_print: bool = False) -> Handout:
    texts = content.texts
    chosen = prescription.stretches
    if chosen is None:
        chosen = tuple(PrescribedStretch(sid) for sid in content.default_selection(prescription.area))
    cards = []
    for number, choice in enumerate(chosen, start=1):
        stretch = content.catalogue[choice.id]
        base = stretch.dose
        dose = Dose(choice.hold_seconds or base.hold_seconds, choice.reps or base.reps,
                    choice.sets_per_day or base.sets_per_day)
        side = choice.side
        # No side named: a stretch done on each side is labelled 左右 in its figure, as its dose says.
        # A figure shows the right side unless it is mirrored; a photo shows its image_side.
        mirror = side == "left" if stretch.image is None else side in ("left", "right") and side != stretch.image_side
        cards.append(Card(number=number, title=stretch.title, target=stretch.target, steps=stretch.steps,
                          dose_line=dose_line(dose), dose_detail=dose_detail(dose, stretch.per, side),
                          cautions=stretch.cautions, note=choice.note, figure=stretch.figure, image=stretch.image,
                          mirror=mirror,
                          figure_label=FIGURE_LABELS.get(side or ("both" if stretch.per != "none" else "")),
                          video_url=stretch.video_url, sets_per_day=dose.sets_per_day,
                          alt=figure_alt(stretch, side or ("both" if stretch.per != "none" else None))))
    date = prescription.date or today
    days = content.texts.checklist.days if prescription.checklist_days is None else prescription.checklist_days
    area = prescription.area
    area_causes = {"upper": (texts.cause.upper,), "lower": (texts.cause.lower,),
                   "both": (texts.cause.upper, texts.cause.lower)}[area]
    return Handout(
        title=texts.title,
        for_whom=texts.for_whom,
        patient_name=prescription.patient.name,
        date=date,
        practitioner=prescription.practitioner,
        cause_heading=texts.cause.heading,
        cause_paragraphs=texts.cause.paragraphs,
        area_causes=area_causes,
        cause_closing=texts.cause.closing,
        stretches_heading=texts.stretches_heading,
        cards=tuple(cards),
        rules=texts.rules,
        note_heading=texts.note_heading,
        note=prescription.note,
        safety=texts.safety,
        clinic=content.clinic,
        subject=f"{AREA_NAMES[area]}が痛む方のストレッチ",
        fallback_fonts=content.fallback_fonts,
        large_print=large_print or prescription.large_print,
        checklist=texts.checklist if days else None,
        checklist_dates=tuple(date + dt.timedelta(days=n) for n in range(days)),
        next_visit=prescription.next_visit,
        next_visit_label=texts.checklist.next_visit_label,
    )


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def default_filename(handout: Handout) -> str:
    return filename_for(handout.patient_name, handout.date)


def filename_for(patient_name: str, date: dt.date, suffix: str = ".pdf") -> str:
    """`2026-11-25_山田花子.pdf`: safe on Windows and macOS."""
    name = _UNSAFE.sub("_", re.sub(r"\s+", "", patient_name)).strip(". ") or "patient"
    return f"{date.isoformat()}_{name}{suffix}"
