"""`handout new`: a conversation in Japanese with the front desk.

Every answer is checked by the same field kinds that check a prescription file (so the guided mode
accepts what a file accepts, and says the same thing about what it does not). A bad answer gets a
Japanese message and the question again; click's own English errors never show. Nothing is written
until the summary is confirmed, and then the PDF and the YAML appear whole or not at all.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml

from . import ruby
from .compose import dose_detail, dose_line, filename_for, japanese_date, japanese_day
from .content import AREA_NAMES, HOLD, REPS, SETS, Content, Dose
from .prescription import AREA_WORDS, PATIENT, Prescription, prescription_from, prescription_kind
from .schema import INVALID, At, Kind, LineDict, LineList, Reader, Whole

AREA_CHOICES = [("upper", "腰の上のほう"), ("lower", "腰の下のほう"), ("both", "上と下の両方")]
# No side named and side: both print the same card (左右それぞれ5回で1セット), so they are one choice: two
# labels that read alike made the front desk guess. The words the dose line uses, so the menu says what
# the handout will say.
SIDE_CHOICES = [(None, "左右それぞれ (both sides)"), ("right", "右側だけ (right side only)"),
                ("left", "左側だけ (left side only)")]
SIDE_WORDS = {"左右": 0, "両方": 0, "右": 1, "右側": 1, "左": 2, "左側": 2}
YES = {"y", "yes", "はい", "は", "うん", "する", "1"}
NO = {"n", "no", "いいえ", "いや", "しない", "2"}
CANCELLED = "中止しました。ファイルは何も作っていません (cancelled; nothing was written)."


class Retry(Exception):
    """A bad answer: the message says what was wrong and what to type; the question is asked again."""


def ask(question: str, convert: Callable[[str], Any]) -> Any:
    """Asks until convert accepts the answer (an empty string is Enter).

    Ctrl-C and the end of input raise click.Abort (from click.prompt); the caller says so in Japanese.
    """
    while True:
        text = click.prompt(question, default="", show_default=False, prompt_suffix="\n> ")
        try:
            return convert(text.strip())
        except Retry as bad:
            click.echo(f"  ※ {bad}\n  もう一度入力してください (please answer again).")


def halfwidth(text: str) -> str:
    """Full-width letters, digits and ＠ as half-width, for numbers, addresses and yes/no (never for names)."""
    return unicodedata.normalize("NFKC", text).strip()


def plain(text: str) -> str:
    return halfwidth(text).lower()


def by_kind(kind: Kind, field: str, glyphs, text: Any) -> Any:
    """Checks one answer with a prescription field's kind; a problem becomes a Retry."""
    reader = Reader(Path("(入力 answer)"), glyphs)
    value = kind.convert(text, At(reader, field, None))
    if value is INVALID or reader.problems:
        problem = reader.problems[0]
        raise Retry(f"{problem.found} は使えません (not accepted).\n     正しくは (expected): {problem.expected}")
    return value


def number(kind: Whole, units: str = "") -> Callable[[str], int]:
    """A whole number, full-width digits and a trailing unit (秒, 回, セット, 日) accepted."""

    def convert(text: str) -> int:
        digits = re.sub(f"({units})$", "", plain(text)).strip() if units else plain(text)
        if not digits.isdecimal():
            raise Retry(f"\"{text}\" は数字ではありません (not a number).\n     正しくは (expected): {kind.expected}")
        return by_kind(kind, "", None, int(digits))

    return convert


def with_default(default: Any, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda text: default if text == "" else convert(text)


def yes_no(question: str, default: bool) -> bool:
    def convert(text: str) -> bool:
        answer = plain(text)
        if answer in YES:
            return True
        if answer in NO:
            return False
        raise Retry(f"\"{text}\" は はい・いいえ ではありません (not yes or no).\n"
                    "     正しくは (expected): はい は y、いいえ は n")

    hint = "はい" if default else "いいえ"
    return ask(f"{question}  [y: はい / n: いいえ]（Enter: {hint}）", with_default(default, convert))


def choose(question: str, labels: list[str], default: int = 1, words: dict[str, int] | None = None) -> int:
    """A numbered choice; returns the index of the answer (0-based). The label itself, or one of words
    (a word for a choice's index), is accepted too."""
    lines = "\n".join(f"  {n}) {label}" for n, label in enumerate(labels, start=1))

    def convert(text: str) -> int:
        answer = plain(text)
        if answer.isdecimal() and 1 <= int(answer) <= len(labels):
            return int(answer) - 1
        for index, label in enumerate(labels):
            if text == label or text == label.split(" ")[0]:
                return index
        if words and answer in words:
            return words[answer]
        raise Retry(f"\"{text}\" は選べません (not one of the choices).\n"
                    f"     正しくは (expected): 1〜{len(labels)} の番号 (a number from 1 to {len(labels)})")

    return ask(f"{question}\n{lines}\n番号で答えてください（Enter: {default}）", with_default(default - 1, convert))


def pick_stretches(content: Content, default: list[str]) -> list[str]:
    ids = list(content.catalogue)
    for n, stretch in enumerate(content.catalogue.values(), start=1):
        click.echo(f"  {n}) {ruby.plain(stretch.title)}（{dose_line(stretch.dose)}）")
    numbers = " ".join(str(ids.index(sid) + 1) for sid in default)

    def convert(text: str) -> list[str]:
        tokens = re.split(r"[\s,、，]+", plain(text))
        picked = []
        for token in filter(None, tokens):
            if not token.isdecimal() or not 1 <= int(token) <= len(ids):
                raise Retry(f"\"{token}\" は一覧の番号ではありません (not a number on the list).\n"
                            f"     正しくは (expected): 1〜{len(ids)} の番号をスペースで区切って (e.g. 1 3 5)")
            if ids[int(token) - 1] in picked:
                raise Retry(f"{token} が2回あります (the same stretch twice).\n"
                            "     正しくは (expected): 同じ番号は1回だけ (each number once)")
            picked.append(ids[int(token) - 1])
        if not picked:
            raise Retry("番号がありません (no numbers).\n     正しくは (expected): 1つ以上の番号 (at least one)")
        return picked

    return ask(f"使うストレッチの番号をスペースで区切って（Enter: {numbers}）", with_default(default, convert))


def ask_stretches(content: Content, area: str) -> list:
    suggested = list(content.default_selection(area))
    names = "、".join(ruby.plain(content.catalogue[s].title) for s in suggested)
    click.echo("おすすめのストレッチ (suggested): " + names)
    chosen = suggested
    if choose("ストレッチはこのままでよいですか？ (stretches)", ["このまま (as suggested)", "選び直す (choose)"]) == 1:
        chosen = pick_stretches(content, suggested)
    if not yes_no("秒数・回数・セット数や左右を変えますか？ (change doses or sides?)", False):
        return list(chosen)
    stretches: list = []
    for sid in chosen:
        stretch = content.catalogue[sid]
        click.echo(f"【{ruby.plain(stretch.title)}】")
        dose = stretch.dose
        item = {"id": sid,
                "hold_seconds": ask(f"  秒数 (seconds)（Enter: {dose.hold_seconds}）",
                                    with_default(dose.hold_seconds, number(HOLD, "秒|s"))),
                "reps": ask(f"  回数 (repetitions)（Enter: {dose.reps}）", with_default(dose.reps, number(REPS, "回"))),
                "sets_per_day": ask(f"  1日のセット数 (sets a day)（Enter: {dose.sets_per_day}）",
                                    with_default(dose.sets_per_day, number(SETS, "セット")))}
        side = SIDE_CHOICES[choose("  左右 (side)", [label for _, label in SIDE_CHOICES], words=SIDE_WORDS)][0]
        if side:
            item["side"] = side
        stretches.append(item)
    return stretches


class Conversation:
    """The questions, each a step that can be asked again from the summary; `data()` is the prescription."""

    def __init__(self, content: Content, today: dt.date, large_print: bool):
        self.content, self.today = content, today
        self.kinds = prescription_kind(list(content.catalogue)).fields
        self.glyphs = content.glyphs
        self.answers: dict[str, Any] = {"large_print": large_print, "days": content.texts.checklist.days,
                                        "next_visit": None}
        # (what the summary's 直す list calls it, the step)
        self.steps: list[tuple[str, Callable[[], None]]] = [
            ("お名前", self.ask_name), ("日付", self.ask_date), ("痛む場所とストレッチ", self.ask_area),
            ("担当者", self.ask_practitioner), ("メール", self.ask_email), ("大きな文字", self.ask_large_print),
            ("記録表と次回のご来院", self.ask_tick_sheet), ("メモ", self.ask_note)]

    def field(self, name: str, text: str, glyphs=None) -> Any:
        return by_kind(self.kinds[name].kind, name, glyphs, text)

    def ask_name(self) -> None:
        def name(text: str) -> str:
            if not text:
                raise Retry("お名前は必ず入れてください (a name is required).\n"
                            "     正しくは (expected): お名前（例: 山田 花子）")
            return by_kind(PATIENT.fields["name"].kind, "patient.name", self.glyphs, text)

        self.answers["name"] = ask("患者さんのお名前 (patient's name)", name)

    def ask_date(self) -> None:
        self.answers["date"] = ask(f"日付 (date)（Enter: 今日 {self.today:%Y/%m/%d}）",
                                   with_default(self.today, lambda text: self.field("date", text)))
        visit = self.answers["next_visit"]
        if visit and visit < self.answers["date"]:  # changed from the summary: the next visit must follow it
            self.ask_next_visit()

    def ask_area(self) -> None:
        areas = [area for area, _ in AREA_CHOICES]
        words = {word: areas.index(area) for word, area in {**AREA_WORDS, **{a: a for a in areas}}.items()}
        area = AREA_CHOICES[choose("痛む場所 (where does the lower back hurt?)", [a for _, a in AREA_CHOICES], 3,
                                   words)][0]
        self.answers["area"] = area
        self.answers["stretches"] = ask_stretches(self.content, area)

    def ask_practitioner(self) -> None:
        self.answers["practitioner"] = ask(
            "担当者 (practitioner)（Enter: なし）",
            with_default(None, lambda text: self.field("practitioner", text, self.glyphs)))

    def ask_email(self) -> None:
        self.answers["email"] = ask(
            "患者さんのメールアドレス (email, for handout send)（Enter: なし）",
            with_default(None, lambda text: by_kind(PATIENT.fields["email"].kind, "patient.email", None,
                                                    halfwidth(text))))

    def ask_large_print(self) -> None:
        self.answers["large_print"] = yes_no("大きな文字で作りますか？ (large print)", self.answers["large_print"])

    def ask_tick_sheet(self) -> None:
        default = self.content.texts.checklist.days
        days = self.kinds["checklist_days"].kind
        assert isinstance(days, Whole)
        self.answers["days"] = ask(f"記録表（チェックシート）の日数 (tick-sheet days; 0: なし)（Enter: {default}）",
                                   with_default(default, number(days, "日|日分")))
        self.ask_next_visit()  # printed on every handout (blanks to fill in when there is none), and on the sheet

    def ask_next_visit(self) -> None:
        date = self.answers["date"]

        def visit(text: str) -> dt.date:
            day = self.field("next_visit", text)
            if day < date:
                raise Retry(f"{japanese_date(day)} は日付 {japanese_date(date)} より前です "
                            "(before the handout's date).\n     正しくは (expected): この日か、この日より後の日付")
            return day

        self.answers["next_visit"] = ask("次回のご来院日（1ページ目と記録表に印刷します）(next visit)"
                                         "（Enter: なし。手で書き込む空欄を印刷します）",
                                         with_default(None, visit))

    def ask_note(self) -> None:
        self.answers["note"] = ask("患者さんへのメモ (note for the patient)（Enter: なし）",
                                   with_default(None, lambda text: self.field("note", text, self.glyphs)))

    def ask_all(self) -> None:
        for _, step in self.steps:
            step()

    def fix(self) -> bool:
        """After a no to the summary: asks which answer to change and asks it again; False to stop."""
        # Enter goes back to the summary: a stray Enter must never throw every answer away.
        labels = [label for label, _ in self.steps] + ["まとめに戻る（どれも直さない）", "やめる（何も作らない）"]
        index = choose("どこを直しますか？ (which answer to change?)", labels, len(labels) - 1)
        if index == len(self.steps) + 1:
            return False
        if index < len(self.steps):
            self.steps[index][1]()
        return True

    def data(self) -> dict:
        """The prescription as a file would hold it (keys in the file's order)."""
        a, content = self.answers, self.content
        patient = {"name": a["name"]} | ({"email": a["email"]} if a["email"] else {})
        data: dict = {"patient": patient, "date": a["date"]}
        if a["practitioner"]:
            data["practitioner"] = a["practitioner"]
        data["area"] = a["area"]
        if a["stretches"] != list(content.default_selection(a["area"])):
            data["stretches"] = a["stretches"]
        if a["note"]:
            data["note"] = a["note"]
        if a["large_print"]:
            data["large_print"] = True
        if a["days"] != content.texts.checklist.days:
            data["checklist_days"] = a["days"]
        if a["next_visit"]:
            data["next_visit"] = a["next_visit"]
        return data


def summary(content: Content, data: dict) -> str:
    """What will be made, in words: no YAML keys."""
    chosen = data.get("stretches") or list(content.default_selection(data["area"]))
    lines = []
    for n, item in enumerate(chosen, start=1):
        item = item if isinstance(item, dict) else {"id": item}
        stretch = content.catalogue[item["id"]]
        dose = Dose(item.get("hold_seconds", stretch.dose.hold_seconds), item.get("reps", stretch.dose.reps),
                    item.get("sets_per_day", stretch.dose.sets_per_day))
        # The card's own words: which side, and what one set is.
        detail = dose_detail(dose, stretch.per, item.get("side"))
        lines.append(f"{n}. {ruby.plain(stretch.title)}  {dose_line(dose)}（{detail}）")
    days = data.get("checklist_days", content.texts.checklist.days)
    sheet = f"{days}日分" if days else "なし"
    visit = japanese_day(data["next_visit"]) if data.get("next_visit") else "なし（手で書き込む空欄）"
    rows = [("お名前", f"{data['patient']['name']} 様"),
            ("日付", japanese_date(data["date"])),
            ("痛む場所", AREA_NAMES[data["area"]]),
            ("ストレッチ", "\n".join(lines)),
            ("担当者", data.get("practitioner") or "なし"),
            ("メール", data["patient"].get("email") or "なし"),
            ("大きな文字", "はい" if data.get("large_print") else "いいえ"),
            ("記録表", sheet),
            ("次回のご来院", visit),
            ("メモ", data.get("note") or "なし")]
    width = max(len(label) for label, _ in rows)
    text = []
    for label, value in rows:
        first, *rest = value.split("\n")
        text.append(f"  {label}{'　' * (width - len(label))}： {first}")
        text += [f"  {'　' * width}   {more}" for more in rest]
    return "――― 確認してください (summary) ―――\n" + "\n".join(text)


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
    path, n = folder / name, 1
    while path.exists() or path.with_suffix(".pdf").exists():
        n += 1
        path = folder / f"{stem}-{n}.{suffix}"
    return path


def run(content: Content, folder: Path, today: dt.date, large_print: bool,
        build: Callable[[Prescription], bytes]) -> tuple[Path, Path] | None:
    """Asks, shows a summary, and on yes writes the prescription YAML and the PDF side by side.

    A no to the summary asks which answer to change, then shows the summary again; returns None
    when the front desk chooses to stop there. Nothing is written before the answer is yes; the
    folder is made only then, and a failure or Ctrl-C while writing removes what was written.
    """
    from .deliver import write_atomically

    conversation = Conversation(content, today, large_print)
    conversation.ask_all()
    while True:
        data = conversation.data()
        prescription = prescription_from(as_yaml_data(data), folder / "(handout new)", list(content.catalogue),
                                         content.glyphs)
        click.echo(summary(content, data))
        if yes_no("この内容で作りますか？ (build it?)", True):
            break
        if not conversation.fix():
            return None
    pdf = build(prescription)
    header = "# handout new で作った処方 (made by handout new): handout build で作り直せます\n"
    text = header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    made_folder = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    path = free_path(folder, filename_for(data["patient"]["name"], data["date"], ".yaml"))
    written: list[Path] = []
    try:
        written.append(write_atomically(path.with_suffix(".pdf"), pdf))
        written.append(write_atomically(path, text.encode("utf-8")))
    except BaseException:
        for file in written:
            file.unlink(missing_ok=True)
        if made_folder and not any(folder.iterdir()):
            folder.rmdir()
        raise
    return path, path.with_suffix(".pdf")
