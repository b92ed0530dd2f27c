"""一括 (CSV): the day's list from Excel — upload, a table of every row's result, the print file, a ZIP.

The upload starts a job (desk.batchjobs) and the browser is sent to the job's own address
(POST → redirect → GET): the page shows a progress bar while the rows are built (polled by
batch.js; without the script the page reloads itself), then a table with each row's Excel row, the
name as typed, and the result — the PDF, or the reason in the validation layer's words.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from urllib.parse import quote

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for

from ...errors import InputError
from .. import batchjobs, engine

blueprint = Blueprint("batch", __name__, url_prefix="/batch")

NO_FILE = "CSV ファイルが選ばれていません。「ファイルを選択」で今日の一覧（Excel で保存した CSV）を選んでください。"
EMPTY_FILE = "選ばれたファイル「{name}」は空（0 バイト）です。Excel で保存し直してから選んでください。"


def _jobs() -> batchjobs.Jobs:
    return current_app.config["BATCHES"]


def _job(key: str) -> batchjobs.Job:
    job = _jobs().get(key)
    if job is None:
        abort(404)
    return job


@blueprint.get("/")
def form():
    return render_template("batch.html", job=None, problem=None)


@blueprint.post("/")
def upload():
    desk = current_app.config["DESK"]
    sent = request.files.get("csv")
    name = batchjobs.upload_name(sent.filename if sent else "")
    if sent is None or not name:
        return render_template("batch.html", job=None, problem=NO_FILE), 400
    data = sent.read()
    if not data:
        return render_template("batch.html", job=None, problem=EMPTY_FILE.format(name=name)), 400
    job = batchjobs.new_job(desk.data_dir, name, data)
    _jobs().add(job)
    batchjobs.start(job, desk.content_dir, desk.data_dir)
    return redirect(url_for("batch.show", key=job.id), 303)


@blueprint.get("/<key>")
def show(key: str):
    job = _job(key)
    return render_template("batch.html", job=job, problem=None, problem_text=engine.problem_text)


@blueprint.post("/<key>/stop")
def stop(key: str):
    """止める: the row being built is finished, the others are left (no print file then)."""
    _job(key).stop.set()
    return redirect(url_for("batch.show", key=key), 303)


@blueprint.get("/<key>/progress")
def progress(key: str):
    """What the progress bar shows (polled by batch.js): no patient's data in it."""
    job = _job(key)
    return jsonify(state=job.state, done=job.done, total=job.total)


def _pdf(data: bytes, filename: str, inline: bool = True):
    response = current_app.response_class(data, mimetype="application/pdf" if inline else "application/zip")
    kind = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{kind}; filename*=UTF-8''{quote(filename)}"
    return response


@blueprint.get("/<key>/print.pdf")
def merged(key: str):
    """The print file: every handout built, each starting on a new sheet (handout batch --merge)."""
    job = _job(key)
    if job.merged is None:
        abort(404)
    return _pdf(job.merged, f"{job.today.isoformat()}_印刷用_{len(job.built)}人分.pdf")


@blueprint.get("/<key>/handouts.zip")
def archive(key: str):
    job = _job(key)
    if job.running or not job.built:
        abort(404)
    return _pdf(batchjobs.zip_of(job), f"{job.today.isoformat()}_案内_{len(job.built)}人分.zip", inline=False)


@blueprint.get("/<key>/row/<int:number>.pdf")
def row_pdf(key: str, number: int):
    job = _job(key)
    row = job.row(number)
    if row is None or row.pdf is None:
        abort(404)
    return _pdf(row.pdf, row.filename)


# -- メールで送る: the selected rows, through the same mis-send guard as one handout ----------------

def _shown(row: batchjobs.Row) -> tuple:
    """What the confirmation shows of a row, and what its one-time token is bound to."""
    assert row.pdf is not None  # a built row
    return row.number, row.name, row.email, row.filename, hashlib.sha256(row.pdf).hexdigest(), row.pages


def _row(job: batchjobs.Job, number: int) -> batchjobs.Row:
    row = job.row(number)
    if row is None:
        abort(409)
    return row


@blueprint.post("/<key>/mail")
def choose(key: str):
    """The rows ticked (or every row with an address) → their confirmation; nothing is sent here."""
    job = _job(key)
    if job.running or job.result is None:
        abort(409)
    sendable = [row for row in job.built if row.email]
    if request.form.get("all") == "1":
        rows = sendable
    else:
        chosen = set(request.form.getlist("row"))
        rows = [row for row in sendable if str(row.number) in chosen]
    if not rows:
        job.mail_ok = False
        job.mail_report = ["送る人が選ばれていません。表の「選ぶ」に印を付けてから、もう一度押してください。"]
        return redirect(url_for("batch.show", key=key, _anchor="mail-report"), 303)
    token = secrets.token_urlsafe(24)
    job.mail_tokens[token] = tuple(_shown(row) for row in rows)
    return redirect(url_for("batch.confirm", key=key, token=token), 303)


@blueprint.get("/<key>/mail/<token>")
def confirm(key: str, token: str):
    job = _job(key)
    shown = job.mail_tokens.get(token)
    if shown is None:
        return redirect(url_for("batch.show", key=key), 303)
    desk = current_app.config["DESK"]
    rows = [_row(job, number) for number, *_ in shown]
    problems: list[str] = []
    settings = None
    try:
        settings = engine.mail_settings(desk.content_dir)
    except InputError as error:
        problems += [f"{p.file.name} {p.field}: {engine.problem_text(p)}" for p in error.problems]
    others, before = _known(rows)
    people: dict[str, set[str]] = {}
    for row in rows:
        people.setdefault(row.email.lower(), set()).add(row.name)
    shared = {address: sorted(names) for address, names in people.items() if len(names) > 1}
    return render_template(
        "batch_confirm.html", job=job, rows=rows, token=token if not problems else None, problems=problems,
        others=others, before=before, shared=shared,
        ask_password=bool(settings and settings.username and not os.environ.get(settings.password_env)))


def _known(rows) -> tuple[dict[int, list[str]], set[int]]:
    """From the history: each row's other addresses for this patient, and the rows whose very PDF already
    went to this address (a re-uploaded list)."""
    from ... import app as usecases
    from ...history import HistoryError

    desk = current_app.config["DESK"]
    others, before = {}, set()
    try:
        with usecases.open_history(desk.content_dir, desk.data_dir, create=False) as history:
            for row in rows:
                others[row.number] = history.other_addresses(row.name, row.email)
                digest = hashlib.sha256(row.pdf).hexdigest()
                if any(s.outcome == "sent" and s.address.lower() == row.email.lower() and s.attachment_sha256 == digest
                       for entry in history.entries_of(row.name) for s in entry.sends):
                    before.add(row.number)
    except HistoryError:
        pass  # no history (yet): nothing known to warn about
    return others, before


@blueprint.post("/<key>/mail/<token>")
def send(key: str, token: str):
    """Sends exactly the rows the confirmation showed (the token is used up either way)."""
    from ... import app as usecases
    from ...mail import send_key

    job = _job(key)
    shown = _jobs().take_token(key, token)
    rows = [job.row(number) for number, *_ in shown or ()]
    if not shown or any(row is None or row.pdf is None or _shown(row) != seen
                        for row, seen in zip(rows, shown, strict=True)):
        message = ("この確認画面はもう使えません（送信済みか、古い画面です）。メールは送っていません。"
                   "表から選び直してください。")
        return render_template("error.html", code=409, reason=message), 409
    checked = [row for row in rows if row is not None]  # none is None: checked just above
    if job.result is None:
        abort(409)
    plan = usecases.plan_batch_send(job.result)
    if plan.failure is not None:
        job.mail_ok, job.mail_report = False, [engine.japanese(plan.failure.message), "メールは送っていません。"]
        return redirect(url_for("batch.show", key=key, _anchor="mail-report"), 303)
    chosen = {row.label: row for row in checked}
    plan.waiting = [d for d in plan.waiting if d.label in chosen and d.address == chosen[d.label].email]
    plan.bad = [(label, why) for label, why in plan.bad if label in chosen]
    waiting = {d.label for d in plan.waiting}
    typed = request.form.get("smtp_password") or None

    def password(settings):
        return typed or (os.environ.get(settings.password_env) if settings.username else None)

    result = usecases.send_batch(plan, smtp_password=password)
    failed = dict(result.failed)
    assert plan.log is not None  # a plan without failure
    for row in checked:
        assert row.pdf is not None
        key_ = send_key(row.filename, row.email, row.pdf)
        if row.label in failed:
            row.sends.append(("failed", engine.japanese(failed[row.label])))
        elif row.label not in waiting:
            row.sends.append(("already", row.email))
        elif key_ in plan.log.sent:
            row.sends.append(("sent", row.email))
        else:
            row.sends.append(("not_sent", row.email))
    said = f"{result.sent} 件送信しました。"
    said += f"{len(result.failed)} 件は送れませんでした。" if result.failed else ""
    said += f"{result.not_sent} 件は送っていません。" if result.not_sent else ""
    job.mail_report = [said]
    job.mail_report += [engine.japanese(n.text) for n in result.notices if n.kind == "warning"]
    job.mail_ok = result.all_sent and not result.notices
    return redirect(url_for("batch.show", key=key, _anchor="mail-report"), 303)
