"""`handout new`: questions in Japanese for the front desk; every answer has a default (press Enter)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click
import yaml

from .compose import dose_line, filename_for
from .content import Content
from .prescription import Prescription, prescription_from
from .schema import LineDict, LineList

AREA_CHOICES = [("upper", "腰の上のほう"), ("lower", "腰の下のほう"), ("both", "上と下の両方")]
SIDE_CHOICES = [(None, "指定なし"), ("right", "右"), ("left", "左"), ("both", "左右")]
DEFAULT_NAME = "患者"


def choose(question: str, choices: list[str], default: int = 1) -> int:
    """A numbered choice; returns the index of the answer (0-based)."""
    click.echo(question)
    for number, label in enumerate(choices, start=1):
        click.echo(f"  {number}) {label}")
    answer = click.prompt("番号 (number)", default=default, type=click.IntRange(1, len(choices)))
    return answer - 1


def pick_stretches(content: Content, default: list[str]) -> list[str]:
    ids = list(content.catalogue)
    for number, stretch in enumerate(content.catalogue.values(), start=1):
        click.echo(f"  {number}) {stretch.title}（{dose_line(stretch.dose)}）")
    numbers = " ".join(str(ids.index(sid) + 1) for sid in default)

    def parse(text: str) -> list[str]:
        picked = []
        for token in text.replace(",", " ").replace("、", " ").split():
            if not token.isdigit() or not 1 <= int(token) <= len(ids):
                raise click.BadParameter(f"1〜{len(ids)} の番号をスペースで区切って (numbers 1 to {len(ids)})")
            picked.append(ids[int(token) - 1])
        if not picked:
            raise click.BadParameter("1つ以上 (at least one)")
        return picked

    return click.prompt("番号をスペースで区切って (numbers, separated by spaces)", default=numbers,
                        value_proc=parse)


def ask(content: Content, today: dt.date) -> dict:
    """The questions; returns the prescription as a file would hold it."""
    name = click.prompt("お名前 (patient's name)", default=DEFAULT_NAME).strip() or DEFAULT_NAME
    areas = [label for _, label in AREA_CHOICES]
    area = AREA_CHOICES[choose("痛む場所 (where does the lower back hurt?)", areas, 3)][0]
    chosen = list(content.default_selection(area))
    click.echo("おすすめのストレッチ (suggested): " + "、".join(content.catalogue[s].title for s in chosen))
    if choose("ストレッチ (stretches)", ["このまま (as suggested)", "選び直す (choose)"]) == 1:
        chosen = pick_stretches(content, chosen)
    stretches: list = list(chosen)
    if click.confirm("秒数・回数・セット数や左右を変えますか？ (change doses or sides?)", default=False):
        stretches = []
        for sid in chosen:
            stretch = content.catalogue[sid]
            click.echo(f"【{stretch.title}】")
            item = {"id": sid,
                    "hold_seconds": click.prompt("  秒数 (seconds)", default=stretch.dose.hold_seconds,
                                                 type=click.IntRange(1, 120)),
                    "reps": click.prompt("  回数 (repetitions)", default=stretch.dose.reps, type=click.IntRange(1, 50)),
                    "sets_per_day": click.prompt("  1日のセット数 (sets a day)", default=stretch.dose.sets_per_day,
                                                 type=click.IntRange(1, 10))}
            side = SIDE_CHOICES[choose("  左右 (side)", [label for _, label in SIDE_CHOICES])][0]
            if side:
                item["side"] = side
            stretches.append(item)
    practitioner = click.prompt("担当者 (practitioner; Enter: none)", default="", show_default=False).strip()
    note = click.prompt("メモ (note for the patient; Enter: none)", default="", show_default=False).strip()
    days = click.prompt("記録表の日数 (tick-sheet days; 0: none)", default=0, type=click.IntRange(0, 31))
    data: dict = {"patient": {"name": name}, "date": today, "area": area}
    if practitioner:
        data["practitioner"] = practitioner
    if stretches != list(content.default_selection(area)):
        data["stretches"] = stretches
    if note:
        data["note"] = note
    if days:
        data["checklist_days"] = days
    return data


def as_yaml_data(value):
    """Plain data as the YAML reader would give it (with lines), so one set of checks serves both."""
    if isinstance(value, dict):
        result = LineDict({k: as_yaml_data(v) for k, v in value.items()})
        result.line, result.key_lines = None, {k: None for k in value}
        return result
    if isinstance(value, list):
        result = LineList(as_yaml_data(v) for v in value)
        result.line, result.item_lines = None, [None] * len(value)
        return result
    return value


def free_path(folder: Path, name: str) -> Path:
    """folder/name, or folder/name-2 and so on: never over an existing file."""
    stem, suffix = name.rsplit(".", 1)
    path, number = folder / name, 1
    while path.exists() or path.with_suffix(".pdf").exists():
        number += 1
        path = folder / f"{stem}-{number}.{suffix}"
    return path


def run(content: Content, folder: Path, today: dt.date,
        build: Callable[[Prescription], bytes]) -> tuple[Path, Path]:
    """Asks, shows a summary, writes the prescription YAML and the PDF side by side."""
    from .deliver import write_atomically

    data = ask(content, today)
    path = free_path(folder, filename_for(data["patient"]["name"], today, ".yaml"))
    prescription = prescription_from(as_yaml_data(data), path, list(content.catalogue), content.glyphs)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    click.echo("--- 内容 (summary) ---\n" + text.rstrip())
    if not click.confirm("この内容で作りますか？ (build it?)", default=True):
        raise click.Abort()
    header = "# handout new で作った処方 (made by handout new): handout build で作り直せます\n"
    write_atomically(path, (header + text).encode("utf-8"))
    pdf = write_atomically(path.with_suffix(".pdf"), build(prescription))
    return path, pdf
