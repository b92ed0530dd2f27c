"""The history as the commands fill it: build, batch, send and the batch send record what they wrote and
sent; `handout history` shows it and gives back the very PDF; a broken history never changes what a
command says about a mail. The expectations are the files and mails themselves, and words written here."""
from __future__ import annotations

import email
import hashlib
import os
import sqlite3
from email import policy
from pathlib import Path

import pytest

from clinic_handout.history import History

from . import test_mail
from .conftest import STANDARD
from .test_mail import PATIENT, attachment, batch_csv, log_lines

server, clinic = test_mail.server, test_mail.clinic  # the local SMTP server and a content folder using it


def data() -> Path:
    return Path(os.environ["HANDOUT_DATA"])  # conftest: each test's own history folder


def entries() -> list:
    with History.open(data(), create=False) as history:
        return history.search("", limit=None)


def damage_the_history() -> None:
    """A history file that is not a database (a disk error, a bad copy): every write fails."""
    data().mkdir(parents=True, exist_ok=True)
    (data() / "history.sqlite3").write_bytes(b"\x00garbage, not SQLite\x00" * 200)


def test_build_records_the_handout_it_wrote(run, write, tmp_path):
    out = tmp_path / "hanako.pdf"
    result = run("build", write("p.yaml", PATIENT), "-o", out)
    assert result.exit_code == 0, result.output
    entry, = entries()
    assert entry.patient_name == "山田 花子" and entry.origin == "build" and entry.file_name == "hanako.pdf"
    assert entry.prescription == {"patient": {"name": "山田 花子", "email": "hanako@example.com"},
                                  "date": "2026-11-25", "area": "both"}
    assert entry.pdf_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert [s.id for s in entry.stretches] == ["hip-flexor", "inner-thigh", "buttock", "hamstring", "foot-sole"]


def test_history_pdf_is_byte_identical_to_what_was_handed_out(run, write, tmp_path):
    out = tmp_path / "hanako.pdf"
    assert run("build", write("p.yaml", PATIENT), "-o", out, "--large-print").exit_code == 0
    handed_out = out.read_bytes()
    out.unlink()  # the file is gone; the history still has it
    again = tmp_path / "again.pdf"
    result = run("history", "--pdf", entries()[0].id, "-o", again)
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == handed_out and entries()[0].large_print
    refused = run("history", "--pdf", entries()[0].id, "-o", write("other.pdf", "something else"))
    assert refused.exit_code == 2 and "--overwrite" in refused.output  # never over another file


def test_history_open_writes_the_pdf_for_the_viewer(run, write, tmp_path, monkeypatch):
    import click

    opened = []
    monkeypatch.setattr(click, "launch", lambda path, **_: opened.append(Path(path)))
    out = tmp_path / "hanako.pdf"
    assert run("build", write("p.yaml", PATIENT), "-o", out).exit_code == 0
    result = run("history", "--open", entries()[0].id)
    assert result.exit_code == 0, result.output
    assert opened[0].read_bytes() == out.read_bytes() and opened[0].name == "hanako.pdf"
    if os.name == "posix":
        assert oct(opened[0].parent.stat().st_mode & 0o777) == oct(0o700)


def test_history_lists_in_japanese_and_finds_part_of_the_name(run, write, tmp_path):
    assert run("build", write("p.yaml", PATIENT), "-o", tmp_path / "a.pdf").exit_code == 0
    other = STANDARD.replace("山田 花子", "ｽｽﾞｷ ｲﾁﾛｳ").replace("area: both", "area: upper")
    assert run("build", write("q.yaml", other), "-o", tmp_path / "b.pdf").exit_code == 0
    result = run("history", "すずき")  # hiragana finds the half-width katakana, shown as typed
    assert result.exit_code == 0, result.output
    assert "ｽｽﾞｷ ｲﾁﾛｳ 様" in result.output and "山田" not in result.output
    assert "股関節の前のストレッチ　10秒 × 5回 ・ 1日2セット（左右それぞれ5回で1セット）" in result.output
    assert "メールなし (not mailed)" in result.output
    everyone = run("history")
    assert everyone.output.index("山田 花子") < everyone.output.index("ｽｽﾞｷ")  # the newest last
    assert "記録はありません" in run("history", "佐藤").output


def test_no_history_yet_is_said_and_nothing_is_made(run):
    result = run("history")
    assert result.exit_code == 0 and "まだ履歴はありません" in result.output
    assert not (data() / "history.sqlite3").exists()
    assert run("history", "--pdf", "1", "-o", "x.pdf").exit_code == 1


def test_forget_asks_and_deletes_only_that_patient(run, write, tmp_path):
    from click.testing import CliRunner

    from clinic_handout.cli import cli

    assert run("build", write("p.yaml", PATIENT), "-o", tmp_path / "a.pdf").exit_code == 0
    taro = STANDARD.replace("山田 花子", "山田 太郎")
    assert run("build", write("q.yaml", taro), "-o", tmp_path / "b.pdf").exit_code == 0
    kept = CliRunner().invoke(cli, ["history", "--forget", "山田花子"], input="n\n")
    assert kept.exit_code == 1 and len(entries()) == 2
    assert "この 1 件を履歴から削除します" in kept.output
    partial = run("history", "--forget", "山田", "--yes")
    assert "名前は全部書いてください" in partial.output and len(entries()) == 2
    gone = CliRunner().invoke(cli, ["history", "--forget", "山田花子"], input="y\n")
    assert gone.exit_code == 0 and "1 件を削除しました" in gone.output, gone.output
    assert [e.patient_name for e in entries()] == ["山田 太郎"]


def test_backup_is_a_copy_that_opens(run, write, tmp_path):
    assert run("build", write("p.yaml", PATIENT), "-o", tmp_path / "a.pdf").exit_code == 0
    target = tmp_path / "backup.sqlite3"
    result = run("history", "--backup", target)
    assert result.exit_code == 0, result.output
    with History.open(_folder_with(target), create=False) as h:
        assert [e.patient_name for e in h.search("")] == ["山田 花子"]


def _folder_with(backup: Path) -> Path:
    """A data folder holding the backup under the history's name: restoring is copying one file back."""
    folder = backup.parent / "restored"
    folder.mkdir()
    (folder / "history.sqlite3").write_bytes(backup.read_bytes())
    return folder


def test_batch_records_each_handout_written(run, clinic, tmp_path):
    text = ("name,area,date\n一人目 花子,upper,2026-11-25\n二人目 花子,middle,2026-11-25\n"
            "三人目 花子,both,2026-11-25\n")
    out = tmp_path / "out"
    result = run("batch", batch_csv(tmp_path, text), "-o", out, "--content", clinic, "--jobs", "1")
    assert result.exit_code == 1  # row 3 is bad
    recorded = {e.file_name: e for e in entries()}
    assert sorted(recorded) == sorted(p.name for p in out.glob("*.pdf")) == [
        "2026-11-25_一人目花子.pdf", "2026-11-25_三人目花子.pdf"]
    for name, entry in recorded.items():
        assert entry.origin == "batch"
        assert entry.pdf_sha256 == hashlib.sha256((out / name).read_bytes()).hexdigest()
    rerun = run("batch", batch_csv(tmp_path, text), "-o", out, "--content", clinic, "--jobs", "1")
    assert rerun.exit_code == 1 and len(entries()) == 2  # the same files again: the same entries


def test_batch_send_log_and_history_agree(run, clinic, server, tmp_path):
    server.refuse.add("two@example.com")
    out = tmp_path / "out"
    result = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert result.exit_code == 1, result.output
    sends = {s.message_id: (e, s) for e in entries() for s in e.sends}
    logged = log_lines(out)
    assert len(logged) == len(sends) == 3
    for line in logged:
        entry, send = sends[line["message_id"]]
        assert (entry.patient_name, send.address, send.attachment_name, send.outcome) == (
            line["patient"], line["address"], line["file"], line["outcome"])
        assert send.reason == line.get("error") and entry.file_name == line["file"]
        assert send.attachment_sha256 == entry.pdf_sha256
    refused, = [s for _, s in sends.values() if s.outcome == "failed"]
    assert refused.address == "two@example.com" and "550" in refused.reason
    received = {m["Message-ID"]: attachment(m).get_content() for m in server.messages}
    for message_id, pdf in received.items():
        entry, send = sends[message_id]
        assert send.outcome == "sent" and hashlib.sha256(pdf).hexdigest() == entry.pdf_sha256
    server.refuse.clear()
    again = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert again.exit_code == 0, again.output
    two, = [e for e in entries() if e.patient_name == "二人目 花子"]
    assert [s.outcome for s in two.sends] == ["failed", "sent"]  # the re-run's mail under the same handout
    assert len(entries()) == 3


def test_send_records_the_mail_as_it_went(run, write, clinic, server, tmp_path):
    source = write("p.yaml", PATIENT)
    assert run("send", source, "--content", clinic, "--dry-run").exit_code == 0
    assert not (data() / "history.sqlite3").exists()  # a dry run records nothing
    result = run("send", source, "--content", clinic)
    assert result.exit_code == 0, result.output
    entry, = entries()
    send, = entry.sends
    mail, = server.messages
    assert (send.outcome, send.address, send.message_id) == ("sent", "hanako@example.com", mail["Message-ID"])
    assert hashlib.sha256(attachment(mail).get_content()).hexdigest() == entry.pdf_sha256 == send.attachment_sha256
    server.refuse.add("other@example.com")
    failed = run("send", source, "--content", clinic, "--to", "other@example.com")
    assert failed.exit_code == 1 and "送れませんでした" in failed.output
    entry, = entries()  # the same handout: its second mail
    assert [(s.outcome, s.address) for s in entry.sends] == [("sent", "hanako@example.com"),
                                                             ("failed", "other@example.com")]
    assert "550" in entry.sends[1].reason
    with History.open(data()) as history:
        assert history.other_addresses("山田花子", "other@example.com") == ["hanako@example.com"]


def test_send_eml_and_encrypted_are_recorded_as_such(run, write, clinic, server, tmp_path, monkeypatch):
    source = write("p.yaml", PATIENT)
    assert run("send", source, "--content", clinic, "--eml", tmp_path / "m.eml").exit_code == 0
    monkeypatch.setenv("HANDOUT_PDF_PASSWORD", "desk-1234")
    assert run("send", source, "--content", clinic, "--encrypt").exit_code == 0
    entry, = entries()
    eml, locked = entry.sends
    written = email.message_from_bytes((tmp_path / "m.eml").read_bytes(), policy=policy.default)
    assert (eml.outcome, eml.message_id) == ("eml", written["Message-ID"])
    mail, = server.messages
    assert locked.encrypted and locked.attachment_sha256 == hashlib.sha256(attachment(mail).get_content()).hexdigest()
    assert locked.attachment_sha256 != entry.pdf_sha256  # the history keeps the unlocked handout
    with History.open(data()) as history:
        assert history.pdf(entry.id).startswith(b"%PDF-") and b"/Encrypt" not in history.pdf(entry.id)


# -- a history that fails never changes what is said of a mail -------------------------------

def test_a_broken_history_does_not_stop_a_build(run, write, tmp_path):
    damage_the_history()
    out = tmp_path / "a.pdf"
    result = run("build", write("p.yaml", PATIENT), "-o", out)
    assert result.exit_code == 0 and out.exists()
    assert "PDF は書きました" in result.output and "履歴には記録できませんでした" in result.output
    assert "壊れているか" in result.output


def test_a_broken_history_does_not_unsay_a_sent_mail(run, write, clinic, server):
    damage_the_history()
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 0, result.output
    assert len(server.messages) == 1
    assert "送信しました (sent): hanako@example.com" in result.output
    assert "メールは送信しました (the mail WAS sent to hanako@example.com)。ただし履歴には記録できませんでした" \
        in result.output
    assert "Traceback" not in result.output


def test_a_broken_history_does_not_make_a_failed_mail_look_sent(run, write, clinic, server):
    damage_the_history()
    server.refuse.add("hanako@example.com")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1 and server.messages == []
    assert "メールは送れませんでした (the mail was NOT sent)。ただし履歴には記録できませんでした" in result.output
    assert "送信しました" not in result.output


def test_a_broken_history_does_not_stop_a_batch_send(run, clinic, server, tmp_path):
    damage_the_history()
    out = tmp_path / "out"
    result = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert len(server.messages) == 3 and "3 sent, 0 failed" in result.output
    assert [e["outcome"] for e in log_lines(out)] == ["sent"] * 3  # the send log has every mail
    assert result.output.count("履歴には記録できませんでした") == 2  # once for the build, once for the mails
    assert "3 件" in result.output


def test_a_history_locked_by_another_program_is_said(run, write, tmp_path, monkeypatch):
    from clinic_handout import history

    assert run("build", write("p.yaml", PATIENT), "-o", tmp_path / "a.pdf").exit_code == 0
    monkeypatch.setattr(history, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(data() / "history.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        result = run("build", write("q.yaml", PATIENT.replace("山田 花子", "鈴木 一郎")), "-o", tmp_path / "b.pdf")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 0 and (tmp_path / "b.pdf").exists()
    assert "ほかのプログラムが使用中" in result.output
    assert [e.patient_name for e in entries()] == ["山田 花子"]


@pytest.mark.parametrize("command", ["build", "batch", "send"])
def test_data_inside_the_content_folder_is_refused(run, write, clinic, tmp_path, command):
    inside = clinic / "handout-data"
    source = write("p.yaml", PATIENT)
    args = {"build": ["build", source, "-o", tmp_path / "a.pdf"],
            "batch": ["batch", batch_csv(tmp_path), "-o", tmp_path / "out", "--jobs", "1"],
            "send": ["send", source, "--eml", tmp_path / "m.eml"]}[command]
    result = run(*args, "--content", clinic, "--data", inside)
    assert result.exit_code == 0, result.output
    assert "内容フォルダ" in result.output and "の外にしてください" in result.output
    assert not inside.exists()


def test_new_records_the_handout_it_wrote(tmp_path):
    from .test_guided import ENTERS, converse

    result = converse(tmp_path / "today", ["木村 次郎"] + [""] * ENTERS)
    assert result.exit_code == 0, result.output
    pdf, = (tmp_path / "today").glob("*.pdf")
    entry, = entries()
    assert (entry.origin, entry.patient_name, entry.file_name) == ("new", "木村 次郎", pdf.name)
    assert entry.pdf_sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert entry.prescription["patient"] == {"name": "木村 次郎"} and entry.prescription["area"] == "both"
    assert "履歴" not in result.output  # recorded without a word
