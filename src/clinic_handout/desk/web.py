"""The desk's Flask application: `create_app` wires the doors (guard), the screens and the error pages.

Each screen is a blueprint in desk/screens/ with its own template; SCREENS lists them in the order
of the menu at the top of every page. Nothing here prints or logs a patient's name: errors are
logged by their type and the screen's name only.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, abort, render_template, request
from werkzeug.exceptions import HTTPException

from . import guard

UPLOAD_LIMIT = 4 * 1024 * 1024  # a day's CSV is a few KB; a form a few KB: 4 MB is any honest request
LOG = logging.getLogger("clinic_handout.desk")


@dataclass(frozen=True)
class DeskConfig:
    content_dir: Path
    data_dir: Path
    bind_host: str = "127.0.0.1"

    @property
    def saved_dir(self) -> Path:
        """Where 保存 writes the PDFs and their prescriptions, one folder per day."""
        return self.data_dir / "saved"


# (endpoint, menu label): the menu at the top of every page, in this order. A screen adds itself here.
SCREENS: list[tuple[str, str]] = [("today.show", "今日"), ("new.form", "新しく作る"), ("batch.form", "一括（CSV）"),
                                   ("history.search", "履歴")]

REFUSALS = {  # why a request was refused, for the person at the screen (never which patient)
    "host": "このページは、この PC の http://127.0.0.1 から開いてください"
            "（別の名前のページからの呼び出しは断ります）。",
    "origin": "別のページからの送信は受け付けません。画面を開き直してから、もう一度操作してください。",
    "csrf": "画面が古くなっています（または別のページからの送信です）。"
            "画面を開き直してから、もう一度操作してください。",
}


def create_app(content_dir: Path, data_dir: Path, *, bind_host: str = "127.0.0.1",
               password: str | None = None, upload_limit: int = UPLOAD_LIMIT, on_quit=None) -> Flask:
    """The desk for one content folder and one data folder. `bind_host` is where the server listens
    (the Host names accepted follow it); `password`, when given, is asked once per browser session;
    `on_quit()`, when given, is what the page's 終了 button calls (the server stops after this request)."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=upload_limit, MAX_FORM_MEMORY_SIZE=upload_limit,
                      DESK=DeskConfig(Path(content_dir), Path(data_dir), bind_host), TEMPLATES_AUTO_RELOAD=False)
    guard.install(app, bind_host=bind_host, password=password)

    from .batchjobs import Jobs
    from .drafts import Drafts
    from .screens import batch, history, mail, new, today

    app.config["DRAFTS"] = Drafts()
    app.config["BATCHES"] = Jobs()
    for screen in (today, new, mail, batch, history):
        app.register_blueprint(screen.blueprint)

    @app.route("/font/<name>")
    def font(name: str):
        """The handouts' own UD typeface for the pages too (from the package: no web font service)."""
        from flask import abort, send_file

        from ..resources import fonts_dir

        files = {"ud-regular.ttf": "BIZUDGothic-Regular.ttf", "ud-bold.ttf": "BIZUDGothic-Bold.ttf"}
        if name not in files:
            abort(404)
        return send_file(fonts_dir() / files[name], mimetype="font/ttf", max_age=30 * 86400)

    @app.post("/quit")
    def quit_desk():
        """終了: the launcher has no window to close, so the page stops the desk (a POST with the token)."""
        if on_quit is None:
            abort(404)
        on_quit()
        return render_template("quit.html")

    @app.route("/desk-alive")
    def alive():
        """For a second launch: answers that a desk is here (nothing else)."""
        return "", 204, {"X-Handout-Desk": "1"}

    @app.context_processor
    def everywhere():
        menu = [(endpoint, label) for endpoint, label in SCREENS if endpoint in app.view_functions]
        return {"menu": menu, "today": dt.date.today(), "signed_in_required": bool(password),
                "can_quit": on_quit is not None}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        reason = REFUSALS.get(str(error.description), "")
        if error.code == 413:
            reason = f"送られたファイルが大きすぎます（{upload_limit // (1024 * 1024)} MB まで）。"
        elif error.code == 404:
            reason = reason or "そのページはありません。上のメニューから選び直してください。"
        return render_template("error.html", code=error.code, reason=reason or error.name), error.code

    @app.errorhandler(Exception)
    def internal_error(error: Exception):
        # The type and the screen only: a message may quote a patient's name or address.
        LOG.error("internal error %s at %s", type(error).__name__, request.endpoint)
        return render_template("error.html", code=500,
                               reason="内部エラーです。もう一度試して同じなら、担当の技術者に"
                                      f"「{type(error).__name__}（{request.endpoint}）」と伝えてください。"), 500

    return app
