"""一括 (CSV): the day's list from Excel — upload, a table of every row's result, the print file, a ZIP.

The upload starts a job (desk.batchjobs) and the browser is sent to the job's own address
(POST → redirect → GET): the page shows a progress bar while the rows are built (polled by
batch.js; without the script the page reloads itself), then a table with each row's Excel row, the
name as typed, and the result — the PDF, or the reason in the validation layer's words.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for

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
