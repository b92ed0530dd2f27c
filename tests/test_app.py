"""The use-case layer (clinic_handout.app) called as the browser front desk will call it: no click, no
terminal. Each use case returns what it wrote and what failed as data, with its messages worded, and
prints nothing."""
import datetime as dt
import hashlib
import sys

import pytest

from clinic_handout import app

from .conftest import SAMPLE, STANDARD, pdf_text

DAY = dt.date(2026, 11, 20)
WITH_EMAIL = STANDARD.replace("  name: 山田 花子\n", "  name: 山田 花子\n  email: hanako@example.com\n")
CSV = "名前,部位,日付\n山田 花子,両方,2026/11/25\n木村 次郎,真ん中,2026/11/25\n佐藤 一郎,上,\n"


@pytest.fixture(autouse=True)
def _nothing_printed(capfd, monkeypatch):
    """No use case prints: every test here ends with empty stdout and stderr (also of worker processes)."""
    monkeypatch.setattr(sys, "argv", ["not-the-cli"])
    yield
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), "a use case printed"


def test_validate_returns_every_problem_as_data(write):
    bad = write("bad.yaml", "patient:\n  name: 山田 花子\narea: top\nstretches:\n  - id: buttock\n    reps: 0\n")
    result = app.validate([bad], content_dir=SAMPLE)
    assert not result.ok and result.failure.exit_code == 1
    assert {(p.file.name, p.line, p.field) for p in result.problems} == {
        ("bad.yaml", 3, "area"), ("bad.yaml", 6, "stretches[1].reps")}
    assert result.failure.message.startswith(f"エラー: {SAMPLE} + 1 処方ファイル (prescription files) に 2 件の問題")
    assert result.pages is None


def test_validate_ok_counts_the_standard_handouts_pages(write):
    good = write("good.yaml", STANDARD)
    result = app.validate([good], content_dir=SAMPLE)
    assert result.ok and result.pages == 2 and not result.problems
    assert result.done == (f"問題ありません (no problems): {SAMPLE} + 1 処方ファイル (prescription files); "
                           "標準のハンドアウト (standard handout): 2 ページ (pages)")


def test_build_handout_gives_bytes_and_the_file_name_writing_nothing(write, tmp_path):
    source = write("p.yaml", STANDARD)
    before = set(tmp_path.iterdir())
    result = app.build_handout(source, content_dir=SAMPLE, today=DAY)
    assert result.ok and result.pdf.startswith(b"%PDF-")
    assert result.filename == "2026-11-25_山田花子.pdf"
    assert set(tmp_path.iterdir()) == before


def test_build_handout_failure_names_the_field(write):
    source = write("p.yaml", "patient:\n  name: 山田 花子\narea: middle\n")
    result = app.build_handout(source, content_dir=SAMPLE)
    assert result.pdf == b"" and result.failure.exit_code == 1
    assert [(p.line, p.field) for p in result.failure.problems] == [(3, "area")]
    assert result.failure.message.endswith("PDF は作っていません (nothing was written).")


def test_write_handout_refuses_a_different_file_and_keeps_it(write, tmp_path):
    source = write("p.yaml", STANDARD)
    out = tmp_path / "out.pdf"
    out.write_bytes(b"someone else's file")
    result = app.write_handout(source, output=out, content_dir=SAMPLE)
    assert result.failure is not None and result.failure.exit_code == 2 and result.path is None
    assert "--overwrite" in result.failure.message
    assert out.read_bytes() == b"someone else's file"
    result = app.write_handout(source, output=out, content_dir=SAMPLE, overwrite=True)
    assert result.ok and result.path == out and result.done == str(out)
    assert "山田花子様" in pdf_text(out)


def test_write_handout_never_over_its_input(write):
    source = write("p.yaml", STANDARD)
    result = app.write_handout(source, output=source, content_dir=SAMPLE)
    assert result.failure.exit_code == 2
    assert source.read_text(encoding="utf-8") == STANDARD


def test_a_batch_plan_then_build_reports_rows_as_data(write, tmp_path):
    source = write("today.csv", CSV)
    plan = app.plan_batch(source, out_dir=tmp_path / "out", merge_to=tmp_path / "print.pdf", content_dir=SAMPLE)
    assert plan.ok and plan.count == 2
    assert not (tmp_path / "out").exists()  # planning writes nothing
    steps = []
    result = app.build_batch(plan, jobs=1, today=DAY, progress=steps.append)
    assert sum(steps) == 2
    assert [(label, path.name) for label, path in result.written] == [
        ("2行目 山田 花子 (row 2)", "2026-11-25_山田花子.pdf"), ("4行目 佐藤 一郎 (row 4)", "2026-11-20_佐藤一郎.pdf")]
    assert [f.label for f in result.failed] == ["3行目 木村 次郎 (row 3)"]
    assert [(p.line, p.found) for p in result.failed[0].problems] == [(3, '"真ん中"')]
    assert result.merged == tmp_path / "print.pdf" and result.merged.is_file()
    assert not result.complete and not result.stopped
    assert result.done == "2 件作成、1 件失敗 (2 built, 1 failed: 3行目 木村 次郎 (row 3))"


def test_a_batch_stops_when_asked_leaving_whole_files_only(write, tmp_path):
    source = write("today.csv", "名前,部位\n" + "".join(f"患者 {n},両方\n" for n in range(1, 6)))
    out = tmp_path / "out"
    plan = app.plan_batch(source, out_dir=out, merge_to=tmp_path / "print.pdf", content_dir=SAMPLE)
    result = app.build_batch(plan, jobs=1, today=DAY, stop=lambda: len(list(out.glob("*.pdf"))) >= 2)
    assert result.stopped and not result.complete
    assert len(result.written) == 2
    assert result.not_built == [f"{n}行目 患者 {n - 1} (row {n})" for n in range(4, 7)]
    assert sorted(p.name for p in out.iterdir()) == ["2026-11-20_患者1.pdf", "2026-11-20_患者2.pdf"]
    assert result.merged is None and not (tmp_path / "print.pdf").exists()  # no half print file
    assert "3 件未作成" in result.done


def test_a_batch_that_cannot_start_is_a_failure_before_anything_is_written(write, tmp_path):
    source = write("today.csv", CSV)
    out = tmp_path / "out"
    plan = app.plan_batch(source, out_dir=out, merge_to=out / "print.pdf", content_dir=SAMPLE)
    assert plan.failure.exit_code == 2 and "--merge" in plan.failure.message
    assert not out.exists()
    with pytest.raises(ValueError):
        app.build_batch(plan)


def test_send_dry_run_says_to_whom_and_what_sends_nothing(write):
    source = write("p.yaml", WITH_EMAIL)
    result = app.send_handout(source, dry_run=True, content_dir=SAMPLE, today=DAY)
    assert result.ok and not result.sent
    assert (result.address, result.filename) == ("hanako@example.com", "2026-11-25_山田花子.pdf")
    assert "山田 花子" in result.subject
    assert result.preview.startswith("宛先 (to): hanako@example.com\n件名 (subject): ")


def test_send_refuses_a_pdf_that_is_not_this_patients(write, tmp_path):
    source = write("p.yaml", WITH_EMAIL)
    other = write("other.yaml", STANDARD.replace("山田 花子", "木村 次郎"))
    theirs = app.build_handout(other, content_dir=SAMPLE, today=DAY).pdf
    (tmp_path / "theirs.pdf").write_bytes(theirs)
    result = app.send_handout(source, pdf_file=tmp_path / "theirs.pdf", dry_run=True, content_dir=SAMPLE)
    assert not result.ok and not result.sent and "nothing was sent" in result.failure.message
    mine = app.build_handout(source, content_dir=SAMPLE, today=DAY).pdf
    (tmp_path / "mine.pdf").write_bytes(mine)
    result = app.send_handout(source, pdf_file=tmp_path / "mine.pdf", dry_run=True, content_dir=SAMPLE, today=DAY)
    assert result.ok and result.size == len(mine)


def test_send_without_an_address_is_a_failure(write):
    result = app.send_handout(write("p.yaml", STANDARD), to="", dry_run=True, content_dir=SAMPLE)
    assert result.failure is not None and "no email address" in result.failure.message


def test_gallery_and_a_new_content_folder(tmp_path):
    result = app.make_gallery(output=tmp_path / "figures.pdf", content_dir=SAMPLE)
    assert result.ok and result.path.read_bytes().startswith(b"%PDF-")
    folder = tmp_path / "mine"
    result = app.start_content_folder(folder)
    assert result.ok and (folder / "clinic.yaml").is_file() and not list(folder.rglob("*.py"))
    clinic = (folder / "clinic.yaml").read_bytes()
    assert hashlib.sha256(clinic).digest() == hashlib.sha256((SAMPLE / "clinic.yaml").read_bytes()).digest()
    again = app.start_content_folder(folder)
    assert again.failure is not None and "not empty" in again.failure.message


def test_list_stretches(tmp_path):
    result = app.list_stretches(content_dir=SAMPLE)
    assert [row["id"] for row in result.rows] == ["hip-flexor", "inner-thigh", "buttock", "hamstring", "foot-sole"]
    assert result.lines[0].startswith("hip-flexor   10秒 × 5回")
    broken = tmp_path / "broken"
    broken.mkdir()
    assert app.list_stretches(content_dir=broken).failure is not None


def test_ctrl_c_while_the_history_is_written_says_every_file_was_written(write, tmp_path, monkeypatch):
    """Ctrl-C (or a SIGTERM, made one) after the last PDF, while the history is written: every file exists, so
    the result says so and how many the history holds, not a bare 中止しました (review N7), and is marked
    interrupted (the CLI then stops: nothing is sent)."""
    from clinic_handout.history import History

    source = write("today.csv", "名前,部位\n" + "".join(f"患者 {n},両方\n" for n in range(1, 6)))
    out = tmp_path / "out"
    plan = app.plan_batch(source, out_dir=out, merge_to=tmp_path / "print.pdf", content_dir=SAMPLE,
                          data_dir=tmp_path / "data")
    real, calls = History.record_build, []

    def record_build(self, **entry):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, **entry)

    monkeypatch.setattr(History, "record_build", record_build)
    result = app.build_batch(plan, jobs=1, today=DAY)
    assert result.interrupted and len(result.written) == 5 and len(list(out.glob("*.pdf"))) == 5
    assert len(result.history_ids) == 2  # the two recorded before the interrupt
    said = [notice.text for notice in result.notices if notice.text.startswith("中止しました")]
    assert said == ["中止しました。PDF は 5 件とも書きました。履歴に記録したのは 2 件です (aborted while recording the "
                    "history: all 5 PDFs were written, 2 recorded in the history)"]


def test_ctrl_c_mid_batch_says_how_many_files_exist_and_a_rerun_records_them_all(write, tmp_path, monkeypatch):
    """Ctrl-C (or SIGTERM, made one) after 2 of 5 PDFs: the 2 files stay, whole; the result says 2 were written,
    3 not made, none in the history, no print file (review-16 S1: it said a bare 中止しました). The advice it
    gives holds: the same batch again makes the other 3 and records all 5."""
    from clinic_handout import deliver

    source = write("today.csv", "名前,部位\n" + "".join(f"患者 {n},両方\n" for n in range(1, 6)))
    out, data, merged = tmp_path / "out", tmp_path / "data", tmp_path / "print.pdf"
    plan = app.plan_batch(source, out_dir=out, merge_to=merged, content_dir=SAMPLE, data_dir=data)
    real, calls = deliver.write_atomically, []

    def write_atomically(path, data):
        calls.append(path)
        if len(calls) == 3:  # as the third file is written
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(deliver, "write_atomically", write_atomically)
    result = app.build_batch(plan, jobs=1, today=DAY)
    on_disk = sorted(out.glob("*.pdf"))
    assert result.interrupted and len(on_disk) == 2 and [p for _, p in result.written] == calls[:2]
    assert result.history_ids == {} and not merged.exists() and not list(tmp_path.glob("*.part"))
    said = [notice.text for notice in result.notices if notice.text.startswith("中止しました")]
    assert said == [f"中止しました。PDF は 2 件書きました（{out}）。残りの 3 件は作っていません。書いた PDF も履歴には"
                    "記録していません。印刷用 PDF は作っていません。同じ batch をもう一度実行すると、残りを作り、全員を"
                    f"履歴に記録します (aborted: 2 PDF(s) written to {out}, 3 not made; none recorded in the history; "
                    "no print file. Run the same batch again to make the rest and record them all)"]
    with app.open_history(SAMPLE, data) as history:
        assert history.search() == []

    monkeypatch.setattr(deliver, "write_atomically", real)
    again = app.build_batch(app.plan_batch(source, out_dir=out, merge_to=merged, content_dir=SAMPLE, data_dir=data),
                            jobs=1, today=DAY)
    assert not again.interrupted and not again.failed and len(again.written) == 5 and merged.exists()
    with app.open_history(SAMPLE, data) as history:
        assert sorted(entry.patient_name for entry in history.search()) == [f"患者 {n}" for n in range(1, 6)]


def test_ctrl_c_just_after_a_file_was_renamed_into_place_counts_that_file(write, tmp_path, monkeypatch):
    """The interrupt can come after a file is whole on disk and before the batch noted it: it is counted, as
    it exists (the message says what is on disk)."""
    from clinic_handout import deliver

    source = write("today.csv", "名前,部位\n" + "".join(f"患者 {n},両方\n" for n in range(1, 4)))
    out = tmp_path / "out"
    plan = app.plan_batch(source, out_dir=out, content_dir=SAMPLE, data_dir=tmp_path / "data")
    real, calls = deliver.write_atomically, []

    def write_atomically(path, data):
        calls.append(path)
        written = real(path, data)
        if len(calls) == 2:  # the second file renamed into place, then Ctrl-C
            raise KeyboardInterrupt
        return written

    monkeypatch.setattr(deliver, "write_atomically", write_atomically)
    result = app.build_batch(plan, jobs=1, today=DAY)
    assert len(list(out.glob("*.pdf"))) == 2 and [p for _, p in result.written] == calls
    assert any(n.text.startswith("中止しました。PDF は 2 件書きました") for n in result.notices)


def test_the_cli_stops_after_ctrl_c_in_the_history_and_says_the_files_were_written(run, write, tmp_path, monkeypatch):
    """The CLI's side of the above: exit 1 and the message; nothing after it (no --send question, no mail)."""
    from clinic_handout.history import History

    write("today.csv", "名前,部位\n患者 1,両方\n患者 2,両方\n")
    calls = []

    def record_build(self, **entry):
        calls.append(1)
        raise KeyboardInterrupt

    monkeypatch.setattr(History, "record_build", record_build)
    result = run("batch", "today.csv", "-o", "out", "--data", tmp_path / "data", "--content", SAMPLE)
    assert result.exit_code == 1 and len(calls) == 1
    assert "中止しました。PDF は 2 件とも書きました。履歴に記録したのは 0 件です" in result.output
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2
