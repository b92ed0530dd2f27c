"""履歴 at the desk: search by part of the name, the very PDF handed out, この内容で今日の分を作る (no browser)."""
import datetime as dt
import html as html_module
import re

import pytest

PRESCRIPTION = """\
patient:
  name: 髙橋 﨑子
  email: sakiko@example.com
date: 2026-01-05
practitioner: 大場 太郎
area: lower
stretches:
  - id: buttock
    hold_seconds: 25
    reps: 3
    side: right
  - hamstring
note: 右側を重点的に
next_visit: 2026-01-12
"""

KATAKANA = """\
patient:
  name: ヤマダ ハナコ
date: 2026-01-06
area: both
"""


@pytest.fixture
def handed_out(run, write, clinic, tmp_path):
    """Two handouts built by `handout build` into the desk's data folder: (data folder, [PDF bytes])."""
    data = tmp_path / "data"
    built = []
    for number, text in enumerate((PRESCRIPTION, KATAKANA)):
        out = tmp_path / f"out{number}.pdf"
        result = run("build", write(f"p{number}.yaml", text), "-o", out, "--content", clinic, "--data", data)
        assert result.exit_code == 0, result.output
        built.append(out.read_bytes())
    return data, built


@pytest.fixture
def client(clinic, handed_out):
    from clinic_handout.desk import create_app

    return create_app(clinic, handed_out[0]).test_client()


def plain(text: str) -> str:
    return html_module.unescape(re.sub(r"<[^>]+>", "", text))


def entry_ids(page_html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)">', page_html)]


@pytest.mark.parametrize("typed", ["髙橋", "﨑子", "橋 﨑", "髙橋﨑子"])
def test_search_finds_a_patient_by_part_of_the_name_as_typed(client, typed):
    page = client.get("/history/", query_string={"q": typed}).get_data(as_text=True)
    assert len(entry_ids(page)) == 1
    text = plain(page)
    assert "髙橋 﨑子 様" in text and "ヤマダ" not in text
    # the date, each stretch with its dose as printed, and that no mail went
    assert "2026年1月5日" in text
    assert "お尻のストレッチ" in text and "25秒 × 3回" in text
    assert "メールなし" in text


@pytest.mark.parametrize("typed", ["やまだ", "ハナコ", "ﾔﾏﾀﾞ"])
def test_kana_finds_a_name_typed_in_the_other_kana_or_half_width(client, typed):
    page = client.get("/history/", query_string={"q": typed}).get_data(as_text=True)
    assert len(entry_ids(page)) == 1 and "ヤマダ ハナコ 様" in plain(page)


def test_no_match_says_so_and_an_empty_search_lists_the_newest_first(client):
    page = client.get("/history/", query_string={"q": "佐藤"}).get_data(as_text=True)
    assert entry_ids(page) == [] and "「佐藤」を含むお名前の記録はありません" in plain(page)
    everyone = client.get("/history/").get_data(as_text=True)
    ids = entry_ids(everyone)
    assert len(ids) == 2 and ids == sorted(ids, reverse=True)


def test_the_pdf_served_is_byte_for_byte_the_one_built(client, handed_out):
    page = client.get("/history/", query_string={"q": "髙橋"}).get_data(as_text=True)
    [entry] = entry_ids(page)
    served = client.get(f"/history/{entry}.pdf")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert served.data == handed_out[1][0]
    assert client.get("/history/999.pdf").status_code == 404


def test_where_it_was_sent_is_shown_with_the_outcome(client, handed_out, clinic):
    from clinic_handout.history import History

    with History.open(handed_out[0], content_folder=clinic) as history:
        [entry] = history.search("髙橋")
        history.record_send(entry.id, address="sakiko@example.com", attachment_name="a.pdf", attachment=b"x",
                            outcome="sent", message_id="<1@clinic>")
        history.record_send(entry.id, address="old@example.com", attachment_name="a.pdf", attachment=b"x",
                            outcome="failed", reason="550 no such user")
    text = plain(client.get("/history/", query_string={"q": "髙橋"}).get_data(as_text=True))
    assert "送信: sakiko@example.com" in text
    assert "送れず: old@example.com" in text and "550 no such user" in text


def again(client, entry: int, csrf: str | None = None):
    page = client.get("/history/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    return client.post(f"/history/{entry}/again", data={"csrf_token": token if csrf is None else csrf})


def submitted(page_html: str, form_id: str) -> dict[str, str]:
    """The fields a browser submits for the form form_id as the page shows it (ticked boxes, chosen options)."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.values, self.select, self.textarea = False, {}, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form":
                self.inside = a.get("id") == form_id
            if not self.inside or "name" not in a and tag != "option":
                return
            if tag == "input" and a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
                self.values[a["name"]] = a.get("value", "")
            elif tag == "select":
                self.select = a["name"]
                self.values.setdefault(self.select, "")
            elif tag == "option" and self.select and "selected" in a:
                self.values[self.select] = a.get("value", "")
            elif tag == "textarea":
                self.textarea = a["name"]
                self.values[self.textarea] = ""

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False
            if tag == "select":
                self.select = None
            if tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.values[self.textarea] += data

    parser = Form()
    parser.feed(page_html)
    return parser.values


def field(page_html: str, name: str) -> str:
    tag = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>', page_html, re.S)[0]
    value = re.search(r'value="([^"]*)"', tag)
    return html_module.unescape(value[1]) if value else ""


def test_reissue_opens_the_form_prefilled_with_the_old_doses_and_todays_date(client):
    [entry] = entry_ids(client.get("/history/", query_string={"q": "髙橋"}).get_data(as_text=True))
    moved = again(client, entry)
    assert moved.status_code == 303 and "/new/" in moved.headers["Location"]
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    today = dt.date.today()
    assert field(page, "name") == "髙橋 﨑子" and field(page, "email") == "sakiko@example.com"
    assert field(page, "date") == f"{today:%Y/%m/%d}"
    assert field(page, "next_visit") == ""  # the old next visit has passed: never copied
    assert field(page, "practitioner") == "大場 太郎"
    # the prescription's own stretches, ticked, with its doses and side; the catalogue's dose where it gave none
    assert re.search(r'name="s-buttock"[^>]*checked', page) and re.search(r'name="s-hamstring"[^>]*checked', page)
    assert not re.search(r'name="s-hip-flexor"[^>]*checked', page)
    assert field(page, "hold-buttock") == "25" and field(page, "reps-buttock") == "3"
    assert re.search(r'<option value="right" selected>', page)
    assert "右側を重点的に" in page
    assert "2026年1月5日の 髙橋 﨑子 様の案内を写しました" in plain(page)


def test_the_reissued_form_builds_as_it_is_and_can_be_changed(client):
    [entry] = entry_ids(client.get("/history/", query_string={"q": "髙橋"}).get_data(as_text=True))
    page = client.get(again(client, entry).headers["Location"]).get_data(as_text=True)
    form = submitted(page, "new-form")  # what the browser sends when the form is posted untouched
    form["hold-buttock"] = "40"  # a longer hold this time
    form["action"] = "preview"
    built = client.post("/new/", data=form)
    assert built.status_code == 303
    shown = client.get(built.headers["Location"]).get_data(as_text=True)
    assert 'class="problems-top"' not in shown, re.search(r"problems-top.*?</div>", shown, re.S)[0]
    pdf = client.get(built.headers["Location"] + "/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    from io import BytesIO

    from pypdf import PdfReader

    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages))
    assert "髙橋﨑子様" in text and "40秒" in text and "2026年1月5日" not in text


def test_reissue_of_an_area_only_prescription_ticks_that_areas_stretches(client, clinic):
    from clinic_handout.content import load_content

    [entry] = entry_ids(client.get("/history/", query_string={"q": "やまだ"}).get_data(as_text=True))
    page = client.get(again(client, entry).headers["Location"]).get_data(as_text=True)
    ticked = re.findall(r'name="s-([\w-]+)"[^>]*checked', page)
    assert ticked == list(load_content(clinic).default_selection("both"))
    assert field(page, "area_shown") == "both"


def test_a_forged_reissue_is_refused(client):
    [entry] = entry_ids(client.get("/history/", query_string={"q": "髙橋"}).get_data(as_text=True))
    assert again(client, entry, csrf="").status_code == 403
    assert again(client, entry, csrf="guessed").status_code == 403
    assert again(client, 999).status_code == 404


def test_no_history_yet_is_said_not_an_error(clinic, tmp_path):
    from clinic_handout.desk import create_app

    page = create_app(clinic, tmp_path / "empty").test_client().get("/history/")
    assert page.status_code == 200 and "まだ記録はありません" in page.get_data(as_text=True)
