"""一括 (CSV) at the desk: upload, every row's result, the print file and the ZIP (no browser here)."""
import io
import re
import zipfile

import pytest

from clinic_handout.history import History

# The day's list as Excel in Japan saves it: Shift_JIS, Japanese headers, dates like 2026/1/5.
CSV = ("名前,部位,日付,担当,メール,ストレッチ,メモ\n"
       "山田 花子,両方,2026/1/5,大場 太郎,hanako@example.com,,\n"
       "木村 次郎,真ん中,2026/1/5,,,,\n"
       "髙橋 﨑子,下,2026/1/5,,sakiko@example.com,buttock hamstring:20×3×2,右側を重点的に\n"
       "佐藤 一郎,上,2026/2/30,,,,\n")


@pytest.fixture
def desk(clinic, tmp_path):
    from clinic_handout.desk import create_app

    app = create_app(clinic, tmp_path / "data")
    return app, app.test_client()


def token(client, path="/batch/"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def upload(client, data: bytes, name="今日の一覧.csv", csrf=None):
    body = {"csv": (io.BytesIO(data), name)}
    body["csrf_token"] = token(client) if csrf is None else csrf
    return client.post("/batch/", data=body, content_type="multipart/form-data")


def finished(client, location: str) -> dict:
    """Polls the job as the page's script does, until it is no longer building."""
    for _ in range(3000):
        state = client.get(location + "/progress").get_json()
        if state["state"] not in ("waiting", "building"):
            return state
        import time

        time.sleep(0.02)
    raise AssertionError("the batch never finished")


def built(client, text=CSV, encoding="cp932"):
    page = upload(client, text.encode(encoding))
    assert page.status_code == 303
    location = page.headers["Location"]
    finished(client, location)
    return location, client.get(location).get_data(as_text=True)


def row_html(html: str, number: int) -> str:
    return re.search(rf'<tr class="\w+" id="row-{number}">(.*?)</tr>', html, re.S)[1]


def plain(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def test_a_bad_row_shows_its_excel_row_and_the_japanese_reason_and_the_others_are_built(desk):
    _, client = desk
    location, html = built(client)
    # Row 3 of the sheet (the header is row 1): its name as typed, the column, what was found and what to type.
    row3 = plain(row_html(html, 3))
    assert "3" in row3 and "木村 次郎" in row3 and "作れませんでした" in row3
    assert "部位" in row3 and '"真ん中"' in row3 and "両方" in row3
    row5 = plain(row_html(html, 5))
    assert "佐藤 一郎" in row5 and "2026/2/30" in row5 and "28日まで" in row5
    # the good rows are built, each with its PDF
    for number, name in ((2, "山田 花子"), (4, "髙橋 﨑子")):
        row = row_html(html, number)
        assert name in row and "作りました" in row
        pdf = client.get(re.search(r'href="([^"]+\.pdf)"', row)[1])
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert "2 人分を作りました" in plain(html) and "2 行は作れませんでした" in plain(html)
    # the table is in the sheet's order
    assert [int(n) for n in re.findall(r'id="row-(\d+)"', html)] == [2, 3, 4, 5]


def test_the_print_file_is_byte_for_byte_handout_batch_merge_of_the_same_csv(desk, clinic, run, tmp_path):
    _, client = desk
    source = tmp_path / "day.csv"
    source.write_bytes(CSV.encode("cp932"))
    result = run("batch", source, "-o", tmp_path / "cli-out", "--merge", tmp_path / "cli-print.pdf",
                 "--content", clinic, "--jobs", "1")
    assert "2 built, 2 failed" in result.output
    location, html = built(client)
    page = client.get(location + "/print.pdf")
    assert page.status_code == 200 and page.mimetype == "application/pdf"
    assert page.headers["Content-Disposition"].startswith("inline")
    assert page.data == (tmp_path / "cli-print.pdf").read_bytes()
    # the ZIP holds each handout under the CLI's file name, with the CLI's very bytes
    archive = client.get(location + "/handouts.zip")
    assert archive.mimetype == "application/zip" and "attachment" in archive.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zipped:
        names = zipped.namelist()
        assert names == ["2026-01-05_山田花子.pdf", "2026-01-05_髙橋﨑子.pdf"]
        for name in names:
            assert zipped.read(name) == (tmp_path / "cli-out" / name).read_bytes()


def test_utf8_with_bom_as_excel_saves_csv_utf8_is_read_too(desk):
    _, client = desk
    _, html = built(client, encoding="utf-8-sig")
    assert "山田 花子" in html and "2 人分を作りました" in plain(html)


def test_every_handout_built_is_in_the_history_with_the_bytes_handed_out(desk, tmp_path):
    _, client = desk
    location, html = built(client)
    with History.open(tmp_path / "data") as history:
        entries = history.search("")
        assert sorted(e.patient_name for e in entries) == ["山田 花子", "髙橋 﨑子"]
        [entry] = history.search("髙橋")
        served = client.get(location + "/row/4.pdf").data
        assert history.pdf(entry.id) == served
        assert entry.origin == "batch" and entry.file_name == "2026-01-05_髙橋﨑子.pdf"


def test_a_forged_upload_without_the_pages_token_is_refused_and_nothing_is_built(desk, tmp_path):
    _, client = desk
    client.get("/batch/")  # the browser has its session; the forged form does not know the token
    assert upload(client, CSV.encode("cp932"), csrf="").status_code == 403
    assert upload(client, CSV.encode("cp932"), csrf="guessed").status_code == 403
    page = client.post("/batch/", data={"csrf_token": token(client), "csv": (io.BytesIO(CSV.encode("cp932")), "a.csv")},
                       content_type="multipart/form-data", headers={"Origin": "http://evil.example"})
    assert page.status_code == 403
    assert not (tmp_path / "data" / "batch").exists()


def test_no_file_or_an_empty_file_is_said_beside_the_file_field(desk):
    _, client = desk
    page = client.post("/batch/", data={"csrf_token": token(client)}, content_type="multipart/form-data")
    assert page.status_code == 400 and "CSV ファイルが選ばれていません" in page.get_data(as_text=True)
    page = upload(client, b"", name="空.csv")
    assert page.status_code == 400 and "空（0 バイト）" in page.get_data(as_text=True)


def test_an_excel_workbook_instead_of_a_csv_is_one_message_and_nothing_is_built(desk):
    _, client = desk
    page = upload(client, b"PK\x03\x04 not really a workbook", name="今日.xlsx")
    location = page.headers["Location"]
    finished(client, location)
    html = plain(client.get(location).get_data(as_text=True))
    assert "この一覧は読めませんでした。何も作っていません。" in html and "CSV" in html
    assert client.get(location + "/print.pdf").status_code == 404
    assert client.get(location + "/handouts.zip").status_code == 404


def test_an_upload_over_the_limit_is_refused_in_japanese(clinic, tmp_path):
    from clinic_handout.desk import create_app

    client = create_app(clinic, tmp_path / "data", upload_limit=2000).test_client()
    page = upload(client, CSV.encode("cp932") * 40)
    assert page.status_code == 413 and "大きすぎます" in page.get_data(as_text=True)


def test_the_uploaded_name_never_leaves_the_jobs_folder(desk, tmp_path):
    _, client = desk
    page = upload(client, CSV.encode("cp932"), name="..\\..\\clinic.yaml.csv")
    finished(client, page.headers["Location"])
    written = [p for p in (tmp_path / "data").rglob("*.csv")]
    assert len(written) == 1 and written[0].name == "clinic.yaml.csv"
    assert (tmp_path / "data" / "batch") in written[0].parents


def test_progress_says_no_patients_data(desk):
    _, client = desk
    location, _ = built(client)
    state = client.get(location + "/progress").get_json()
    assert state == {"state": "done", "done": 2, "total": 2}


def test_an_unknown_job_is_not_found(desk):
    _, client = desk
    assert client.get("/batch/nosuchjob").status_code == 404
    assert client.get("/batch/nosuchjob/print.pdf").status_code == 404


def test_stop_leaves_the_rows_not_yet_built_and_makes_no_print_file(desk):
    from clinic_handout.desk import batchjobs

    _, client = desk
    with batchjobs.BUILDING:  # another list is being built: this one waits its turn
        page = upload(client, CSV.encode("cp932"))
        location = page.headers["Location"]
        waiting = client.get(location).get_data(as_text=True)
        assert "作っています" in waiting and 'id="stop"' in waiting
        stop_token = re.search(r'name="csrf_token" value="([^"]+)"', waiting)[1]
        assert client.post(location + "/stop", data={}).status_code == 403  # a forged stop is refused too
        assert client.post(location + "/stop", data={"csrf_token": stop_token}).status_code == 303
    assert finished(client, location)["state"] == "stopped"
    html = plain(client.get(location).get_data(as_text=True))
    assert "途中で止めました（2 人分は作っていません）" in html
    assert "作っていません（止めたため）" in plain(row_html(client.get(location).get_data(as_text=True), 2))
    assert client.get(location + "/print.pdf").status_code == 404


# -- メールで送る: through the confirmation, never without it --------------------------------------

@pytest.fixture
def inbox(clinic):
    from .desk_support import local_smtp

    with local_smtp(clinic) as box:
        yield box


def choose(client, location, rows=None, everyone=False):
    page_html = client.get(location).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page_html)[1]
    body = {"csrf_token": csrf, "row": [str(n) for n in rows or []]}
    if everyone:
        body["all"] = "1"
    return client.post(location + "/mail", data=body)


def confirm_and_send(client, confirmation: str, csrf: str | None = None):
    page_html = client.get(confirmation).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_html)[1]
    return client.post(confirmation, data={"csrf_token": token if csrf is None else csrf})


def test_the_selected_rows_are_mailed_only_after_the_confirmation_shows_each_one(desk, inbox, tmp_path):
    _, client = desk
    location, _ = built(client)
    moved = choose(client, location, rows=[2, 4])
    assert moved.status_code == 303 and not inbox.mails  # choosing sends nothing
    confirmation = moved.headers["Location"]
    page = client.get(confirmation).get_data(as_text=True)
    for number, name, address, file in ((2, "山田 花子", "hanako@example.com", "2026-01-05_山田花子.pdf"),
                                        (4, "髙橋 﨑子", "sakiko@example.com", "2026-01-05_髙橋﨑子.pdf")):
        row = plain(re.search(rf'<tr id="confirm-{number}">(.*?)</tr>', page, re.S)[1])
        assert name in row and address in row and file in row and "ページ" in row
    assert "この 2 人に送る" in page and "別のアドレスの記録" not in page
    done = confirm_and_send(client, confirmation)
    assert done.status_code == 303
    assert sorted(rcpt[0] for rcpt, _ in inbox.mails) == ["hanako@example.com", "sakiko@example.com"]
    for rcpt, mail in inbox.mails:  # each patient gets their own handout, the very bytes of their row
        [attachment] = list(mail.iter_attachments())
        number = 2 if rcpt == ["hanako@example.com"] else 4
        assert attachment.get_content() == client.get(f"{location}/row/{number}.pdf").data
    table = client.get(location).get_data(as_text=True)
    assert "2 件送信しました" in plain(table)
    assert "✓ 送りました" in plain(row_html(table, 2)) and "✓ 送りました" in plain(row_html(table, 4))
    with History.open(tmp_path / "data") as history:  # and the history says where each went
        [entry] = history.search("山田")
        assert [(s.address, s.outcome) for s in entry.sends] == [("hanako@example.com", "sent")]


def test_a_confirmation_sends_once_and_a_forged_send_sends_nothing(desk, inbox):
    _, client = desk
    location, _ = built(client)
    confirmation = choose(client, location, rows=[2]).headers["Location"]
    assert confirm_and_send(client, confirmation, csrf="").status_code == 403
    assert confirm_and_send(client, confirmation, csrf="guessed").status_code == 403
    assert not inbox.mails
    assert confirm_and_send(client, confirmation).status_code == 303
    again = client.post(confirmation, data={"csrf_token": token(client, location)})  # a reload, a second click
    assert again.status_code == 409 and "メールは送っていません" in again.get_data(as_text=True)
    assert len(inbox.mails) == 1


def test_the_same_handout_again_is_said_on_the_confirmation_and_not_sent_twice(desk, inbox):
    _, client = desk
    location, _ = built(client)
    confirm_and_send(client, choose(client, location, everyone=True).headers["Location"])
    assert len(inbox.mails) == 2
    confirmation = choose(client, location, rows=[2]).headers["Location"]
    assert "もう送ってあります" in client.get(confirmation).get_data(as_text=True)
    confirm_and_send(client, confirmation)
    assert len(inbox.mails) == 2
    table = client.get(location).get_data(as_text=True)
    assert "もう送ってあります（今回は送っていません）" in plain(row_html(table, 2))


def test_another_address_the_history_knows_is_said_in_red(desk, inbox, run, write, clinic, tmp_path):
    _, client = desk
    earlier = write("earlier.yaml", "patient:\n  name: 山田 花子\n  email: yamada.old@example.com\n"
                                    "date: 2025-12-01\narea: both\n")
    data = tmp_path / "data"
    assert run("build", earlier, "-o", tmp_path / "e.pdf", "--content", clinic, "--data", data).exit_code == 0
    location, _ = built(client)
    page = client.get(choose(client, location, rows=[2]).headers["Location"]).get_data(as_text=True)
    warning = re.search(r'<p class="warning-red other-addresses"[^>]*>(.*?)</p>', page, re.S)
    assert warning and "yamada.old@example.com" in warning[1]


def test_two_patients_with_one_address_are_said_before_sending(desk, inbox):
    _, client = desk
    text = CSV.replace("sakiko@example.com", "hanako@example.com")
    location, _ = built(client, text)
    page = client.get(choose(client, location, everyone=True).headers["Location"]).get_data(as_text=True)
    shared = plain(re.search(r'<div class="warning-red" role="alert" id="shared">(.*?)</div>', page, re.S)[1])
    assert "hanako@example.com" in shared and "山田 花子" in shared and "髙橋 﨑子" in shared


def test_choosing_no_one_says_so_and_sends_nothing(desk, inbox):
    _, client = desk
    location, _ = built(client)
    moved = choose(client, location, rows=[])
    assert moved.status_code == 303 and "/mail/" not in moved.headers["Location"]
    assert "送る人が選ばれていません" in client.get(location).get_data(as_text=True)
    assert not inbox.mails


def test_a_memo_column_is_one_quiet_line_and_a_far_date_is_said_on_its_row(desk, tmp_path):
    """Problems 8 and 12: the 受付メモ column the guide recommends gave a yellow box with the server's path,
    '(Excel row 1)' and English; 2026/1/5 on 26 November was built without a word."""
    import datetime as dt

    today, old = dt.date.today(), dt.date.today() - dt.timedelta(days=60)
    text = ("名前,部位,日付,受付メモ\n"
            f"山田 花子,両方,{today:%Y}/{today.month}/{today.day},支払い済み\n"
            f"木村 次郎,下,{old:%Y}/{old.month}/{old.day},\n")
    _, page = built(desk[1], text)
    notes = [plain(n) for n in re.findall(r'<p class="[\w-]+" role="note">(.*?)</p>', page, re.S)]
    assert [n for n in notes if "受付メモ" in n] == ["「受付メモ」 の列は印刷しません（読まずに作ります）。"]
    # no English
    assert not [n for n in notes if re.search(r"[A-Za-z]{3,}", re.sub(r"handout validate|\w+\.yaml", "", n))]
    assert str(tmp_path) not in page and "found" not in page and "row 1" not in page
    assert 'id="row-warning-2"' not in page
    warning = plain(re.search(r'id="row-warning-3">(.*?)</p>', page, re.S)[1])
    assert f"{old.year}年{old.month}月{old.day}日" in warning and "60 日前" in warning
    assert "作りました" in plain(row_html(page, 3))  # built as written: the receptionist decides
