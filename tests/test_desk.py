"""`handout desk`: served on loopback only, and every request checked at the door (no browser here)."""
import datetime as dt
import logging
import re

import pytest
import yaml

from clinic_handout.desk.guard import host_name, is_loopback
from clinic_handout.desk.serve import DeskRefused, check_host

from .desk_support import Client, local_smtp, serving


@pytest.fixture
def desk(clinic, tmp_path):
    with serving(clinic, tmp_path / "data") as base:
        yield Client(base)


def test_today_screen_is_japanese_with_the_ways_to_make_a_handout(desk):
    page = desk.get("/")
    assert page.status == 200
    assert '<html lang="ja">' in page.text
    assert "今日の案内" in page.text and "まだありません" in page.text
    assert page.getheader("Cache-Control") == "no-store"
    assert "default-src 'self'" in page.getheader("Content-Security-Policy")


def test_session_cookie_is_httponly_and_samesite_strict(desk):
    cookie = desk.get("/login").getheader("Set-Cookie")  # a page with a form makes the session
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert "httponly" in parts and "samesite=strict" in parts, cookie


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1.nip.io", "localhost.evil.example", ""])
def test_a_foreign_host_header_is_refused(desk, host):
    # DNS rebinding: a page at evil.example whose name now points at 127.0.0.1 sends its own name.
    page = desk.get("/", Host=host)
    assert page.status == 400
    assert "127.0.0.1" in page.text and "別の名前のページ" in page.text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:8765", "[::1]:8765", "LOCALHOST"])
def test_the_loopback_names_are_let_in(desk, host):
    assert desk.get("/", Host=host).status == 200


def test_a_post_without_the_pages_token_is_refused(desk):
    desk.token("/login")  # the browser has its session, but a forged form does not know the token
    assert desk.post("/login", {"password": "x"}).status == 403
    assert desk.post("/login", {"password": "x", "csrf_token": "guessed"}).status == 403


def test_a_post_from_a_foreign_origin_is_refused_even_with_the_token(desk):
    token = desk.token("/login")
    body = {"password": "x", "csrf_token": token}
    assert desk.post("/login", body, Origin="http://evil.example").status == 403
    assert desk.post("/login", body, Origin="null").status == 403
    assert desk.post("/login", body, Referer="http://localhost:9999/page").status == 403
    assert desk.post("/login", body, **{"Sec-Fetch-Site": "same-site"}).status == 403
    # the page's own origin with its token gets through the door (no password is set: 401 from the form)
    own = f"http://127.0.0.1:{desk.port}"
    assert desk.post("/login", body, Origin=own).status == 401


def test_an_upload_over_the_limit_is_refused_in_japanese(clinic, tmp_path):
    with serving(clinic, tmp_path / "data", upload_limit=1000) as base:
        client = Client(base)
        token = client.token("/login")
        page = client.post("/login", {"csrf_token": token, "password": "x" * 5000})
        assert page.status == 413
        assert "大きすぎます" in page.text


def test_a_non_loopback_host_needs_an_access_password():
    with pytest.raises(DeskRefused, match="合言葉"):
        check_host("0.0.0.0", None)
    with pytest.raises(DeskRefused):
        check_host("192.168.1.20", "")
    check_host("192.168.1.20", "s3cret")  # allowed with one
    check_host("127.0.0.1", None)
    check_host("::1", None)


def test_the_cli_refuses_a_non_loopback_host_without_a_password(run, monkeypatch):
    monkeypatch.delenv("HANDOUT_DESK_PASSWORD", raising=False)
    result = run("desk", "--host", "0.0.0.0", "--no-browser")
    assert result.exit_code == 2
    assert "合言葉" in result.output


def test_with_a_password_every_page_asks_for_it_first(clinic, tmp_path):
    with serving(clinic, tmp_path / "data", password="sakura-2026") as base:
        client = Client(base)
        assert client.get("/").status == 302
        token = client.token("/login")
        assert client.post("/login", {"csrf_token": token, "password": "wrong"}).status == 401
        assert client.get("/").status == 302
        assert client.post("/login", {"csrf_token": token, "password": "sakura-2026"}).status == 302
        assert client.get("/").status == 200


def test_host_names_are_read_without_their_port():
    assert host_name("127.0.0.1:8765") == "127.0.0.1"
    assert host_name("[::1]:8765") == "::1"
    assert host_name("LocalHost") == "localhost"
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("10.0.0.1")


def test_an_internal_error_is_logged_without_the_request(clinic, tmp_path, caplog):
    from clinic_handout.desk import create_app

    app = create_app(clinic, tmp_path / "data")

    @app.route("/boom")
    def boom():
        raise ValueError("山田 花子 hanako@example.com")

    with caplog.at_level(logging.DEBUG):
        page = app.test_client().get("/boom")
    assert page.status_code == 500 and "内部エラー" in page.get_data(as_text=True)
    assert "ValueError" in caplog.text
    assert "山田" not in caplog.text and "hanako" not in caplog.text


def test_only_todays_saved_pdfs_are_served(desk, clinic, tmp_path):
    assert desk.get("/today/..%2F..%2Fclinic.yaml").status == 404
    assert desk.get("/today/2026-11-25_x.pdf").status == 404


BOTH = ["hip-flexor", "inner-thigh", "buttock", "hamstring", "foot-sole"]  # the sample's stretches for area both


def new_handout(client, action="preview", **fields):
    """Posts the 新しく作る form as the page would (ticks for area both); returns the redirect's target."""
    token = client.token("/new/")
    body = {"csrf_token": token, "action": action, "name": "山田 花子", "area": "both", "area_shown": "both",
            **{f"s-{sid}": "on" for sid in BOTH}, **fields}
    reply = client.post("/new/", {k: v for k, v in body.items() if v is not None})
    assert reply.status == 303, reply.text
    return reply.getheader("Location")


def test_the_form_builds_a_pdf_the_page_shows(desk):
    target = new_handout(desk)
    page = desk.get(target)
    assert 'id="preview"' in page.text and "2 ページ" in page.text
    pdf = desk.get(target + "/pdf")
    assert pdf.getheader("Content-Type") == "application/pdf"
    assert "inline" in pdf.getheader("Content-Disposition")
    assert desk.get("/new/no-such-draft/pdf").status == 404


def test_choosing_another_area_without_the_script_ticks_that_areas_stretches_and_builds_nothing(desk):
    target = new_handout(desk, area="lower", area_shown="both")  # the ticks shown were both's
    page = desk.get(target)
    assert "選び直しました" in page.text and 'id="preview"' not in page.text
    ticked = re.findall(r'name="s-([a-z-]+)" id="s-[a-z-]+" checked', page.text)
    assert ticked == ["buttock", "hamstring", "foot-sole"]  # the sample's stretches for area lower


def test_save_writes_the_pdf_and_a_prescription_that_builds_the_same_bytes(desk, clinic, tmp_path, run):
    target = new_handout(desk, action="save", **{"hold-buttock": "２０", "side-hamstring": "left"})
    assert "保存しました" in desk.get(target).text
    day = tmp_path / "data" / "saved" / dt.date.today().isoformat()
    (pdf,) = day.glob("*.pdf")
    (prescription,) = day.glob("*.yaml")
    assert pdf.read_bytes() == desk.get(target + "/pdf").body  # what was saved is what the page showed
    data = yaml.safe_load(prescription.read_text(encoding="utf-8"))
    assert data["stretches"] == ["hip-flexor", "inner-thigh", {"id": "buttock", "hold_seconds": 20},
                                 {"id": "hamstring", "side": "left"}, "foot-sole"]
    result = run("build", prescription, "-o", tmp_path / "again.pdf", "--content", clinic)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again.pdf").read_bytes() == pdf.read_bytes()
    today = desk.get("/").text  # today's list comes from the history, and its link gives the very bytes
    assert "山田 花子 様" in today and "お尻のストレッチ" in today
    (link,) = re.findall(r'href="(/today/\d+/pdf)"', today)
    assert desk.get(link).body == pdf.read_bytes()


def test_the_mail_confirmation_token_is_bound_to_what_was_shown_and_used_once(clinic, tmp_path):
    with local_smtp(clinic) as inbox, serving(clinic, tmp_path / "data") as base:
        client = Client(base)
        target = new_handout(client, action="mail", email="hanako@example.com")
        assert target.startswith("/mail/")
        assert inbox.mails == []  # メールで送る shows the confirmation only

        def shown():
            page = client.get(target)
            fields = dict(re.findall(r'name="(token|address|filename)" value="([^"]*)"', page.text))
            return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1], **fields}

        form = shown()
        assert form["address"] == "hanako@example.com"
        # an address changed after the confirmation was shown: refused, and that token is spent
        reply = client.post(target, {**form, "address": "someone@evil.example"})
        assert reply.status == 409 and "送っていません" in reply.text
        assert client.post(target, form).status == 409  # the same token again, now with the shown address
        assert inbox.mails == []
        form = shown()  # a fresh confirmation
        assert client.post(target, {**form, "token": "made-up"}).status == 409
        form = shown()
        reply = client.post(target, form)
        assert reply.status == 200 and "送信しました" in reply.text
        assert [to for to, _ in inbox.mails] == [["hanako@example.com"]]
        assert client.post(target, form).status == 409  # a second click, a reload: nothing more
        assert len(inbox.mails) == 1


def test_no_mail_without_an_address_and_the_confirmation_says_so(clinic, tmp_path):
    with local_smtp(clinic) as inbox, serving(clinic, tmp_path / "data") as base:
        client = Client(base)
        page = client.get(new_handout(client, action="mail"))
        assert "メールアドレスがありません" in page.text and 'name="token"' not in page.text
        assert inbox.mails == []


def test_the_practitioners_of_clinic_yaml_are_offered_and_another_name_may_be_typed(clinic, tmp_path):
    from .conftest import edit

    edit(clinic / "clinic.yaml", "# practitioners:\n#   - 田中 健", "practitioners:\n  - 田中 健\n  - 佐藤 花")
    with serving(clinic, tmp_path / "data") as base:
        client = Client(base)
        page = client.get("/new/").text
        datalist = re.search(r'<datalist id="practitioners">(.*?)</datalist>', page, re.S)[1]
        assert re.findall(r'<option value="([^"]+)">', datalist) == ["田中 健", "佐藤 花"]
        assert re.search(r'<input id="practitioner" name="practitioner" type="text"[^>]*list="practitioners"', page)
        target = new_handout(client, practitioner="鈴木 一郎")  # not on the list: typed
        assert 'id="preview"' in client.get(target).text


def test_print_shows_the_pdf_and_asks_the_viewer_to_print(desk):
    target = new_handout(desk, action="print")
    assert target.endswith("?print=1")
    page = desk.get(target).text
    assert 'id="preview"' in page and 'data-print="1"' in page


def test_quit_on_the_page_stops_the_desk_after_answering(clinic, tmp_path):
    with serving(clinic, tmp_path / "data") as base:
        client = Client(base)
        page = client.get("/").text
        assert 'action="/quit"' in page and ">終了</button>" in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        assert client.post("/quit", {}).status == 403 and base.thread.is_alive()  # a forged quit: refused
        reply = client.post("/quit", {"csrf_token": token})
        assert reply.status == 200 and "終了しました" in reply.text
        base.thread.join(10)
        assert not base.thread.is_alive()


def test_large_print_from_the_form_is_the_files_large_print(desk, clinic, tmp_path, run):
    target = new_handout(desk, large_print="on", name="髙橋 﨑子")
    page_pdf = desk.get(target + "/pdf").body
    (tmp_path / "p.yaml").write_text(f"patient:\n  name: 髙橋 﨑子\ndate: {dt.date.today().isoformat()}\narea: both\n"
                                     "large_print: true\n", encoding="utf-8")
    assert run("build", tmp_path / "p.yaml", "-o", tmp_path / "lp.pdf", "--content", clinic).exit_code == 0
    assert page_pdf == (tmp_path / "lp.pdf").read_bytes()
    assert "3 ページ" in desk.get(target).text or "4 ページ" in desk.get(target).text  # large print: more pages


def test_no_patient_data_reaches_the_logs(desk, caplog):
    with caplog.at_level(logging.DEBUG):
        page = desk.get(new_handout(desk, name="秘密 太郎", email="himitsu@example.com", note="右ひざ手術後"))
        assert page.status == 200
        desk.get("/")
    assert "秘密" not in caplog.text and "himitsu" not in caplog.text and "手術" not in caplog.text


def test_a_history_that_cannot_be_read_is_said_in_red_and_the_mail_still_says_what_happened(clinic, tmp_path):
    blocked = tmp_path / "data"
    blocked.write_text("not a folder", encoding="utf-8")  # the data folder is a file: no history can open
    with local_smtp(clinic) as inbox, serving(clinic, blocked) as base:
        client = Client(base)
        target = new_handout(client, action="mail", email="hanako@example.com")
        page = client.get(target).text
        assert 'id="history-unreadable"' in page and "確かめられません" in page
        form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1],
                **dict(re.findall(r'name="(token|address|filename)" value="([^"]*)"', page))}
        sent = client.post(target, form)
        assert sent.status == 200 and "送信しました" in sent.text  # the mail went: said so
        assert "履歴には記録できませんでした" in sent.text  # and that the history does not know it
        assert len(inbox.mails) == 1


def test_the_confirmation_asks_for_the_mail_password_when_no_variable_holds_it(clinic, tmp_path, monkeypatch):
    monkeypatch.delenv("HANDOUT_SMTP_PASSWORD", raising=False)
    with local_smtp(clinic), serving(clinic, tmp_path / "data") as base:
        with (clinic / "mail.yaml").open("a", encoding="utf-8") as settings:
            settings.write("username: clinic\n")
        client = Client(base)
        page = client.get(new_handout(client, action="mail", email="hanako@example.com")).text
        assert 'type="password"' in page and 'name="smtp_password"' in page
        monkeypatch.setenv("HANDOUT_SMTP_PASSWORD", "from-the-variable")
        page = client.get(new_handout(client, action="mail", email="hanako@example.com")).text
        assert 'name="smtp_password"' not in page


def test_an_address_another_patient_had_is_warned_in_red_with_that_name(clinic, tmp_path, run, write):
    """Problem 2 of the receptionist trial: 佐藤's address given to 山田 went without a word."""
    data = tmp_path / "data"
    sato = write("sato.yaml", "patient:\n  name: 佐藤 一郎\n  email: ichiro@example.com\narea: both\n")
    assert run("build", sato, "-o", tmp_path / "sato.pdf", "--content", clinic, "--data", data).exit_code == 0
    with local_smtp(clinic) as inbox, serving(clinic, data) as base:
        client = Client(base)
        page = client.get(new_handout(client, action="mail", email="Ichiro@EXAMPLE.com")).text
        warning = re.search(r'<div class="warning-red" role="alert" id="other-patients">(.*?)</div>', page, re.S)
        assert warning and "このアドレスは 佐藤 一郎 様 に送った" in warning[1]
        assert 'name="token"' in page  # a warning, not a refusal: the receptionist decides after asking
        own = client.get(new_handout(client, action="mail", name="佐藤　一郎", email="ichiro@example.com")).text
        assert 'id="other-patients"' not in own  # his own address: no warning
        assert inbox.mails == []


def confirmation_form(client, target):
    """The confirmation page and the fields its send form would post."""
    page = client.get(target).text
    fields = dict(re.findall(r'name="(token|address|filename)" value="([^"]*)"', page))
    return page, {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1], **fields}


def test_the_confirmation_shows_what_is_sent_area_stretches_doses_sides_and_print_options(clinic, tmp_path):
    """Problem 6: different handouts for one patient had the same file name and nothing else on the page."""
    with local_smtp(clinic) as inbox, serving(clinic, tmp_path / "data") as base:
        client = Client(base)
        target = new_handout(client, action="mail", email="hanako@example.com", large_print="on",
                             **{"hold-buttock": "２０", "side-hamstring": "left"})
        page = client.get(target).text
        assert re.search(r'id="confirm-area">腰の上と下の両方<', page)
        items = re.findall(r"<li><strong>([^<]+)</strong> ([^<]*)(?:<span[^>]*>（([^<]*)）</span>)?</li>",
                           re.search(r'<ol id="confirm-stretches">(.*?)</ol>', page, re.S)[1])
        assert [title for title, _, _ in items] == ["股関節の前のストレッチ", "太ももの内側のストレッチ",
                                                    "お尻のストレッチ", "太ももの裏のストレッチ", "足の裏ほぐし"]
        buttock, hamstring = items[2], items[3]
        assert buttock[1].startswith("20秒")  # the dose as changed on the form
        assert hamstring[2].startswith("左側だけ")  # the side as chosen
        assert re.search(r'id="confirm-large">あり<', page) and re.search(r'id="confirm-tick">なし<', page)
        assert inbox.mails == []


def test_sending_the_same_handout_again_needs_a_tick_and_says_2通目(clinic, tmp_path):
    """Problem 7: after the back button the same mail went again with a soft note and the same result page."""
    with local_smtp(clinic) as inbox, serving(clinic, tmp_path / "data") as base:
        client = Client(base)
        target = new_handout(client, action="mail", email="hanako@example.com")
        page, form = confirmation_form(client, target)
        assert 'id="sent-before"' not in page and 'name="again"' not in page
        reply = client.post(target, form)
        assert reply.status == 200 and "2通目" not in reply.text and len(inbox.mails) == 1
        page, form = confirmation_form(client, target)  # back to the confirmation of the very same PDF
        assert "もう 1 通送ってあります" in page
        assert re.search(r'<input type="checkbox" name="again" value="2" id="again" required>', page)
        reply = client.post(target, form)  # without the tick: nothing goes
        assert reply.status == 409 and "送っていません" in reply.text and len(inbox.mails) == 1
        page, form = confirmation_form(client, target)
        reply = client.post(target, {**form, "again": "2"})
        assert reply.status == 200 and re.search(r'id="sent-heading">2通目を送りました<', reply.text)
        assert len(inbox.mails) == 2
        page, form = confirmation_form(client, target)
        assert client.post(target, {**form, "again": "2"}).status == 409  # a stale tick is not the 3rd's
        assert "3通目を送りました" in client.post(target, {**confirmation_form(client, target)[1], "again": "3"}).text
        assert len(inbox.mails) == 3


def test_the_pdf_can_go_with_a_password_shown_once_to_say_on_the_phone(clinic, tmp_path):
    """Problem 4: the CLI has --encrypt, the desk gave no choice."""
    import io

    from pypdf import PdfReader

    with local_smtp(clinic) as inbox, serving(clinic, tmp_path / "data") as base:
        client = Client(base)
        target = new_handout(client, action="mail", email="hanako@example.com")
        page, form = confirmation_form(client, target)
        assert 'name="encrypt"' in page
        reply = client.post(target, {**form, "encrypt": "on"})
        assert reply.status == 200
        password = re.search(r'id="pdf-password">.*?<strong[^>]*>(\d{12})</strong>', reply.text, re.S)[1]
        (_, mail), = inbox.mails
        (attachment,) = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
        reader = PdfReader(io.BytesIO(attachment.get_payload(decode=True)))
        assert reader.is_encrypted and not reader.decrypt("wrong-password")
        assert reader.decrypt(password) and len(reader.pages) == 2
        assert password not in mail.as_string()  # never in the mail itself
        kept = [f for f in (tmp_path / "data").rglob("*") if f.is_file()]
        assert any(f.name == "history.sqlite3" for f in kept)
        assert all(password.encode() not in f.read_bytes() for f in kept)  # nor kept anywhere


def test_an_empty_mail_password_is_caught_before_sending_in_japanese(clinic, tmp_path, monkeypatch):
    """Problem 5: an empty password went to the server and came back as a STARTTLS/port message."""
    with local_smtp(clinic) as inbox, serving(clinic, tmp_path / "data") as base:
        mail_yaml = clinic / "mail.yaml"
        mail_yaml.write_text(mail_yaml.read_text(encoding="utf-8") + "username: clinic@example.com\n", encoding="utf-8")
        monkeypatch.delenv("HANDOUT_SMTP_PASSWORD", raising=False)
        client = Client(base)
        target = new_handout(client, action="mail", email="hanako@example.com")
        page, form = confirmation_form(client, target)
        assert re.search(r'<input id="smtp_password" name="smtp_password" type="password"[^>]* required>', page)
        reply = client.post(target, {**form, "smtp_password": ""})
        assert reply.status == 409 and "メールのパスワードが空です" in reply.text and "送っていません" in reply.text
        assert inbox.mails == []


def test_forget_also_deletes_what_the_desk_saved_for_that_patient_only(clinic, tmp_path, run):
    """Problem 1's other half: `handout history --forget` left the desk's saved PDFs and prescriptions."""
    data = tmp_path / "data"
    with serving(clinic, data) as base:
        client = Client(base)
        new_handout(client, action="save")
        new_handout(client, action="save", **{"hold-buttock": "20"})  # a second, different handout
        new_handout(client, action="save", name="佐藤 一郎")
    day = data / "saved" / dt.date.today().isoformat()
    assert len(list(day.glob("*山田花子*.pdf"))) == 2 and len(list(day.glob("*山田花子*.yaml"))) == 2
    gone = run("history", "--forget", "山田 花子", "--yes", "--content", clinic, "--data", data)
    assert gone.exit_code == 0, gone.output
    assert "2 件を削除しました" in gone.output and "保存した PDF・処方ファイル 4 個も削除しました" in gone.output
    assert sorted(p.name for p in day.iterdir()) == sorted(p.name for p in day.glob("*佐藤一郎*"))
    assert len(list(day.iterdir())) == 2  # 佐藤's PDF and prescription stay


def test_field_errors_are_plain_japanese_beside_the_field_and_listed_in_page_order(desk):
    """Problem 9: 'ありません → 正しくは: 患者さんのお名前 (printed with 様…)', 'upper（上…）| lower…'."""
    target = new_handout(desk, name="", date="1/5", area="sideways", area_shown="sideways", email="hanako＠example",
                         **{"hold-buttock": "999", "side-hamstring": "up"})
    page = desk.get(target).text
    beside = dict(re.findall(r'<p id="([\w-]+)-error" class="problem">※ ([^<]*)</p>', page))
    assert beside["name"] == "お名前を入れてください"
    assert beside["area"] == "上・下・両方から選んでください"
    assert beside["date"] == "日付に年も入れてください（例: 2026/1/5）"
    assert beside["hold-buttock"] == "秒は 1〜120 の数字で入れてください（今は「999」）"
    assert beside["side-hamstring"] == "右・左・左右から選んでください"
    assert beside["email"].startswith("メールアドレスの形になっていません（今は「hanako@example」）")
    for message in beside.values():  # no English words: the only Latin letters are the example address
        assert not re.search(r"[A-Za-z]", message.replace("hanako@example.com", "").replace("hanako@example", ""))
    summary = re.search(r'<div class="problems-top"[^>]*>(.*?)</div>', page, re.S)[1]
    assert re.findall(r'<a href="#([\w-]+)">', summary) == ["name", "date", "area", "hold-buttock", "side-hamstring",
                                                           "email"]


def test_today_rows_say_area_stretches_and_what_was_done_newest_first(clinic, tmp_path, run, write):
    """Problem 10: identical rows without area, stretches or printed/sent status; CLI-made ones too."""
    data = tmp_path / "data"
    cli = write("cli.yaml", "patient:\n  name: 鈴木 三郎\narea: lower\n")
    assert run("build", cli, "-o", tmp_path / "cli.pdf", "--content", clinic, "--data", data).exit_code == 0
    with local_smtp(clinic) as inbox, serving(clinic, data) as base:
        client = Client(base)
        new_handout(client, action="save", **{"hold-buttock": "20"})
        target = new_handout(client, action="mail", name="佐藤 一郎", email="ichiro@example.com")
        assert client.post(target, confirmation_form(client, target)[1]).status == 200
        page = client.get("/").text
    rows = re.findall(r'<tr id="today-(\d+)">(.*?)</tr>', page, re.S)
    texts = [re.sub(r"<[^>]+>", " ", html) for _, html in rows]
    assert [int(i) for i, _ in rows] == sorted((int(i) for i, _ in rows), reverse=True)  # newest first
    sato, yamada, suzuki = texts
    assert "佐藤 一郎 様" in sato and "メール送信" in sato and "ichiro@example.com" in sato and "印刷・保存" not in sato
    assert "山田 花子 様" in yamada and "両方" in yamada and "印刷・保存" in yamada and "メール" not in yamada
    assert "お尻のストレッチ 20秒" in yamada  # the stretch with its dose as printed
    assert "鈴木 三郎 様" in suzuki and " 下 " in suzuki and "コマンドで作成" in suzuki
    assert len(inbox.mails) == 1


def test_saving_twice_is_said_never_a_silent_copy(desk, tmp_path):
    """Problem 10: 保存 twice silently made 2026-…_山田花子-2.pdf."""
    day = tmp_path / "data" / "saved" / dt.date.today().isoformat()
    new_handout(desk, action="save")
    again = desk.get(new_handout(desk, action="save")).text  # the very same handout again
    assert "もう「" in again and "保存してあります" in again
    assert len(list(day.glob("*.pdf"))) == 1 and len(list(day.glob("*.yaml"))) == 1
    other = desk.get(new_handout(desk, action="save", **{"hold-buttock": "20"})).text  # changed: a second file
    assert "別の名前で保存しました" in other and "-2.pdf" in other
    assert len(list(day.glob("*.pdf"))) == 2


def test_history_not_found_hint_does_not_promise_kana_for_kanji(clinic, tmp_path, run, write):
    """Problem 11: the hint said かなで探してみてください, but さとう never finds 佐藤 (no readings kept)."""
    data = tmp_path / "data"
    sato = write("sato.yaml", "patient:\n  name: 佐藤 一郎\narea: both\n")
    assert run("build", sato, "-o", tmp_path / "s.pdf", "--content", clinic, "--data", data).exit_code == 0
    with serving(clinic, data) as base:
        page = Client(base).get("/history/?q=%E3%81%95%E3%81%A8%E3%81%86").text  # さとう
    assert "記録はありません" in page and "かなで探して" not in page
    assert "「さとう」では「佐藤」は見つかりません" in page
