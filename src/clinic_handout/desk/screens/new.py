"""新しく作る: one handout from a form — preview, 印刷, 保存, メールで送る.

The form is parsed into a prescription as a file would hold it (the same keys `handout new` writes),
and checked and built by the library (desk.engine): a problem comes back with its field name and is
shown beside that field, in the validation layer's words. POST → redirect → GET: every result has an
address of its own (/new/<id>), so reloading never builds or sends twice.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ...content import AREA_NAMES, Content, Dose
from ...errors import HandoutError
from ...guided import halfwidth
from .. import engine
from ..drafts import Draft

blueprint = Blueprint("new", __name__, url_prefix="/new")

AREA_CHOICES = [("upper", "腰の上のほう", "上"), ("lower", "腰の下のほう", "下"), ("both", "上と下", "両方")]
# The dose line's own words (compose.dose_detail), so the choice says what the handout will say.
SIDE_CHOICES = {"side": [("", "左右それぞれ"), ("right", "右側だけ"), ("left", "左側だけ")],
                "foot": [("", "両足"), ("right", "右足だけ"), ("left", "左足だけ")]}
DOSE_FIELDS = (("hold", "hold_seconds", "秒"), ("reps", "reps", "回"), ("sets", "sets_per_day", "セット"))
ACTIONS = {"preview": "プレビュー", "print": "印刷", "save": "保存", "mail": "メールで送る"}
NEXT_BEFORE_DATE = "{visit} は日付 {date} より前です → 正しくは: この日か、この日より後の日付"


@dataclass(frozen=True)
class StretchRow:
    id: str
    title: str
    target: str
    default: Dose
    sides: list[tuple[str, str]]


def _content() -> Content:
    return engine.load(current_app.config["DESK"].content_dir)


def _drafts():
    return current_app.config["DRAFTS"]


def stretch_rows(content: Content) -> list[StretchRow]:
    return [StretchRow(s.id, s.title, s.target, s.dose, SIDE_CHOICES.get(s.per, []))
            for s in content.catalogue.values()]


def fresh_form(content: Content, today: dt.date) -> dict[str, str]:
    form = {"date": f"{today:%Y/%m/%d}", "checklist_days": str(content.texts.checklist.days), "area_shown": ""}
    for stretch in content.catalogue.values():
        form |= {f"hold-{stretch.id}": str(stretch.dose.hold_seconds), f"reps-{stretch.id}": str(stretch.dose.reps),
                 f"sets-{stretch.id}": str(stretch.dose.sets_per_day)}
    return form


def tick_area(form: dict[str, str], content: Content, area: str) -> None:
    """Ticks exactly the area's stretches (the content folder's choice for that area)."""
    chosen = set(content.default_selection(area))
    for sid in content.catalogue:
        if sid in chosen:
            form[f"s-{sid}"] = "on"
        else:
            form.pop(f"s-{sid}", None)
    form["area_shown"] = area


def _number(text: str):
    """A typed number as the validation layer should see it: full-width digits and a unit accepted."""
    plain = re.sub(r"(秒|回|セット|日分|日)$", "", halfwidth(text)).strip()
    return int(plain) if plain.isdecimal() else text.strip()


def form_to_data(form: dict[str, str], content: Content) -> tuple[dict, list[str]]:
    """The prescription as a file would hold it (omitting what is the default), and the ticked ids in
    their order (problems name a stretch by its place in that list)."""
    patient = {}
    if form.get("name", "").strip():
        patient["name"] = form["name"].strip()
    if halfwidth(form.get("email", "")):
        patient["email"] = halfwidth(form["email"])
    data: dict = {"patient": patient}
    if form.get("date", "").strip():
        data["date"] = form["date"].strip()
    if form.get("practitioner", "").strip():
        data["practitioner"] = form["practitioner"].strip()
    area = form.get("area", "")
    if area:
        data["area"] = area
    ticked, stretches = [], []
    for sid, stretch in content.catalogue.items():
        if form.get(f"s-{sid}") != "on":
            continue
        ticked.append(sid)
        item: dict = {"id": sid}
        for name, key, _ in DOSE_FIELDS:
            typed = form.get(f"{name}-{sid}", "")
            if typed.strip():
                value = _number(typed)
                if value != getattr(stretch.dose, key):
                    item[key] = value
        if form.get(f"side-{sid}"):
            item["side"] = form[f"side-{sid}"]
        stretches.append(item if len(item) > 1 else sid)
    if area in AREA_NAMES:  # the area's own choice is left out, as `handout new` leaves it out
        if stretches != list(content.default_selection(area)):
            data["stretches"] = stretches
    elif stretches:
        data["stretches"] = stretches
    note = form.get("note", "").replace("\r\n", "\n").strip()
    if note:
        data["note"] = note
    if form.get("large_print") == "on":
        data["large_print"] = True
    days = form.get("checklist_days", "")
    if days.strip():
        value = _number(days)
        if value != content.texts.checklist.days:
            data["checklist_days"] = value
    if form.get("next_visit", "").strip():
        data["next_visit"] = form["next_visit"].strip()
    return data, ticked


def form_field(problem_field: str, ticked: list[str]) -> str:
    """The form field a problem belongs beside (stretches[2].reps → reps-<the second ticked id>)."""
    simple = {"patient.name": "name", "patient.email": "email", "patient": "name"}
    if problem_field in simple:
        return simple[problem_field]
    match = re.fullmatch(r"stretches\[(\d+)\](?:\.(\w+))?", problem_field)
    if match and 1 <= int(match[1]) <= len(ticked):
        sid, key = ticked[int(match[1]) - 1], match[2]
        names = {key_: name for name, key_, _ in DOSE_FIELDS} | {"side": "side"}
        return f"{names[key]}-{sid}" if key in names else f"s-{sid}"
    return problem_field.split(".")[0].split("[")[0]  # date, area, note, stretches, checklist_days, …


PAGE_ORDER = ("name", "date", "practitioner", "area", "stretches", "ROWS", "note", "large_print", "checklist_days",
              "next_visit", "email")


def page_order(field: str, catalogue: list[str]) -> tuple:
    """Where a field stands on the page, top to bottom (the summary lists the problems in that order)."""
    kind, _, sid = field.partition("-")
    if sid in catalogue and kind in ("s", "hold", "reps", "sets", "side"):
        return (PAGE_ORDER.index("ROWS"), catalogue.index(sid), ("s", "hold", "reps", "sets", "side").index(kind))
    return (PAGE_ORDER.index(field) if field in PAGE_ORDER else len(PAGE_ORDER), 0, 0)


def problems_beside(problems, ticked: list[str], catalogue: list[str] | None = None) -> dict[str, list[str]]:
    """Each form field's problems in the desk's plain words, the fields in page order."""
    beside: dict[str, list[str]] = {}
    for problem in problems:
        field = form_field(problem.field, ticked)
        beside.setdefault(field, []).append(engine.field_message(field, problem))
    return dict(sorted(beside.items(), key=lambda item: page_order(item[0], catalogue or ticked)))


@blueprint.get("/")
def form():
    content = _content()
    return _page(Draft(fresh_form(content, dt.date.today())), None, content)


@blueprint.post("/")
def submit():
    content = _content()
    form = {k: v for k, v in request.form.items() if k not in ("csrf_token", "action")}
    action = request.form.get("action", "preview")
    action = action if action in ACTIONS else "preview"
    drafts = _drafts()
    area = form.get("area", "")
    if area in AREA_NAMES and area != form.get("area_shown"):
        # The ticks shown were another area's: never build from them. Tick this area's and show them first.
        tick_area(form, content, area)
        notice = (f"痛む場所「{AREA_NAMES[area]}」のストレッチに選び直しました。確かめてから、"
                  f"もう一度「{ACTIONS[action]}」を押してください。")
        return redirect(url_for("new.show", key=drafts.add(Draft(form, notice=notice))), 303)
    data, ticked = form_to_data(form, content)
    desk = current_app.config["DESK"]
    built = engine.build(data, desk.content_dir)
    if not built.ok:
        failure = built.result.failure
        draft = Draft(form, problems=problems_beside(failure.problems, ticked, list(content.catalogue)),
                      general=[] if failure.problems else [engine.japanese(failure.message)])
        return redirect(url_for("new.show", key=drafts.add(draft)), 303)
    visit, date = built.result.prescription.next_visit, built.result.handout.date
    if visit and visit < date:
        from ...compose import japanese_date

        text = NEXT_BEFORE_DATE.format(visit=japanese_date(visit), date=japanese_date(date))
        return redirect(url_for("new.show", key=drafts.add(Draft(form, problems={"next_visit": [text]}))), 303)
    draft = Draft(form, built=built)
    if action == "save":
        try:
            pdf_path, yaml_path, notices = engine.save(built, desk.content_dir, desk.data_dir,
                                                       desk.saved_dir / dt.date.today().isoformat())
        except HandoutError as error:
            draft.general.append(engine.japanese(str(error)))
        else:
            draft.saved = (str(pdf_path), str(yaml_path))
            draft.notice = f"保存しました: {pdf_path.name}（{built.pages} ページ）"
            built.notices += notices
    elif action == "print":
        engine.record(built, desk.data_dir)  # handed out: in the history
    key = drafts.add(draft)
    if action == "mail":
        return redirect(url_for("mail.confirm", key=key), 303)
    return redirect(url_for("new.show", key=key, print=1 if action == "print" else None), 303)


@blueprint.get("/<key>")
def show(key: str):
    draft = _drafts().get(key)
    if draft is None:
        return redirect(url_for("new.form"))
    return _page(draft, key, _content(), print_now=request.args.get("print") == "1")


@blueprint.get("/<key>/pdf")
def pdf(key: str):
    draft = _drafts().get(key)
    if draft is None or draft.built is None:
        abort(404)
    from urllib.parse import quote

    response = current_app.response_class(draft.built.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(draft.built.filename)}"
    return response


def _page(draft: Draft, key: str | None, content: Content, print_now: bool = False):
    rows = stretch_rows(content)
    form = draft.form
    defaults = {area: list(content.default_selection(area)) for area, _, _ in AREA_CHOICES}
    count = sum(len(v) for v in draft.problems.values()) + len(draft.general)
    labels = {"name": "お名前", "date": "日付", "practitioner": "担当者", "area": "痛む場所", "stretches": "ストレッチ",
              "note": "メモ", "large_print": "大きな文字", "checklist_days": "記録表", "next_visit": "次回のご来院",
              "email": "メールアドレス"}
    for row in rows:
        labels |= {f"s-{row.id}": row.title, f"hold-{row.id}": f"{row.title}の秒数",
                   f"reps-{row.id}": f"{row.title}の回数", f"sets-{row.id}": f"{row.title}の1日のセット数",
                   f"side-{row.id}": f"{row.title}の左右"}
    return render_template(
        "new.html", form=form, key=key, draft=draft, rows=rows, areas=AREA_CHOICES, defaults=defaults,
        problems=draft.problems, problem_count=count, actions=ACTIONS,
        practitioners=practitioners(content), print_now=print_now, labels=labels,
        preview_url=url_for("new.pdf", key=key) if key and draft.built else None)


def practitioners(content: Content) -> list[str]:
    """The names to choose from: the content folder's list (clinic.yaml `practitioners`)."""
    return list(content.clinic.practitioners)
