"""The desk in a real browser, as a receptionist uses it (tests/desk_browser.py: Debian's chromium
driven by Selenium, headless at 1366×768, nothing downloaded)."""
from __future__ import annotations

import datetime as dt

import pytest

from .desk_browser import (
    By,
    Select,
    browser,
    choose_area,
    click,
    fetch_bytes,
    submit_from_foreign_page,
    type_into,
    wait_for,
)
from .desk_support import local_smtp, serving

__all__ = ["browser"]  # the fixture, imported for the tests below


@pytest.fixture
def desk(clinic, tmp_path, browser):
    with serving(clinic, tmp_path / "data") as base:
        browser.delete_all_cookies()
        yield base

def test_a_new_patient_with_a_changed_dose_and_side_is_byte_for_byte_handout_build(browser, desk, clinic, run,
                                                                                 tmp_path):
    browser.get(desk + "new/")
    type_into(browser, "name", "山田 花子")
    choose_area(browser, "lower")
    # The area's stretches are ticked with their default doses (the sample's lower: buttock, hamstring, foot-sole)
    ticked = [b.get_attribute("id") for b in browser.find_elements(By.CSS_SELECTOR, "input[name^='s-']")
              if b.is_selected()]
    assert ticked == ["s-buttock", "s-hamstring", "s-foot-sole"]
    assert browser.find_element(By.ID, "hold-buttock").get_attribute("value") == "10"
    type_into(browser, "hold-buttock", "30")
    type_into(browser, "reps-hamstring", "３")  # full-width, as a Japanese keyboard types it
    Select(browser.find_element(By.ID, "side-buttock")).select_by_visible_text("右側だけ")
    type_into(browser, "practitioner", "田中 健")
    click(browser, "do-preview")
    frame = wait_for(browser, "iframe#preview")
    page_pdf = fetch_bytes(browser, frame.get_attribute("src").split("#")[0])

    # The same prescription, written out by hand, built by the CLI.
    today = dt.date.today().isoformat()
    (tmp_path / "p.yaml").write_text(
        f"patient:\n  name: 山田 花子\ndate: {today}\npractitioner: 田中 健\narea: lower\nstretches:\n"
        "  - id: buttock\n    hold_seconds: 30\n    side: right\n  - id: hamstring\n    reps: 3\n  - foot-sole\n",
        encoding="utf-8")
    result = run("build", tmp_path / "p.yaml", "-o", tmp_path / "cli.pdf", "--content", clinic)
    assert result.exit_code == 0, result.output
    assert page_pdf[:5] == b"%PDF-"
    assert page_pdf == (tmp_path / "cli.pdf").read_bytes()
    # and the page says what it made
    assert f"{today}_山田花子.pdf" in browser.find_element(By.CSS_SELECTOR, ".preview-info").text


def test_bad_fields_show_the_validation_layers_japanese_words_beside_them(browser, desk):
    browser.get(desk + "new/")
    choose_area(browser, "both")
    type_into(browser, "reps-buttock", "abc")
    type_into(browser, "email", "hanako@example")
    click(browser, "do-preview")
    wait_for(browser, "#problems")
    name_error = browser.find_element(By.ID, "name-error")
    assert name_error.text == "※ お名前を入れてください"
    # beside its field: in the same box as the input, which points at it for a screen reader
    name = browser.find_element(By.ID, "name")
    assert name.get_attribute("aria-invalid") == "true"
    assert name.get_attribute("aria-describedby") == "name-error"
    assert name_error.find_element(By.XPATH, "..") == name.find_element(By.XPATH, "..")
    reps_error = browser.find_element(By.ID, "reps-buttock-error")
    assert reps_error.text == "※ 回数は 1〜50 の数字で入れてください（今は「abc」）"
    assert "メールアドレス" in browser.find_element(By.ID, "email-error").text
    # what was typed is still there, and no preview was made from a bad form
    assert browser.find_element(By.ID, "reps-buttock").get_attribute("value") == "abc"
    assert not browser.find_elements(By.CSS_SELECTOR, "iframe#preview")


@pytest.fixture
def inbox(clinic):
    with local_smtp(clinic) as box:
        yield box


def fill_and_mail(browser, desk, name: str, address: str) -> None:
    browser.get(desk + "new/")
    type_into(browser, "name", name)
    choose_area(browser, "both")
    type_into(browser, "email", address)
    click(browser, "do-mail")
    wait_for(browser, "table.confirm")


def test_a_mail_goes_only_through_the_confirmation_showing_name_address_file_and_pages(browser, desk, inbox,
                                                                                     tmp_path):
    fill_and_mail(browser, desk, "髙橋 﨑子", "sakiko@example.com")
    assert inbox.mails == []  # メールで送る only shows the confirmation
    today = dt.date.today().isoformat()
    assert browser.find_element(By.ID, "confirm-name").text == "髙橋 﨑子 様"
    assert browser.find_element(By.ID, "confirm-address").text == "sakiko@example.com"
    assert browser.find_element(By.ID, "confirm-file").text == f"{today}_髙橋﨑子.pdf"
    assert browser.find_element(By.ID, "confirm-pages").text == "2 ページ"
    assert not browser.find_elements(By.ID, "other-addresses")  # the first mail to this patient
    click(browser, "do-send")
    wait_for(browser, "h1.ok")
    assert len(inbox.mails) == 1
    recipients, mail = inbox.mails[0]
    assert recipients == ["sakiko@example.com"]
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == f"{today}_髙橋﨑子.pdf"
    import io

    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(attachment.get_content())).pages) == 2


def test_another_address_known_for_the_patient_is_said_in_red(browser, desk, inbox):
    fill_and_mail(browser, desk, "山田 花子", "hanako@example.com")
    click(browser, "do-send")
    wait_for(browser, "h1.ok")
    fill_and_mail(browser, desk, "山田 花子", "hanako.yamada@example.net")
    warning = browser.find_element(By.ID, "other-addresses")
    assert "hanako@example.com" in warning.text and "別のアドレス" in warning.text
    assert warning.value_of_css_property("color") == "rgba(176, 0, 32, 1)"  # the desk's red (#b00020)
    assert len(inbox.mails) == 1  # the warning page sent nothing


def test_a_forged_post_from_another_site_is_refused(browser, desk, inbox):
    browser.get(desk)  # the receptionist has the desk open (its session cookie is in the browser)
    page = (f'<form id="f" method="post" action="{desk}new/">'
            '<input name="name" value="攻撃"><input name="area" value="both"><input name="area_shown" value="both">'
            '<input name="email" value="attacker@evil.example"><input name="action" value="mail"></form>'
            '<script>document.getElementById("f").submit()</script>')
    submit_from_foreign_page(browser, desk, page)
    assert "できませんでした" in browser.find_element(By.TAG_NAME, "h1").text
    assert "別のページからの送信" in browser.find_element(By.CSS_SELECTOR, ".problem").text
    assert inbox.mails == []


def test_the_keyboard_alone_makes_a_handout(browser, desk):
    from selenium.webdriver.common.keys import Keys

    browser.get(desk + "new/")
    active = browser.switch_to.active_element
    assert active.get_attribute("id") == "name"  # the cursor starts in お名前
    active.send_keys("山田 花子")
    active.send_keys(Keys.TAB, Keys.TAB, Keys.TAB)  # 日付, 担当者, then the area choices
    assert browser.switch_to.active_element.get_attribute("name") == "area"
    browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)  # 上 → 下 (arrow keys move in a radio group)
    browser.switch_to.active_element.send_keys(Keys.SPACE)
    assert browser.find_element(By.CSS_SELECTOR, "input[name=area][value=lower]").is_selected()
    ticked = [b.get_attribute("id") for b in browser.find_elements(By.CSS_SELECTOR, "input[name^='s-']")
              if b.is_selected()]
    assert ticked == ["s-buttock", "s-hamstring", "s-foot-sole"]
    browser.switch_to.active_element.send_keys(Keys.ENTER)  # Enter submits with the first button: プレビュー
    assert wait_for(browser, "iframe#preview")


def test_the_button_bar_never_covers_the_field_being_typed_in(browser, desk):
    """Problem 13: at 1366×768 the sticky button bar covered form rows. Each field reached with Tab, as a
    receptionist moves through the form, stands wholly above the bar."""
    from selenium.webdriver.common.keys import Keys

    browser.get(desk + "new/")
    browser.find_element(By.ID, "name").click()
    where = ("const a = document.activeElement, r = a.getBoundingClientRect(),"
             " bar = document.querySelector('.actionbar').getBoundingClientRect();"
             " return [a.id || a.name, r.bottom, bar.top, !!a.closest('.actionbar')];")
    seen, covered = [], []
    for _ in range(80):
        name, bottom, bar_top, in_bar = browser.execute_script(where)
        if in_bar:
            break
        seen.append(name)
        if bottom > bar_top:
            covered.append((name, round(bottom), round(bar_top)))
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert "email" in seen and "hold-foot-sole" in seen  # the walk went down the whole form
    assert covered == []
