"""今日: today's handouts, and the ways to make one, do a day's list, or search the history."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, send_file, url_for

from .. import engine

blueprint = Blueprint("today", __name__)


@dataclass(frozen=True)
class Row:
    time: str
    name: str
    filename: str
    url: str


def _rows(day: dt.date) -> list[Row]:
    import yaml

    desk = current_app.config["DESK"]
    rows = []
    for pdf in engine.todays_saved(desk.saved_dir, day):
        name = pdf.stem.partition("_")[2]
        try:  # the prescription saved beside it has the name as typed (with its space)
            data = yaml.safe_load(pdf.with_suffix(".yaml").read_text(encoding="utf-8"))
            name = data["patient"]["name"]
        except (OSError, yaml.YAMLError, TypeError, KeyError):
            pass
        stamp = dt.datetime.fromtimestamp(pdf.stat().st_mtime)
        rows.append(Row(f"{stamp:%H:%M}", name, pdf.name, url_for("today.pdf", filename=pdf.name)))
    return sorted(rows, key=lambda row: row.time, reverse=True)


@blueprint.route("/")
def show():
    return render_template("today.html", handouts=_rows(dt.date.today()),
                           menu_endpoints=set(current_app.view_functions))


@blueprint.route("/today/<filename>")
def pdf(filename: str):
    """One of today's saved PDFs, by its name in the day's list (nothing else is served)."""
    desk = current_app.config["DESK"]
    found = {p.name: p for p in engine.todays_saved(desk.saved_dir, dt.date.today())}
    if filename not in found:
        abort(404)
    return send_file(found[filename], mimetype="application/pdf", download_name=filename, as_attachment=False)
