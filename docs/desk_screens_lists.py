"""Screenshots of the desk's 一括 (CSV) and 履歴 screens for the README and docs/guide-ja.md, from the real desk
in Debian's headless chromium at 1366×768, and the time a 20-row list takes from the click to the table.

    .venv/bin/python docs/desk_screens_lists.py     # writes docs/desk/batch-*.png and history-*.png

The desk runs on a copy of the sample content with a local SMTP server (nothing leaves the machine).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from docs.desk_screens import desk_session, shoot  # noqa: E402  (the same desk, pictures folder and settling)
from tests.desk_browser import type_into  # noqa: E402

NAMES = [
    "山田 花子", "髙橋 﨑子", "佐藤 一郎", "鈴木 二郎", "田中 三枝", "伊藤 四郎", "渡辺 五月",
    "山本 六郎", "中村 七海", "小林 八郎", "加藤 九美", "吉田 十郎", "山口 一花", "松本 二葉",
    "井上 三太", "木村 四季", "林 五郎", "斎藤 六花", "清水 七瀬", "山崎 八雲",
]
AREAS = ["上", "下", "両方"]


def day_list(folder: Path, rows: int, bad: bool) -> Path:
    """A day's list as Excel saves it (Shift_JIS, 2026/1/5 dates); with bad rows for the pictures."""
    lines = ["名前,部位,日付,担当,メール,ストレッチ,メモ"]
    for i, name in enumerate(NAMES[:rows]):
        area = AREAS[i % 3]
        date = "2026/1/5"
        if bad and i == 2:
            area = "真ん中"
        if bad and i == 5:
            date = "2026/2/30"
        email = f"patient{i + 1}@example.com" if i % 4 != 3 else ""
        lines.append(f"{name},{area},{date},大場 太郎,{email},,")
    path = folder / ("今日の一覧.csv" if bad else f"一覧{rows}人.csv")
    path.write_bytes(("\n".join(lines) + "\n").encode("cp932"))
    return path


def upload(browser, base: str, path: Path) -> float:
    browser.get(base + "batch/")
    browser.find_element(By.ID, "csv").send_keys(str(path))
    start = time.perf_counter()
    browser.find_element(By.ID, "start").click()
    WebDriverWait(browser, 300, poll_frequency=0.05).until(lambda b: b.find_elements(By.CSS_SELECTOR, "table#rows"))
    return time.perf_counter() - start


def main() -> None:
    with desk_session() as (browser, base, work):
        browser.get(base + "batch/")
        shoot(browser, "batch-upload")
        # the progress bar, caught while a 20-row list builds
        browser.find_element(By.ID, "csv").send_keys(str(day_list(work, 20, bad=False)))
        browser.find_element(By.ID, "start").click()
        WebDriverWait(browser, 60, poll_frequency=0.05).until(
            lambda b: b.find_elements(By.ID, "progress-bar")
            and int(b.find_element(By.ID, "progress-bar").get_attribute("value") or 0) >= 5)
        shoot(browser, "batch-progress", 0.0)
        WebDriverWait(browser, 300).until(lambda b: b.find_elements(By.CSS_SELECTOR, "table#rows"))
        times = [upload(browser, base, day_list(work, 20, bad=False)) for _ in range(3)]
        print(f"20-row list, click to the table: median {statistics.median(times):.2f} s "
              f"(n={len(times)}, {', '.join(f'{t:.2f}' for t in times)})")
        upload(browser, base, day_list(work, 8, bad=True))
        shoot(browser, "batch-result")
        browser.execute_script("document.getElementById('row-4').scrollIntoView({block: 'center'})")
        shoot(browser, "batch-bad-rows")
        for number in (2, 3):
            browser.find_element(By.ID, f"pick-{number}").click()
        browser.find_element(By.ID, "mail-chosen").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "confirm-rows"))
        shoot(browser, "batch-confirm")
        browser.find_element(By.ID, "do-send").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "mail-report"))
        shoot(browser, "batch-sent")
        browser.get(base + "history/")
        type_into(browser, "q", "山田")
        browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "count"))
        shoot(browser, "history-search")
        browser.find_element(By.CSS_SELECTOR, "#entries button.primary").click()
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "new-form"))
        shoot(browser, "history-again")


if __name__ == "__main__":
    main()
