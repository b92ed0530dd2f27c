"""一括 (CSV) and 履歴 in a real browser (Debian's chromium, headless, 1366×768), as a receptionist uses them:
choose the day's CSV, watch it build, read a bad row's reason, open the print file; find a patient in the
history, open the PDF handed out, and make today's from it. The harness is test_desk_browser's."""
from __future__ import annotations

import datetime as dt

import pytest

__all__ = ["browser"]  # the module-scoped fixture, imported from desk_browser
from .desk_browser import By, browser, fetch_bytes, submit_from_foreign_page, type_into, wait_for, wait_for_text
from .desk_support import local_smtp, serving

# The day's list as Excel in Japan saves it: Shift_JIS, Japanese headers, dates like 2026/1/5.
CSV = ("名前,部位,日付,担当,メール,ストレッチ,メモ\n"
       "山田 花子,両方,2026/1/5,大場 太郎,hanako@example.com,,\n"
       "木村 次郎,真ん中,2026/1/5,,,,\n"
       "髙橋 﨑子,下,2026/1/5,,sakiko@example.com,buttock:25×3×2 hamstring,右側を重点的に\n")


@pytest.fixture
def desk(clinic, tmp_path, browser):
    with serving(clinic, tmp_path / "data") as base:
        browser.delete_all_cookies()
        yield base


@pytest.fixture
def day_csv(tmp_path):
    path = tmp_path / "今日の一覧.csv"
    path.write_bytes(CSV.encode("cp932"))
    return path


def upload(browser, desk: str, path) -> None:
    browser.get(desk + "batch/")
    browser.find_element(By.ID, "csv").send_keys(str(path))
    browser.find_element(By.ID, "start").click()
    wait_for(browser, "table#rows", timeout=120)


def test_a_csv_with_a_bad_row_shows_its_excel_row_and_reason_and_the_print_file_is_handout_batch_merge(
        browser, desk, day_csv, clinic, run, tmp_path):
    upload(browser, desk, day_csv)
    bad = browser.find_element(By.ID, "row-3")
    cells = bad.find_elements(By.TAG_NAME, "td")
    assert cells[0].text == "3" and cells[1].text == "木村 次郎"
    assert "作れませんでした" in cells[2].text and "部位" in cells[2].text and '"真ん中"' in cells[2].text
    assert "両方" in cells[2].text  # what to type instead
    assert "作りました" in browser.find_element(By.ID, "row-2").text
    merged = fetch_bytes(browser, browser.find_element(By.ID, "print").get_attribute("href"))
    result = run("batch", day_csv, "-o", tmp_path / "cli-out", "--merge", tmp_path / "cli-print.pdf",
                 "--content", clinic, "--jobs", "1")
    assert "2 built, 1 failed" in result.output
    assert merged == (tmp_path / "cli-print.pdf").read_bytes()


def test_history_finds_a_patient_by_part_of_the_name_and_reissue_opens_the_form_prefilled(
        browser, desk, day_csv):
    upload(browser, desk, day_csv)
    built = fetch_bytes(browser, browser.find_element(By.CSS_SELECTOR, "#row-4 td.result a").get_attribute("href"))
    browser.get(desk + "history/")
    type_into(browser, "q", "﨑子")
    browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    wait_for_text(browser, "count", "﨑子")
    rows = browser.find_elements(By.CSS_SELECTOR, "#entries tbody tr")
    assert len(rows) == 1 and "髙橋 﨑子 様" in rows[0].text and "25秒 × 3回" in rows[0].text
    # the PDF handed out, byte for byte
    served = fetch_bytes(browser, rows[0].find_element(By.LINK_TEXT, "渡した PDF を開く").get_attribute("href"))
    assert served == built
    rows[0].find_element(By.XPATH, ".//button[contains(., 'この内容で今日の分を作る')]").click()
    wait_for(browser, "#new-form")
    today = dt.date.today()
    assert browser.find_element(By.ID, "name").get_attribute("value") == "髙橋 﨑子"
    assert browser.find_element(By.ID, "date").get_attribute("value") == f"{today:%Y/%m/%d}"
    assert browser.find_element(By.ID, "hold-buttock").get_attribute("value") == "25"
    assert browser.find_element(By.ID, "reps-buttock").get_attribute("value") == "3"
    assert browser.find_element(By.ID, "s-hamstring").is_selected()
    assert not browser.find_element(By.ID, "s-hip-flexor").is_selected()
    # editable: a longer hold, and the preview is built from it
    type_into(browser, "hold-buttock", "40")
    browser.find_element(By.ID, "do-preview").click()
    wait_for(browser, "iframe#preview")
    assert browser.find_element(By.ID, "hold-buttock").get_attribute("value") == "40"


def test_the_ticked_rows_are_mailed_through_the_confirmation(browser, desk, day_csv, clinic):
    with local_smtp(clinic) as inbox:
        upload(browser, desk, day_csv)
        browser.find_element(By.ID, "pick-4").click()
        browser.find_element(By.ID, "mail-chosen").click()
        wait_for(browser, "#confirm-rows")
        assert inbox.mails == []
        row = browser.find_element(By.ID, "confirm-4").text
        assert "髙橋 﨑子 様" in row and "sakiko@example.com" in row and "2026-01-05_髙橋﨑子.pdf" in row
        browser.find_element(By.ID, "do-send").click()
        wait_for(browser, "#mail-report")
        assert [rcpt for rcpt, _ in inbox.mails] == [["sakiko@example.com"]]
        assert "送りました" in browser.find_element(By.ID, "row-4").text


def test_a_forged_upload_from_another_site_is_refused(browser, desk, tmp_path):
    browser.get(desk + "batch/")  # the desk is open in the browser (its session cookie is there)
    page = (f'<form id="f" method="post" enctype="multipart/form-data" action="{desk}batch/">'
            '<textarea name="csv">名前,部位\n攻撃,両方</textarea></form>'
            '<script>document.getElementById("f").submit()</script>')
    submit_from_foreign_page(browser, desk, page)
    assert "できませんでした" in browser.find_element(By.TAG_NAME, "h1").text
    assert not (tmp_path / "data" / "batch").exists()
