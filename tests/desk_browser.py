"""Debian's chromium driven by Selenium, for the desk's browser tests (and docs/desk_screens.py).

Nothing is downloaded: the browser and its driver are the system's (/usr/bin/chromium and
/usr/bin/chromedriver, installed by .ci/run), given by path so that selenium-manager never runs.
Headless, in a 1366×768 window (the clinic PC's screen). A test module imports the `browser` fixture
(module-scoped: one browser per module) and the helpers it needs; with HANDOUT_REQUIRE_BROWSER set (CI),
a missing browser is an error, not a skip.
"""
from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and DRIVER.exists()):
    if os.environ.get("HANDOUT_REQUIRE_BROWSER"):
        raise RuntimeError("chromium and chromium-driver are required here (apt-get install chromium chromium-driver)")
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (a test dependency) drives the browser")
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

__all__ = ["By", "Select", "WebDriverWait", "browser", "choose_area", "click", "fetch_bytes", "start_browser",
           "submit_from_foreign_page", "type_into", "wait_for", "wait_for_text"]


def start_browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.add_experimental_option("prefs", {"intl.accept_languages": "ja-JP,ja"})
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768",
                     "--lang=ja-JP", "--accept-lang=ja-JP", "--disable-gpu", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-sync", "--disable-component-update"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = start_browser()
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for(browser, css: str, timeout: float = 60):
    return WebDriverWait(browser, timeout).until(lambda b: b.find_element(By.CSS_SELECTOR, css))


def wait_for_text(browser, element_id: str, text: str, timeout: float = 30) -> None:
    """Waits until the element shows `text`, across a page load: an element found on the page being left
    goes stale while it is read (seen once in CI), so a stale element is looked up again, not an error."""
    WebDriverWait(browser, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                  ).until(lambda b: text in b.find_element(By.ID, element_id).text)


def type_into(browser, field_id: str, text: str) -> None:
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def click(browser, element_id: str) -> None:
    browser.find_element(By.ID, element_id).click()


def fetch_bytes(browser, url: str) -> bytes:
    """The bytes the page's own link gives (fetched by the page, with its cookie)."""
    encoded = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => {"
        "  let s = ''; const a = new Uint8Array(b); for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);"
        "  done(btoa(s)); });", url)
    return base64.b64decode(encoded)


def choose_area(browser, area: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"input[name=area][value={area}]").click()


def submit_from_foreign_page(browser, desk: str, page: str) -> None:
    """Opens `page` on another origin (a form that posts itself to the desk at once, as a hostile site would)
    and waits until the browser is back on the desk with its answer."""
    from .desk_support import foreign_page
    with foreign_page(page) as evil:
        browser.get(evil)
        WebDriverWait(browser, 30).until(lambda b: b.current_url.startswith(desk))
