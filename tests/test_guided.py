"""`handout new` as a conversation: bad answers get a Japanese message and the question again,
Ctrl-C or the end of input leaves nothing behind, and the files it writes say what was answered."""
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from clinic_handout import deliver
from clinic_handout.cli import cli

from .conftest import REPO, pdf_text
from .test_frontdesk import font_sizes

# click's own English messages, which the front desk must never see from `handout new`
CLICK_ENGLISH = ("Error:", "Aborted", "is not a valid", "invalid input", "Traceback")
AGAIN = "もう一度入力してください"

NAME_Q = "患者さんのお名前"
DATE_Q = "日付 (date)"
AREA_Q = "痛む場所"
PICK_Q = "使うストレッチの番号"
CHANGE_Q = "秒数・回数・セット数や左右を変えますか"
SECONDS_Q = "秒数 (seconds)"
SIDE_Q = "左右 (side)"
EMAIL_Q = "メールアドレス (email"
LARGE_Q = "大きな文字で作りますか"
DAYS_Q = "記録表（チェックシート）の日数"
VISIT_Q = "次回のご来院日"

# (answer, the question it answers, the Japanese words the answer's message must contain, or None when it is good)
CONVERSATION = [
    ("", NAME_Q, "お名前は必ず入れてください"),
    ("鈴木 太郎", NAME_Q, None),
    ("2026/13/1", DATE_Q, "\"2026/13/1\" は使えません"),
    ("2026/1/5", DATE_Q, None),  # as Excel and a Japanese office write it
    ("5", AREA_Q, "\"5\" は選べません"),
    ("abc", AREA_Q, "\"abc\" は選べません"),
    ("下", AREA_Q, None),  # lower, as the CSV's 部位 column also takes it
    ("2", "ストレッチはこのままでよいですか", None),  # choose them
    ("0 9", PICK_Q, "\"0\" は一覧の番号ではありません"),
    ("4 4", PICK_Q, "4 が2回あります"),
    ("４　５", PICK_Q, None),  # full-width digits and space, as a Japanese keyboard types them: hamstring, foot-sole
    ("たぶん", CHANGE_Q, "\"たぶん\" は はい・いいえ ではありません"),
    ("y", CHANGE_Q, None),
    ("abc", SECONDS_Q, "\"abc\" は数字ではありません"),
    ("200", SECONDS_Q, "1〜120 の整数"),
    ("２０秒", SECONDS_Q, None),
    ("3", "回数 (repetitions)", None),
    ("2", "1日のセット数", None),
    ("4", SIDE_Q, "\"4\" は選べません"),  # three choices: 左右それぞれ is one, not two that read alike
    ("3", SIDE_Q, None),  # left
    ("", SECONDS_Q, None), ("", "回数 (repetitions)", None), ("", "1日のセット数", None), ("", SIDE_Q, None),
    ("大場", "担当者", None),
    ("hanako", EMAIL_Q, "\"hanako\" は使えません"),
    ("hanako＠example.com", EMAIL_Q, None),
    ("はい", LARGE_Q, None),
    ("40", DAYS_Q, "0〜31 の整数"),
    ("１４", DAYS_Q, None),
    ("2025-12-01", VISIT_Q, "2025年12月1日 は日付 2026年1月5日 より前です"),
    ("令和8年1月12日", VISIT_Q, None),
    ("痛い日は休みましょう", "患者さんへのメモ", None),
    ("", "この内容で作りますか", None),
]


# after the name: date, area, keep the stretches, change doses, practitioner, email, large print, tick-sheet,
# next visit, note, and yes to the summary
ENTERS = 11


def converse(folder, answers, *options):
    return CliRunner().invoke(cli, ["new", "-o", str(folder), *options], input="".join(a + "\n" for a in answers))


def test_every_bad_answer_gets_a_japanese_message_and_the_question_again(tmp_path):
    result = converse(tmp_path, [answer for answer, _, _ in CONVERSATION])
    assert result.exit_code == 0, result.output
    out = result.output
    for word in CLICK_ENGLISH:
        assert word not in out
    messages = [message for _, _, message in CONVERSATION if message]
    for message in messages:
        assert message in out
    assert out.count(AGAIN) == len(messages)
    # each question is asked once, plus once more for each bad answer to it
    asked = out[:out.index("確認してください")]
    for question in {q for _, q, _ in CONVERSATION} - {"この内容で作りますか"}:
        expected = sum(1 for _, q, _ in CONVERSATION if q == question)
        assert asked.count(question) == expected, question


def test_the_conversation_writes_what_was_answered(tmp_path):
    result = converse(tmp_path, [answer for answer, _, _ in CONVERSATION])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((tmp_path / "2026-01-05_鈴木太郎.yaml").read_text(encoding="utf-8"))
    assert data == {
        "patient": {"name": "鈴木 太郎", "email": "hanako@example.com"},
        "date": dt.date(2026, 1, 5),
        "practitioner": "大場",
        "area": "lower",
        "stretches": [{"id": "hamstring", "hold_seconds": 20, "reps": 3, "sets_per_day": 2, "side": "left"},
                      {"id": "foot-sole", "hold_seconds": 60, "reps": 1, "sets_per_day": 2}],
        "note": "痛い日は休みましょう",
        "large_print": True,
        "checklist_days": 14,
        "next_visit": dt.date(2026, 1, 12),
    }
    pdf = tmp_path / "2026-01-05_鈴木太郎.pdf"
    text = pdf_text(pdf)
    assert "鈴木太郎様" in text and "2026年1月5日" in text and "大場" in text
    assert "20秒×3回・1日2セット" in text and "左側" in text and "60秒×1回・1日2セット" in text
    assert "お尻のストレッチ" not in text  # only the two chosen
    assert "ストレッチ記録表" in text and "1月12日（月）" in text  # the next visit on the tick-sheet
    sizes = font_sizes(pdf)
    assert max(set(sizes), key=sizes.count) == 14  # large print
    # the file it wrote builds the same handout again
    again = CliRunner().invoke(cli, ["build", str(tmp_path / "2026-01-05_鈴木太郎.yaml"), "-o",
                                     str(tmp_path / "again.pdf")])
    assert again.exit_code == 0, again.output
    assert pdf_text(tmp_path / "again.pdf") == text


SIDE_MENU = ("  左右 (side)\n"
             "  1) 左右それぞれ (both sides)\n"
             "  2) 右側だけ (right side only)\n"
             "  3) 左側だけ (left side only)\n"
             "番号で答えてください（Enter: 1）")


def test_the_side_menu_has_one_both_sides_choice(tmp_path):
    out = converse(tmp_path, [answer for answer, _, _ in CONVERSATION]).output
    assert out.count(SIDE_MENU) == 3  # asked for each of the two stretches, once more after the bad "4"
    assert "指定なし" not in out
    assert out.count("左右それぞれ") == 3  # the menu only: no second choice with the same words


@pytest.mark.parametrize("answer, side", [("", None), ("1", None), ("左右", None), ("2", "right"), ("右", "right"),
                                          ("3", "left"), ("左側", "left")])
def test_a_side_answer_is_written_as_the_handout_reads_it(tmp_path, answer, side):
    answers = [answer for answer, _, _ in CONVERSATION]
    answers[answers.index("3", [q for _, q, _ in CONVERSATION].index(SIDE_Q))] = answer
    result = converse(tmp_path, answers)
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((tmp_path / "2026-01-05_鈴木太郎.yaml").read_text(encoding="utf-8"))
    assert data["stretches"][0].get("side") == side
    detail = {None: "左右それぞれ3回で1セット", "right": "右側だけ3回で1セット", "left": "左側だけ3回で1セット"}[side]
    assert detail in pdf_text(tmp_path / "2026-01-05_鈴木太郎.pdf").replace("\n", "")


def test_the_summary_is_in_words_not_yaml_keys(tmp_path):
    out = converse(tmp_path, [answer for answer, _, _ in CONVERSATION]).output
    summary = out[out.index("確認してください"):out.index("この内容で作りますか")]
    for words in ("お名前", "鈴木 太郎 様", "2026年1月5日", "腰の下のほう", "太ももの裏のストレッチ",
                  "20秒 × 3回 ・ 1日2セット（左側だけ3回で1セット）", "担当者", "hanako@example.com",
                 "大きな文字", "はい",
                  "14日分", "次回のご来院", "1月12日（月）", "痛い日は休みましょう"):
        assert words in summary, words
    for key in ("patient", "area", "lower", "hold_seconds", "checklist_days", "large_print", "true", "hamstring"):
        assert key not in summary, key


def test_enter_after_the_name_takes_every_default(tmp_path):
    result = converse(tmp_path, ["山田 花子"] + [""] * ENTERS)
    assert result.exit_code == 0, result.output
    today = dt.date.today()
    yaml_file = tmp_path / f"{today.isoformat()}_山田花子.yaml"
    data = yaml.safe_load(yaml_file.read_text(encoding="utf-8"))
    assert data == {"patient": {"name": "山田 花子"}, "date": today, "area": "both"}
    text = pdf_text(yaml_file.with_suffix(".pdf"))
    assert "山田花子様" in text and "ストレッチ記録表" not in text


def test_a_name_is_required_and_the_end_of_input_leaves_nothing(tmp_path):
    folder = tmp_path / "today"
    result = converse(folder, ["", "", "  "])  # then the input ends, as a closed window or Ctrl-D would
    assert result.exit_code == 1
    assert result.output.count("お名前は必ず入れてください") == 3
    assert "中止しました。ファイルは何も作っていません" in result.output
    assert "患者 様" not in result.output and "Aborted" not in result.output
    assert not folder.exists()  # not even the folder


def test_saying_no_at_the_summary_asks_what_to_change_then_asks_again(tmp_path):
    answers = (["山田 花子"] + [""] * (ENTERS - 1)
               + ["n", "1", "山田 花江", "n", "2", "2026/12/1", ""])  # the name, then the date, then yes
    result = converse(tmp_path, answers)
    assert result.exit_code == 0, result.output
    assert result.output.count("どこを直しますか") == 2 and result.output.count("確認してください") == 3
    data = yaml.safe_load((tmp_path / "2026-12-01_山田花江.yaml").read_text(encoding="utf-8"))
    assert data["patient"] == {"name": "山田 花江"} and data["date"] == dt.date(2026, 12, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-12-01_山田花江.pdf", "2026-12-01_山田花江.yaml"]


def test_a_later_date_asks_the_next_visit_again(tmp_path):
    answers = (["山田 花子", "2026/11/25", "", "", "", "", "", "", "7", "2026/11/30", "", "n",
                "2", "2026/12/1",  # the handout's date moves past the next visit …
                "2026/11/30",  # … so the next visit is asked again, and 11/30 is now refused
                "2026/12/3", ""])
    result = converse(tmp_path, answers)
    assert result.exit_code == 0, result.output
    assert "2026年11月30日 は日付 2026年12月1日 より前です" in result.output
    data = yaml.safe_load((tmp_path / "2026-12-01_山田花子.yaml").read_text(encoding="utf-8"))
    assert data["next_visit"] == dt.date(2026, 12, 3) and data["checklist_days"] == 7


def test_stopping_at_the_summary_writes_nothing(tmp_path):
    folder = tmp_path / "today"
    result = converse(folder, ["山田 花子"] + [""] * (ENTERS - 1) + ["n", "10"])  # 10: やめる
    assert result.exit_code == 1
    assert "やめる（何も作らない）" in result.output
    assert "中止しました。ファイルは何も作っていません" in result.output and not folder.exists()


def test_never_overwrites(tmp_path):
    for _ in range(2):
        assert converse(tmp_path, ["山田 花子"] + [""] * ENTERS).exit_code == 0
    assert len(list(tmp_path.glob("*.pdf"))) == 2 and len(list(tmp_path.glob("*.yaml"))) == 2


def test_ctrl_c_while_writing_removes_what_was_written(tmp_path, monkeypatch):
    """Ctrl-C between the PDF and the YAML: the PDF already written is removed, the new folder too."""
    real = deliver.write_atomically
    calls = []

    def interrupted_on_second(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(deliver, "write_atomically", interrupted_on_second)
    folder = tmp_path / "today"
    result = converse(folder, ["山田 花子"] + [""] * ENTERS)
    assert len(calls) == 2
    assert result.exit_code == 1 and "中止しました" in result.output
    assert not folder.exists()


def read_until(stream, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        byte = stream.read(1)
        if not byte:
            raise AssertionError(f"ended before {marker!r}: {seen.decode('utf-8', 'replace')}")
        seen += byte
    return seen


@pytest.mark.skipif(os.name != "posix", reason="sends a real SIGINT")
def test_a_real_ctrl_c_in_the_middle_leaves_nothing(tmp_path):
    folder = tmp_path / "today"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
    process = subprocess.Popen([sys.executable, "-m", "clinic_handout", "new", "-o", str(folder)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    process.stdin.write("山田 花子\n\n".encode())
    process.stdin.flush()
    read_until(process.stdout, AREA_Q.encode())  # the third question is waiting for its answer
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "中止しました。ファイルは何も作っていません" in err.decode()
    assert "Traceback" not in err.decode() and "Aborted" not in err.decode()
    assert not folder.exists()


def test_it_says_which_clinic_and_content_folder_it_uses(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./handouts here: the built-in sample, which it must say
    sample = converse(tmp_path / "a", ["山田 花子"] + [""] * ENTERS).output
    assert "医院 (clinic): サンプル接骨院" in sample and "組み込みの見本の内容です" in sample
    own = tmp_path / "handouts"
    shutil.copytree(REPO / "handouts", own)
    clinic = own / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8").replace("サンプル接骨院", "さくら接骨院"), encoding="utf-8")
    mine = converse(tmp_path / "b", ["山田 花子"] + [""] * ENTERS).output
    assert "医院 (clinic): さくら接骨院（内容フォルダ (content folder): handouts）" in mine
    assert "組み込みの見本" not in mine


def test_enter_at_the_fix_menu_goes_back_to_the_summary_and_never_discards(tmp_path):
    """Issue 11 round 2: Enter at どこを直しますか？ went to やめる and threw every answer away."""
    folder = tmp_path / "today"
    result = converse(folder, ["山田 花子"] + [""] * (ENTERS - 1) + ["n", "", ""])  # no, Enter, then yes
    assert result.exit_code == 0, result.output
    assert "9) まとめに戻る（どれも直さない）" in result.output and "10) やめる（何も作らない）" in result.output
    assert "番号で答えてください（Enter: 9）" in result.output
    assert "中止しました" not in result.output
    assert len(list(folder.glob("*.pdf"))) == 1
    assert "`" not in result.output
