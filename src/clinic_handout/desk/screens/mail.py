"""The mis-send guard: no mail leaves the desk without this confirmation.

The confirmation shows, side by side, the patient's name, the address, the attachment's file name
and its page count, and says in red when the history knows another address for this patient, or this address for another
patient (by name: the receptionist is staff; the names are never logged). Its
send button carries a one-time token bound to exactly what was shown (address, file name, the PDF's
sha256, pages): a changed address, another PDF, a reload or a second click sends nothing.
"""
from __future__ import annotations

import os
import secrets

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ...errors import InputError
from .. import engine

blueprint = Blueprint("mail", __name__, url_prefix="/mail")


def _draft(key: str):
    draft = current_app.config["DRAFTS"].get(key)
    return draft if draft is not None and draft.built is not None else None


@blueprint.get("/<key>")
def confirm(key: str):
    draft = _draft(key)
    if draft is None:
        return redirect(url_for("new.form"))
    desk = current_app.config["DESK"]
    built = draft.built
    address = built.address
    problems: list[str] = []
    settings = None
    if not address:
        problems.append("メールアドレスがありません。「戻って直す」で、メールアドレスの欄に入れてください。")
    try:
        settings = engine.mail_settings(desk.content_dir)
    except InputError as error:
        problems += [f"{p.file.name} {p.field}: {engine.problem_text(p)}" for p in error.problems]
    others, unchecked = engine.other_addresses(built.patient_name, address, desk.content_dir, desk.data_dir) \
        if address else ([], "")
    other_patients, unchecked_too = engine.other_patients(address, built.patient_name, desk.content_dir,
                                                          desk.data_dir) if address else ([], "")
    unchecked = unchecked or unchecked_too
    token = None
    if not problems:
        token = secrets.token_urlsafe(24)
        draft.mail_tokens[token] = (address, built.filename, built.sha256, built.pages)
    return render_template(
        "confirm.html", key=key, built=built, address=address, problems=problems, token=token,
        others=others, other_patients=other_patients, unchecked=engine.japanese(unchecked),
        sent_before=engine.sends_before(built, address, desk.content_dir, desk.data_dir) if address else 0,
        contents=engine.contents(built),
        ask_password=bool(settings and settings.username and not os.environ.get(settings.password_env)))


@blueprint.post("/<key>")
def send(key: str):
    desk = current_app.config["DESK"]
    shown = current_app.config["DRAFTS"].take_token(key, request.form.get("token", ""))
    draft = _draft(key)
    refused = None
    if shown is None or draft is None:
        refused = "この確認画面はもう使えません（送信済みか、古い画面です）。"
    else:
        built = draft.built
        now = (built.address, built.filename, built.sha256, built.pages)
        posted = (request.form.get("address"), request.form.get("filename"))
        if now != shown or posted != shown[:2]:
            refused = "確認画面に出ていた内容と違います。"
    if refused:
        message = refused + "メールは送っていません。もう一度「メールで送る」からやり直してください。"
        return render_template("sent.html", ok=False, key=key, built=None, message=message, notices=[]), 409
    before = engine.sends_before(built, shown[0], desk.content_dir, desk.data_dir)
    if before and request.form.get("again") != str(before + 1):
        refused = (f"この案内は {shown[0]} へもう {before} 通送ってあります。{before + 1}通目を送るときは、"
                   f"確認画面の「もう一度送ります（{before + 1}通目）」に印を付けてください。")
    typed = request.form.get("smtp_password") or None
    if not refused:
        try:
            if engine.smtp_password_missing(engine.mail_settings(desk.content_dir), typed):
                refused = ("メールのパスワードが空です。確認画面の「メールのパスワード」に、医院のメールの"
                           "パスワードを入れてください。")
        except InputError:
            pass  # said by the send itself, in the words of mail.yaml's check
    if refused:
        message = refused + "メールは送っていません。もう一度「メールで送る」からやり直してください。"
        return render_template("sent.html", ok=False, key=key, built=None, message=message, notices=[]), 409
    pdf_password = engine.new_pdf_password() if request.form.get("encrypt") == "on" else None
    outcome = engine.send(built, shown[0], desk.data_dir, typed, pdf_password)
    notices = [engine.japanese(n.text) for n in outcome.notices if n.kind == "warning"]
    if not outcome.sent:
        return render_template("sent.html", ok=False, key=key, built=built, address=shown[0], notices=notices,
                               message=engine.japanese(outcome.failure.message if outcome.failure else "")), 502
    return render_template("sent.html", ok=True, key=key, built=built, address=shown[0], outcome=outcome,
                           notices=notices, nth=before + 1, pdf_password=pdf_password)
