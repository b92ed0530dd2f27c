"""今日: today's handouts from the history (made at the desk or with the CLI), and the ways to make one,
do a day's list, or search the history."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Blueprint, abort, current_app, render_template

from .. import engine

blueprint = Blueprint("today", __name__)


@blueprint.route("/")
def show():
    desk = current_app.config["DESK"]
    rows, unreadable = engine.todays_handouts(desk.content_dir, desk.data_dir, dt.date.today())
    return render_template("today.html", handouts=rows, unreadable=engine.japanese(unreadable),
                           menu_endpoints=set(current_app.view_functions))


@blueprint.route("/today/<int:entry_id>/pdf")
def pdf(entry_id: int):
    """The PDF of a history entry exactly as it was handed out (its number in the URL, never a name)."""
    desk = current_app.config["DESK"]
    stored = engine.stored_pdf(entry_id, desk.content_dir, desk.data_dir)
    if not stored.ok:
        abort(404)
    response = current_app.response_class(stored.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(stored.filename)}"
    return response
