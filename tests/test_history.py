"""The history file (history.py) on its own: what an entry holds, search, the mis-send guard's
addresses, forgetting a patient, backup, versions and migration, failures, two writers at once.

The expectations are written out here (names, doses, the v1 schema's SQL), never computed with
the module under test."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clinic_handout import history as hist
from clinic_handout.compose import compose
from clinic_handout.content import load_content
from clinic_handout.history import History, HistoryError
from clinic_handout.prescription import catalogue_titles, load_prescription

from .conftest import SAMPLE

TODAY = dt.date(2026, 11, 25)

HANAKO = """\
patient:
  name: "山田\u3000花子"
  email: Hanako@Example.com
date: 2026-11-25
practitioner: 田中 健
area: both
stretches:
  - hip-flexor
  - id: inner-thigh
    hold_seconds: 15
    reps: 5
    sets_per_day: 2
    side: right
checklist_days: 7
"""
TARO = """\
patient:
  name: 山田 太郎
area: lower
"""


@pytest.fixture(scope="module")
def content():
    return load_content(SAMPLE)


@pytest.fixture(scope="module")
def made(content, tmp_path_factory):
    """{name: (prescription, handout, pdf)} for the two patients above, rendered once."""
    from clinic_handout.render import render

    folder = tmp_path_factory.mktemp("prescriptions")
    out = {}
    for key, text in (("hanako", HANAKO), ("taro", TARO)):
        path = folder / f"{key}.yaml"
        path.write_text(text, encoding="utf-8")
        prescription = load_prescription(path, catalogue_titles(content), content.glyphs)
        handout = compose(content, prescription, TODAY)
        out[key] = (prescription, handout, render(handout))
    return out


def record(history: History, content, made, key: str = "hanako", origin: str = "build", **extra) -> int:
    prescription, handout, pdf = made[key]
    return history.record_build(content=content, prescription=prescription, handout=handout, pdf=pdf,
                                origin=origin, file_name=f"{key}.pdf", **extra)


def test_an_entry_holds_what_was_handed_out(tmp_path, content, made):
    with History.open(tmp_path / "data") as history:
        entry_id = record(history, content, made)
        entry = history.get(entry_id)
    pdf = made["hanako"][2]
    assert entry.patient_name == "山田\u3000花子"  # exactly as typed, the ideographic space kept
    assert entry.handout_date == dt.date(2026, 11, 25)
    assert entry.origin == "build" and entry.file_name == "hanako.pdf"
    assert entry.prescription == {
        "patient": {"name": "山田\u3000花子", "email": "Hanako@Example.com"}, "date": "2026-11-25",
        "practitioner": "田中 健", "area": "both",
        "stretches": [{"id": "hip-flexor"},
                      {"id": "inner-thigh", "hold_seconds": 15, "reps": 5, "sets_per_day": 2, "side": "right"}],
        "checklist_days": 7}
    assert [(s.id, s.title, s.dose, s.detail, s.side) for s in entry.stretches] == [
        ("hip-flexor", "股関節の前のストレッチ", "10秒 × 5回 ・ 1日2セット", "左右それぞれ5回で1セット", None),
        ("inner-thigh", "太ももの内側のストレッチ", "15秒 × 5回 ・ 1日2セット", "右側だけ5回で1セット", "right")]
    assert entry.pdf_sha256 == hashlib.sha256(pdf).hexdigest() and entry.pdf_size == len(pdf)
    assert entry.tick_sheet is True and entry.large_print is False
    assert entry.content_fingerprint.startswith("sha256:") and len(entry.content_fingerprint) == 7 + 64
    assert entry.sends == ()
    with History.open(tmp_path / "data") as history:
        assert history.pdf(entry_id) == pdf  # byte for byte


def test_the_area_default_is_recorded_as_printed(tmp_path, content, made):
    with History.open(tmp_path / "data") as history:
        entry = history.get(record(history, content, made, "taro"))
    assert entry.prescription == {"patient": {"name": "山田 太郎"}, "area": "lower"}  # no stretches: as given
    assert [s.id for s in entry.stretches] == ["buttock", "hamstring", "foot-sole"]  # what the sheet printed
    assert entry.stretches[2].dose == "60秒 × 1回 ・ 1日2セット"
    assert entry.tick_sheet is False and entry.handout_date == TODAY


def test_the_pages_are_counted(tmp_path, content, made):
    from pypdf import PdfReader

    with History.open(tmp_path / "data") as history:
        entry = history.get(record(history, content, made))
    assert entry.pages == len(PdfReader(__import__("io").BytesIO(made["hanako"][2])).pages) >= 2


def test_the_file_is_private_and_in_wal_mode(tmp_path, content, made):
    data = tmp_path / "data"
    with History.open(data) as history:
        record(history, content, made)
        if os.name == "posix":
            assert stat.S_IMODE(data.stat().st_mode) == 0o700
            for name in ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"):
                assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    db = sqlite3.connect(data / "history.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_same_handout_again_is_the_same_entry(tmp_path, content, made):
    with History.open(tmp_path / "data") as history:
        first = record(history, content, made)
        assert record(history, content, made, origin="send") == first  # a re-run, or send after build
        assert len(history.search("")) == 1


def test_the_same_pdf_is_kept_once(tmp_path, content, made):
    prescription, handout, pdf = made["hanako"]
    with History.open(tmp_path / "data") as history:
        first = record(history, content, made)
        second = history.record_build(content=content, prescription=prescription, handout=handout, pdf=pdf,
                                      origin="build", file_name="copy.pdf")  # another file: another entry
        assert first != second
        assert history.pdf(first) == history.pdf(second) == made["hanako"][2]
    db = sqlite3.connect(tmp_path / "data" / "history.sqlite3")
    assert db.execute("SELECT count(*) FROM pdfs").fetchone()[0] == 1


@pytest.mark.parametrize("typed", ["山田", "花子", "山田花子", "山田 花子", "山田　花子", " 田花 "])
def test_search_finds_a_part_of_the_name(tmp_path, content, made, typed):
    with History.open(tmp_path / "data") as history:
        record(history, content, made)
        record(history, content, made, "taro")
        assert [e.patient_name for e in history.search(typed)][-1:] == ["山田\u3000花子"]


def test_search_ignores_width_and_kana_kind_but_keeps_the_name(tmp_path, content, made):
    from dataclasses import replace

    prescription, handout, pdf = made["taro"]
    with History.open(tmp_path / "data") as history:
        for name in ("ヤマダ タロウ", "ＡＢＥ Ｊｏｈｎ", "葛\U000E0100飾 一郎"):
            named = replace(prescription, patient=replace(prescription.patient, name=name))
            history.record_build(content=content, prescription=named, handout=handout, pdf=pdf, origin="batch")
        assert [e.patient_name for e in history.search("ﾀﾛｳ")] == ["ヤマダ タロウ"]  # half-width kana
        assert [e.patient_name for e in history.search("やまだ")] == ["ヤマダ タロウ"]  # hiragana for katakana
        assert [e.patient_name for e in history.search("abe j")] == ["ＡＢＥ Ｊｏｈｎ"]  # full-width, any case
        assert [e.patient_name for e in history.search("葛飾")] == ["葛\U000E0100飾 一郎"]  # variation selector
        assert history.search("%") == [] and history.search("_") == []  # no wildcards
        assert len(history.search("")) == 3
        assert [e.id for e in history.search("", limit=2)] == [3, 2]  # newest first


def test_sends_are_recorded_as_they_happened(tmp_path, content, made):
    pdf = made["hanako"][2]
    with History.open(tmp_path / "data") as history:
        entry_id = record(history, content, made, origin="send")
        history.record_send(entry_id, address="hanako@example.com", attachment_name="a.pdf", attachment=pdf,
                            outcome="failed", reason="550 宛先がありません")
        history.record_send(entry_id, address="hanako@example.com", attachment_name="a.pdf", attachment=b"locked",
                            outcome="sent", message_id="<abc@clinic.example>", encrypted=True,
                            bcc_refused="archive@clinic.example: 550 no")
        entry = history.get(entry_id)
    failed, sent = entry.sends
    assert (failed.outcome, failed.reason, failed.message_id) == ("failed", "550 宛先がありません", None)
    assert (sent.outcome, sent.message_id, sent.encrypted) == ("sent", "<abc@clinic.example>", True)
    assert sent.attachment_sha256 == hashlib.sha256(b"locked").hexdigest()
    assert sent.bcc_refused == "archive@clinic.example: 550 no"
    assert entry.sent_to == ("hanako@example.com",)


def test_a_send_of_a_missing_entry_is_refused(tmp_path):
    with History.open(tmp_path / "data") as history, pytest.raises(HistoryError, match="99 番はありません"):
        history.record_send(99, address="a@example.com", attachment_name="a.pdf", attachment=b"x", outcome="sent")


def test_other_addresses_for_the_mis_send_guard(tmp_path, content, made):
    with History.open(tmp_path / "data") as history:
        first = record(history, content, made)  # its prescription gives Hanako@Example.com
        history.record_send(first, address="old@example.com", attachment_name="a.pdf", attachment=b"x",
                            outcome="sent")
        history.record_send(first, address="typo@exmaple.com", attachment_name="a.pdf", attachment=b"x",
                            outcome="failed", reason="no such domain")
        taro = record(history, content, made, "taro")
        history.record_send(taro, address="taro@example.com", attachment_name="t.pdf", attachment=b"x",
                            outcome="sent")
        assert history.other_addresses("山田 花子", "hanako@example.com") == ["old@example.com"]
        assert history.other_addresses("山田花子", "new@example.com") == ["old@example.com", "Hanako@Example.com"]
        assert history.other_addresses("鈴木 一郎", "new@example.com") == []


def test_names_for_address_finds_the_other_patients_of_one_address(tmp_path, content, made):
    """One address for two patients is the classic wrong-person slip: the guard names the other patient."""
    with History.open(tmp_path / "data") as history:
        hanako = record(history, content, made)  # 山田　花子's prescription gives Hanako@Example.com
        taro = record(history, content, made, "taro")
        history.record_send(taro, address="family@example.com", attachment_name="t.pdf", attachment=b"x",
                            outcome="sent")
        history.record_send(taro, address="bounced@example.com", attachment_name="t.pdf", attachment=b"x",
                            outcome="failed", reason="550")
        history.record_send(hanako, address="Family@EXAMPLE.com ", attachment_name="a.pdf", attachment=b"x",
                            outcome="eml")
        # 山田 太郎 got family@ by mail; 山田 花子 had it written as a mail file: each is the other's warning
        assert history.names_for_address("family@example.COM", "山田 花子") == ["山田 太郎"]
        assert history.names_for_address("FAMILY@example.com", "山田 太郎") == ["山田\u3000花子"]
        assert history.names_for_address("family@example.com", "鈴木 一郎") == ["山田 太郎", "山田\u3000花子"]
        # the address of 花子's own prescription, in another case: another patient's warning, not hers
        assert history.names_for_address("hanako@example.com", "山田花子") == []
        assert history.names_for_address("HANAKO@example.com", "山田 太郎") == ["山田\u3000花子"]
        assert history.names_for_address("bounced@example.com", "山田 花子") == []  # that mail never went
        assert history.names_for_address("nobody@example.com", "山田 花子") == []
        assert history.names_for_address("", "山田 花子") == []


def test_forget_deletes_one_patient_and_leaves_no_trace_in_the_file(tmp_path, content, made):
    data = tmp_path / "data"
    with History.open(data) as history:
        hanako = record(history, content, made)
        history.record_send(hanako, address="hanako-secret@example.com", attachment_name="a.pdf", attachment=b"x",
                            outcome="sent")
        taro = record(history, content, made, "taro")
        assert [e.id for e in history.entries_of("山田花子")] == [hanako]
        assert history.forget("山田　花子") == 1
        assert history.search("花子") == []
        assert [e.id for e in history.search("山田")] == [taro]  # the other 山田 stays, with his PDF
        assert history.pdf(taro) == made["taro"][2]
    raw = b"".join(p.read_bytes() for p in data.iterdir())
    assert "花子".encode() not in raw and b"hanako-secret" not in raw  # overwritten, not just unlinked
    assert "太郎".encode() in raw


def test_forget_while_another_program_reads_leaves_no_trace_once_it_closes(tmp_path, content, made):
    data = tmp_path / "data"
    with History.open(data) as history:
        record(history, content, made)
        record(history, content, made, "taro")
    reader = sqlite3.connect(data / "history.sqlite3", isolation_level=None)  # the desk, mid-read
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM handouts").fetchone() == (2,)
    with History.open(data) as history:
        assert history.forget("山田 花子") == 1
        assert history.traces_left is True  # said, not hidden
        assert "花子".encode() in b"".join(p.read_bytes() for p in data.iterdir())  # still in the journal
    reader.execute("COMMIT")
    reader.close()  # the last program closes the file: SQLite empties and removes the journal
    raw = b"".join(p.read_bytes() for p in data.iterdir())
    assert "花子".encode() not in raw and "太郎".encode() in raw


def test_forget_needs_the_whole_name(tmp_path, content, made):
    with History.open(tmp_path / "data") as history:
        record(history, content, made)
        assert history.forget("山田") == 0 and history.forget("") == 0 and history.forget("　") == 0
        assert len(history.search("")) == 1


def test_a_stored_pdf_that_changed_is_refused(tmp_path, content, made):
    with History.open(tmp_path / "data") as history:
        entry_id = record(history, content, made)
    db = sqlite3.connect(tmp_path / "data" / "history.sqlite3")
    db.execute("UPDATE pdfs SET bytes = ?", (made["hanako"][2][:-10] + b"0000000000",))
    db.commit()
    db.close()
    with History.open(tmp_path / "data") as history, pytest.raises(HistoryError, match="壊れています"):
        history.pdf(entry_id)


def test_backup_is_one_consistent_private_file(tmp_path, content, made):
    with History.open(tmp_path / "data") as history:
        record(history, content, made)
        record(history, content, made, "taro")
        target = history.backup(tmp_path / "backup.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3", "data"]  # no -wal beside it
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    db = sqlite3.connect(target)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    names = db.execute("SELECT patient_name FROM handouts ORDER BY id").fetchall()
    assert names == [("山田\u3000花子",), ("山田 太郎",)]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.close()
    with History.open(tmp_path / "data") as history, pytest.raises(HistoryError, match="履歴そのもの"):
        history.backup(history.path)


# -- where the data folder is ------------------------------------------------------------------

def test_the_data_folder_is_beside_the_content_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("HANDOUT_DATA", raising=False)
    clinic = tmp_path / "clinic" / "handouts"
    clinic.mkdir(parents=True)
    assert hist.data_folder(None, clinic) == (tmp_path / "clinic" / "handout-data").resolve()
    assert hist.data_folder(tmp_path / "x", clinic) == tmp_path / "x"
    monkeypatch.setenv("HANDOUT_DATA", str(tmp_path / "env"))
    assert hist.data_folder(None, clinic) == tmp_path / "env"
    assert hist.data_folder(tmp_path / "x", clinic) == tmp_path / "x"  # --data first


def test_the_built_in_sample_records_in_the_users_folder(monkeypatch, tmp_path):
    from clinic_handout.resources import sample_content_dir

    monkeypatch.delenv("HANDOUT_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    found = hist.data_folder(None, sample_content_dir())
    assert not found.resolve().is_relative_to(sample_content_dir().resolve().parent)
    assert found.name == "handout-data" and tmp_path in found.parents


def test_the_data_folder_inside_the_content_folder_is_refused(tmp_path):
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    with pytest.raises(HistoryError, match="内容フォルダ .* の外に"):
        History.open(clinic / "handout-data", content_folder=clinic)
    assert not (clinic / "handout-data").exists()


def test_the_fingerprint_follows_the_content_not_the_patients(tmp_path):
    import shutil

    clinic = tmp_path / "clinic"
    shutil.copytree(SAMPLE, clinic)
    first = hist.content_fingerprint(clinic)
    (clinic / "patients" / "new.yaml").write_text("patient: {name: 新 患者}\narea: upper\n", encoding="utf-8")
    assert hist.content_fingerprint(clinic) == first
    texts = clinic / "texts.yaml"
    texts.write_text(texts.read_text(encoding="utf-8") + "\n# 変更\n", encoding="utf-8")
    assert hist.content_fingerprint(clinic) != first


# -- versions --------------------------------------------------------------------------------

V1_SCHEMA = """
CREATE TABLE pdfs (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE handouts (
  id INTEGER PRIMARY KEY, made_at TEXT NOT NULL, origin TEXT NOT NULL, patient_name TEXT NOT NULL,
  handout_date TEXT NOT NULL, prescription TEXT NOT NULL, stretches TEXT NOT NULL,
  content_fingerprint TEXT NOT NULL, file_name TEXT, pdf_sha256 TEXT NOT NULL REFERENCES pdfs(sha256),
  pages INTEGER NOT NULL, large_print INTEGER NOT NULL, tick_sheet INTEGER NOT NULL);
CREATE TABLE sends (
  id INTEGER PRIMARY KEY, handout_id INTEGER NOT NULL REFERENCES handouts(id) ON DELETE CASCADE,
  at TEXT NOT NULL, address TEXT NOT NULL, attachment_name TEXT NOT NULL, attachment_sha256 TEXT NOT NULL,
  encrypted INTEGER NOT NULL, outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'failed', 'eml')),
  reason TEXT, message_id TEXT, bcc_refused TEXT);
CREATE INDEX sends_by_handout ON sends(handout_id);
PRAGMA user_version = 1;
PRAGMA application_id = 1212239428;
"""


def make_v1(path: Path) -> None:
    """A version-1 history as the first release wrote it (rollback journal, one entry with a mail)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.execute("INSERT INTO pdfs VALUES ('ab12', x'255044462d')")
    db.execute("INSERT INTO handouts VALUES (1, '2026-01-05T10:00:00+09:00', 'batch', 'ﾔﾏﾀﾞ　ﾊﾅｺ', '2026-01-05',"
               " '{\"patient\": {\"name\": \"ﾔﾏﾀﾞ　ﾊﾅｺ\"}, \"area\": \"upper\"}',"
               " '[{\"id\": \"hip-flexor\", \"title\": \"股関節\", \"dose\": \"10秒\","
               " \"detail\": \"x\", \"side\": null}]',"
               " 'sha256:00', '2026-01-05_ﾔﾏﾀﾞﾊﾅｺ.pdf', 'ab12', 2, 0, 1)")
    db.execute("INSERT INTO sends VALUES (1, 1, '2026-01-05T10:01:00+09:00', 'hanako@example.com', 'a.pdf', 'cd',"
               " 0, 'sent', NULL, '<m1@clinic>', NULL)")
    db.commit()
    db.close()


def test_a_version_1_file_is_upgraded_with_its_entries(tmp_path, content, made):
    path = tmp_path / "data" / "history.sqlite3"
    make_v1(path)
    with History.open(tmp_path / "data") as history:
        assert history.version == 3
        [old] = history.search("やまだ はなこ")  # the v2 search key was filled in for the old row
        assert old.patient_name == "ﾔﾏﾀﾞ　ﾊﾅｺ" and old.sends[0].message_id == "<m1@clinic>"
        assert old.prescription == {"patient": {"name": "ﾔﾏﾀﾞ　ﾊﾅｺ"}, "area": "upper"}
        new = record(history, content, made)
        assert new == 2 and [e.id for e in history.search("山田")] == [2]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"handouts_by_name", "handouts_by_pdf", "sends_by_handout"} <= indexes


def test_a_file_of_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "data" / "history.sqlite3"
    make_v1(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="新しい版") as caught:
        History.open(tmp_path / "data")
    assert path.read_bytes() == before and "ﾊﾅｺ" not in str(caught.value)


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "data" / "history.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="履歴のファイルではありません"):
        History.open(tmp_path / "data")
    assert path.read_bytes() == before


def test_a_damaged_file_is_said_in_japanese(tmp_path):
    path = tmp_path / "data" / "history.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(HistoryError, match="壊れているか、履歴のファイルではありません"):
        History.open(tmp_path / "data")


def test_open_without_create_makes_nothing(tmp_path):
    with pytest.raises(hist.NoHistory, match="まだ履歴はありません"):
        History.open(tmp_path / "data", create=False)
    assert not (tmp_path / "data").exists()


# -- failures while recording ----------------------------------------------------------------

def test_a_locked_file_is_a_clear_error_naming_no_patient(tmp_path, content, made, monkeypatch):
    with History.open(tmp_path / "data") as history:
        record(history, content, made)
    other = sqlite3.connect(tmp_path / "data" / "history.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the file
    monkeypatch.setattr(hist, "BUSY_TIMEOUT_S", 0.2)
    try:
        with History.open(tmp_path / "data") as history, pytest.raises(HistoryError) as caught:
            record(history, content, made)
    finally:
        other.execute("ROLLBACK")
        other.close()
    message = str(caught.value)
    assert message.startswith("履歴に記録できませんでした") and "使用中" in message
    assert "花子" not in message and "hanako" not in message.lower()


def test_a_full_disk_is_a_clear_error_and_keeps_what_was_there(tmp_path, content, made):
    with History.open(tmp_path / "data") as history:
        first = record(history, content, made, "taro")
        pages = history._db.execute("PRAGMA page_count").fetchone()[0]
        history._db.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLITE_FULL, as on a full disk
        with pytest.raises(HistoryError, match="ディスクがいっぱい"):
            record(history, content, made)  # a new PDF of ~130 KB does not fit
        assert [e.id for e in history.search("")] == [first]  # nothing half-written
        assert history.pdf(first) == made["taro"][2]


# -- two processes at once -------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import datetime as dt, sys, time
    from pathlib import Path
    from clinic_handout.compose import compose
    from clinic_handout.content import load_content
    from clinic_handout.history import History
    from clinic_handout.prescription import catalogue_titles, load_prescription

    data, sample, prescription_file, pdf_file, who, count, go = sys.argv[1:]
    content = load_content(Path(sample))
    prescription = load_prescription(Path(prescription_file), catalogue_titles(content), content.glyphs)
    handout = compose(content, prescription, dt.date(2026, 11, 25))
    pdf = Path(pdf_file).read_bytes()
    while not Path(go).exists():  # both start writing together
        time.sleep(0.01)
    history = History.open(Path(data))
    for number in range(int(count)):
        entry = history.record_build(content=content, prescription=prescription, handout=handout, pdf=pdf,
                                     origin="desk" if who == "desk" else "batch", file_name=f"{who}-{number}.pdf")
        history.record_send(entry, address=f"{who}@example.com", attachment_name=f"{who}-{number}.pdf",
                            attachment=pdf, outcome="sent", message_id=f"<{who}-{number}@clinic>")
    history.close()
""")


def test_the_switch_to_wal_is_tried_again_when_sqlite_says_busy_at_once(tmp_path, monkeypatch):
    """Two programs switching a new file to WAL at once: SQLite answers one of them SQLITE_BUSY without
    its busy timeout (seen 7 times in 60 rounds of three processes). The open waits and tries again."""
    monkeypatch.setattr(hist, "BUSY_TIMEOUT_S", 5.0)
    with History.open(tmp_path / "data") as history:
        real, tries = history._db, []

        class Busy:
            def execute(self, sql, *args):
                tries.append(sql)
                if sql == "PRAGMA journal_mode = WAL" and len(tries) < 3:
                    error = sqlite3.OperationalError("database is locked")
                    error.sqlite_errorname = "SQLITE_BUSY"
                    raise error
                return real.execute(sql, *args)

        history._db = Busy()
        history._into_wal()
        assert tries == ["PRAGMA journal_mode = WAL"] * 3
        history._db = real


def run_writers(folder: Path, prescription: str, pdf: bytes, count: int) -> None:
    """The CLI and the desk, as two processes, each recording count handouts with a mail, starting together."""
    (folder / "p.yaml").write_text(prescription, encoding="utf-8")
    (folder / "p.pdf").write_bytes(pdf)
    go = folder / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(folder / "data"), str(SAMPLE),
                                 str(folder / "p.yaml"), str(folder / "p.pdf"), who, str(count), str(go)],
                                env=env, stderr=subprocess.PIPE, text=True) for who in ("cli", "desk")]
    go.touch()
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors


def test_two_processes_writing_at_once_lose_nothing(tmp_path, made):
    count = 25
    run_writers(tmp_path, HANAKO, made["hanako"][2], count)
    db = sqlite3.connect(tmp_path / "data" / "history.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    files = {row[0] for row in db.execute("SELECT file_name FROM handouts")}
    assert files == {f"{who}-{n}.pdf" for who in ("cli", "desk") for n in range(count)}
    pairs = db.execute("SELECT h.file_name, s.attachment_name, s.message_id FROM sends s"
                       " JOIN handouts h ON h.id = s.handout_id").fetchall()
    assert len(pairs) == 2 * count
    assert all(name == attached and mid == f"<{name[:-4]}@clinic>" for name, attached, mid in pairs)
    assert db.execute("SELECT count(*) FROM pdfs").fetchone()[0] == 1


def test_two_processes_opening_an_old_file_upgrade_it_once(tmp_path, made):
    make_v1(tmp_path / "data" / "history.sqlite3")
    run_writers(tmp_path, TARO, made["taro"][2], 2)
    db = sqlite3.connect(tmp_path / "data" / "history.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM handouts").fetchone()[0] == 5
    assert db.execute("SELECT name_key FROM handouts WHERE id = 1").fetchone()[0] == "やまだはなこ"
    assert json.loads(db.execute("SELECT prescription FROM handouts WHERE id = 1").fetchone()[0])["area"] == "upper"
