"""Screenshots of the desk's screens for the README and docs/guide-ja.md, from the real desk in Debian's
headless chromium at 1366×768 (the clinic PC's screen), and the preview's time from click to picture.

    .venv/bin/python docs/desk_screens.py          # writes docs/desk/*.png, prints the timings

The desk runs on a copy of the sample content with a local SMTP server (nothing leaves the machine).
"""
from __future__ import annotations

import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "desk"
sys.path.insert(0, str(REPO))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from tests.desk_browser import choose_area, start_browser, type_into  # noqa: E402
from tests.desk_support import local_smtp, serving  # noqa: E402

PICTURE_DRAWN = """
const frame = document.getElementById('preview');
if (!frame) return false;
const doc = frame.contentDocument;
return !!doc && doc.readyState === 'complete';
"""


def preview_seconds(browser) -> float:
    """From the click on プレビュー to the PDF loaded in the page's frame (the browser then draws it)."""
    if not browser.find_elements(By.ID, "do-preview"):
        raise SystemExit(f"no form at {browser.current_url}: {browser.find_element(By.TAG_NAME, 'main').text}")
    old = browser.find_element(By.ID, "new-form")
    start = time.perf_counter()
    browser.find_element(By.ID, "do-preview").click()
    WebDriverWait(browser, 60, poll_frequency=0.02).until(staleness_of(old))  # the new page, not the old frame
    WebDriverWait(browser, 60, poll_frequency=0.02).until(lambda b: b.execute_script(PICTURE_DRAWN))
    return time.perf_counter() - start


def _page_drawn(browser, rect) -> bool:
    """The PDF viewer has drawn the page inside rect: mostly white paper with dark text on it. (Right after
    the frame loads, the viewer shows only its dark grey background: dark, but no paper.)"""
    import io

    from PIL import Image

    shot = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("L")
    box = (int(rect["x"]) + 10, int(rect["y"]) + 60, int(rect["x"] + rect["width"]) - 20,
           min(shot.height, int(rect["y"] + rect["height"])) - 5)  # below the viewer's toolbar
    counts = shot.crop(box).histogram()  # pixels of each grey level 0..255
    white, dark = sum(counts[241:]), sum(counts[:80])
    return white > 0.4 * sum(counts) and dark > 2000


def picture_seconds(browser) -> tuple[float, float]:
    """(click → PDF loaded in the frame, click → the page drawn: white paper with dark text in the frame)."""
    old = browser.find_element(By.ID, "new-form")
    start = time.perf_counter()
    browser.find_element(By.ID, "do-preview").click()
    WebDriverWait(browser, 60, poll_frequency=0.02).until(staleness_of(old))
    WebDriverWait(browser, 60, poll_frequency=0.02).until(lambda b: b.execute_script(PICTURE_DRAWN))
    loaded = time.perf_counter() - start
    rect = browser.find_element(By.ID, "preview").rect
    WebDriverWait(browser, 60, poll_frequency=0.05).until(lambda b: _page_drawn(b, rect))
    return loaded, time.perf_counter() - start


def shoot(browser, name: str, settle: float = 1.0) -> None:
    time.sleep(settle)  # the PDF viewer draws after the frame's load
    browser.save_screenshot(str(OUT / f"{name}.png"))
    print("wrote", OUT / f"{name}.png")


@contextlib.contextmanager
def desk_session():
    """A headless chromium on a desk serving a copy of the sample content, with a local SMTP server:
    (browser, base URL, the work folder). Both screenshot scripts start here."""
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    content = work / "handouts"
    shutil.copytree(REPO / "handouts", content)
    browser = start_browser()
    try:
        with local_smtp(content), serving(content, work / "handout-data") as base:
            yield browser, base, work
    finally:
        browser.quit()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    with desk_session() as (browser, base, work):
        browser.get(base + "new/")
        shoot(browser, "new-empty", 0.2)
        type_into(browser, "name", "山田 花子")
        choose_area(browser, "lower")
        type_into(browser, "hold-buttock", "30")
        Select(browser.find_element(By.ID, "side-buttock")).select_by_visible_text("右側だけ")
        type_into(browser, "practitioner", "田中 健")
        type_into(browser, "email", "hanako@example.com")
        browser.execute_script("document.getElementById('stretches').scrollIntoView()")
        shoot(browser, "new-stretches", 0.2)
        browser.execute_script("window.scrollTo(0, 0)")
        times = [preview_seconds(browser)]
        shoot(browser, "new-preview", 2.0)
        for _ in range(4):
            times.append(preview_seconds(browser))
        print(f"preview, click to PDF in the frame: first {times[0]:.2f} s, then median "
              f"{statistics.median(times[1:]):.2f} s (n={len(times) - 1}, max {max(times[1:]):.2f} s)")
        drawn = [picture_seconds(browser) for _ in range(5)]
        print("preview, click to the page drawn in the frame (white paper with text): median "
              f"{statistics.median(d for _, d in drawn):.2f} s, max {max(d for _, d in drawn):.2f} s "
              f"(PDF loaded at median {statistics.median(t for t, _ in drawn):.2f} s; n={len(drawn)})")
        browser.find_element(By.ID, "do-save").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".notice"))
        shoot(browser, "new-saved", 1.5)
        browser.find_element(By.ID, "do-mail").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, "table.confirm"))
        browser.find_element(By.ID, "do-send").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, "h1.ok"))
        shoot(browser, "sent", 0.2)
        # another patient given 山田 花子's address: the confirmation names her in red
        browser.get(base + "new/")
        type_into(browser, "name", "佐藤 一郎")
        choose_area(browser, "both")
        type_into(browser, "email", "hanako@example.com")
        browser.find_element(By.ID, "do-mail").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, "table.confirm"))
        shoot(browser, "confirm", 0.2)
        browser.get(base + "new/")
        choose_area(browser, "both")
        type_into(browser, "reps-buttock", "abc")
        type_into(browser, "email", "hanako@example")
        browser.find_element(By.ID, "do-preview").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "problems"))
        shoot(browser, "new-errors", 0.2)
        browser.get(base)
        shoot(browser, "today", 0.2)


if __name__ == "__main__":
    main()
