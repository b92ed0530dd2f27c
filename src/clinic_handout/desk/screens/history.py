"""履歴: every handout handed out, found by part of the name; the very PDF; この内容で今日の分を作る.

The search and the PDF come from the history (app.list_history, History.pdf: the stored bytes,
checked against their SHA-256). Re-issue copies an entry's prescription into the 新しく作る form as a
new draft dated today — the same fields `handout new` writes — so the receptionist changes what is
needed (a longer hold, another side) and previews, prints or sends it through that screen.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ... import app as usecases
from ...content import Content
from ...errors import HandoutError
from ...history import OUTCOME_WORDS, Entry
from .. import engine

blueprint = Blueprint("history", __name__, url_prefix="/history")
LIMIT = 100  # entries on one page: the newest first


def _desk():
    return current_app.config["DESK"]


@blueprint.get("/")
def search():
    desk = _desk()
    query = request.args.get("q", "").strip()[:100]
    result = usecases.list_history(query, content_dir=desk.content_dir, data_dir=desk.data_dir, limit=LIMIT)
    failure = engine.japanese(result.failure.message) if result.failure else ""
    return render_template("history.html", query=query, entries=result.entries, failure=failure, limit=LIMIT,
                           outcome_words={k: engine.japanese(v) for k, v in OUTCOME_WORDS.items()})


def _entry(entry_id: int) -> Entry:
    """The history's entry; 404 when there is no such entry (or no history)."""
    desk = _desk()
    try:
        with usecases.open_history(desk.content_dir, desk.data_dir, create=False) as history:
            return history.get(entry_id)
    except HandoutError:
        abort(404)


@blueprint.get("/<int:entry_id>.pdf")
def pdf(entry_id: int):
    """The PDF that was handed out, byte for byte (inline: the browser's viewer, ready to print)."""
    desk = _desk()
    stored = usecases.stored_handout(entry_id, content_dir=desk.content_dir, data_dir=desk.data_dir)
    if not stored.ok:
        abort(404)
    response = current_app.response_class(stored.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(stored.filename)}"
    return response


@blueprint.post("/<int:entry_id>/again")
def again(entry_id: int):
    """この内容で今日の分を作る: the entry's prescription as a new draft of 新しく作る, dated today."""
    from ..drafts import Draft

    entry = _entry(entry_id)
    content = engine.load(_desk().content_dir)
    form, left_out = prefill(entry.prescription, content, dt.date.today())
    made = f"{entry.handout_date.year}年{entry.handout_date.month}月{entry.handout_date.day}日"
    notice = (f"{made}の {entry.patient_name} 様の案内を写しました（日付は今日）。"
              "量や左右を直してから「プレビュー」を押してください。")
    if left_out:
        notice += f" 今の内容フォルダにないストレッチは外しました: {'、'.join(left_out)}。"
    key = current_app.config["DRAFTS"].add(Draft(form, notice=notice))
    return redirect(url_for("new.show", key=key), 303)


def prefill(prescription: dict, content: Content, today: dt.date) -> tuple[dict[str, str], list[str]]:
    """The 新しく作る form filled from a prescription as the history keeps it (the file's fields), dated
    today; the next visit is left empty (the old one has passed). Returns the form and the stretch ids
    the content folder no longer has (left out)."""
    from .new import fresh_form, tick_area

    form = fresh_form(content, today)
    patient = prescription.get("patient") or {}
    form["name"] = patient.get("name", "")
    form["email"] = patient.get("email", "")
    for key in ("practitioner", "note"):
        if prescription.get(key):
            form[key] = str(prescription[key])
    if prescription.get("large_print"):
        form["large_print"] = "on"
    if prescription.get("checklist_days") is not None:
        form["checklist_days"] = str(prescription["checklist_days"])
    area = prescription.get("area", "")
    form["area"] = area
    left_out: list[str] = []
    stretches = prescription.get("stretches")
    if stretches is None:
        tick_area(form, content, area)  # the area's own choice, as the old handout had it
        return form, left_out
    form["area_shown"] = area  # the ticks below are the prescription's own: build from them as they are
    for item in stretches:
        sid = item["id"] if isinstance(item, dict) else item
        if sid not in content.catalogue:
            left_out.append(sid)
            continue
        form[f"s-{sid}"] = "on"
        for name, key in (("hold", "hold_seconds"), ("reps", "reps"), ("sets", "sets_per_day")):
            if isinstance(item, dict) and item.get(key) is not None:
                form[f"{name}-{sid}"] = str(item[key])
        if isinstance(item, dict) and item.get("side"):
            form[f"side-{sid}"] = item["side"]
    return form, left_out
