"""Input as a Japanese office writes it: dates, full-width digits, Japanese CSV headers and values,
Excel row numbers, and every way a CSV from Excel (or Notepad) can be broken.

Expected values are written out here (dates as the calendar says, rows as Excel numbers them)."""
import datetime as dt

import pytest

from clinic_handout.errors import InputError
from clinic_handout.prescription import prescription_from
from clinic_handout.schema import LineDict, parse_date

from .conftest import STANDARD


# -- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("2026-11-25", dt.date(2026, 11, 25)),
    ("2026/1/5", dt.date(2026, 1, 5)),
    ("2026/01/05", dt.date(2026, 1, 5)),
    ("2026年1月5日", dt.date(2026, 1, 5)),
    ("2026 年 1 月 5 日", dt.date(2026, 1, 5)),
    ("令和8年1月5日", dt.date(2026, 1, 5)),
    ("令和元年5月1日", dt.date(2019, 5, 1)),
    ("R8.1.5", dt.date(2026, 1, 5)),
    ("r8/1/5", dt.date(2026, 1, 5)),
    ("平成31年4月30日", dt.date(2019, 4, 30)),
    ("２０２６／１／５", dt.date(2026, 1, 5)),  # typed with full-width digits
    ("令和８年１月５日", dt.date(2026, 1, 5)),
    ("2026/1/5(月)", dt.date(2026, 1, 5)),  # 2026-01-01 is a Thursday, so the 5th is a Monday
    ("2026年1月5日（月曜日）", dt.date(2026, 1, 5)),
    ("2026/11/25(水)", dt.date(2026, 11, 25)),
    ("2026/1/5 0:00", dt.date(2026, 1, 5)),  # a date cell Excel writes with a time format
])
def test_date_forms_of_a_japanese_office(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026/2/30", "2026/13/1", "1/5", "令和元年4月30日", "R0.1.1", "明日", "2026-1",
                                  "2026/1/5(火)", "2026/1/5x", "2026/1/5 25:00:00:00"])
def test_wrong_dates_are_not_dates(text):
    assert parse_date(text) is None


def test_a_wrong_date_in_yaml_names_the_accepted_forms(run, write):
    result = run("validate", write("p.yaml", STANDARD.replace("2026-11-25", "2026年11月")))
    assert result.exit_code == 1
    assert "p.yaml:3  date" in result.output and '"2026年11月"' in result.output
    for form in ("2026-11-25", "2026/1/5", "2026年1月5日", "令和8年1月5日", "R8.1.5"):
        assert form in result.output


@pytest.mark.parametrize("written", ["2026/1/5", "令和8年1月5日", "R8.1.5", "'2026年1月5日'"])
def test_a_yaml_date_in_japanese_form_makes_the_handout_of_that_day(build, written):
    result, out = build(STANDARD.replace("2026-11-25", written))
    assert result.exit_code == 0, result.output
    assert out.exists()
    from .conftest import pdf_text
    assert "2026年1月5日" in pdf_text(out)


# -- numbers -------------------------------------------------------------------------------------
def _check(data: dict):
    def mapping(items):
        result = LineDict(items)
        result.line, result.key_lines = 1, {k: 1 for k in items}
        return result
    data = {k: mapping(v) if isinstance(v, dict) else v for k, v in data.items()}
    return prescription_from(mapping(data), "x.yaml", ["buttock", "hip-flexor"])


def test_full_width_digits_and_japanese_yes_are_values():
    p = _check({"patient": {"name": "山田"}, "area": "両方", "checklist_days": "１４", "large_print": "はい",
                "date": "令和8年1月5日"})
    assert (p.area, p.checklist_days, p.large_print, p.date) == ("both", 14, True, dt.date(2026, 1, 5))
    assert _check({"patient": {"name": "山田"}, "area": "腰の下", "large_print": "×"}).area == "lower"
    assert _check({"patient": {"name": "山田"}, "area": "上", "large_print": "いいえ"}).large_print is False


def test_full_width_dose_in_yaml(build):
    result, out = build(STANDARD + "stretches:\n  - id: buttock\n    reps: １０\n    hold_seconds: ２０\n"
                        "  - hip-flexor：１５×５×２\n")
    assert result.exit_code == 0, result.output
    from .conftest import pdf_text
    text = pdf_text(out)
    assert "20秒×10回" in text and "15秒×5回・1日2セット" in text


def test_a_number_with_its_unit_gets_a_hint_naming_the_number(run, write):
    source = write("p.yaml", STANDARD + "stretches:\n  - id: buttock\n    reps: 10回\n")
    result = run("validate", source)
    assert result.exit_code == 1
    assert "p.yaml:7  stretches[1].reps" in result.output
    assert "数字だけを書いてください: 10" in result.output and "「回」" in result.output


# -- CSV: Japanese headers and values, Excel rows -------------------------------------------------
def write_csv(tmp_path, text, encoding="utf-8", name="day.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


JAPANESE = ("No.,氏名,部位,日付,担当,メール,備考,ストレッチ,受付番号\n"
            "1,山田 花子,両方,2026/1/5,大場 太郎,hanako@example.com,\"朝と夜に\n2回\",,A1\n"
            "2,木村 次郎,真ん中,令和8年1月5日,,,,,A2\n"
            "3,佐藤 一郎,腰の上,46351,,,,hip-flexor：１５×５×２,A3\n")


def test_japanese_headers_and_values_excel_rows_and_one_warning(run, tmp_path):
    result = run("batch", write_csv(tmp_path, JAPANESE, "cp932"), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    out = result.output
    # a warning naming both ignored columns, and one that 備考 is printed on the patient's page
    assert out.count("注意 (warning)") == 2 and "「No.」、「受付番号」" in out
    assert "「備考」の列はハンドアウトに印刷されます" in out
    # the note with a line break is still Excel row 2: 木村 is row 3 (file line 4), named
    assert "day.csv 3行目 木村 次郎 (Excel row 3)  部位 (area)" in out and '"真ん中"' in out
    assert "2 built, 1 failed: 3行目 木村 次郎 (row 3)" in out
    # an Excel serial date (46351) is 2026-11-25; 2026/1/5 is 2026-01-05
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2026-01-05_山田花子.pdf",
                                                                     "2026-11-25_佐藤一郎.pdf"]
    from .conftest import pdf_text
    hanako = pdf_text(tmp_path / "out" / "2026-01-05_山田花子.pdf")
    assert "朝と夜に" in hanako and "2回" in hanako and "大場太郎" in hanako
    assert "15秒×5回・1日2セット" in pdf_text(tmp_path / "out" / "2026-11-25_佐藤一郎.pdf")


@pytest.mark.parametrize("header", ["名前", "氏名", "患者名", "name", "Name", "ＮＡＭＥ"])
def test_every_name_header(run, tmp_path, header):
    result = run("validate", write_csv(tmp_path, f"{header},部位\n山田 花子,下\n"))
    assert result.exit_code == 0, result.output


def test_rows_after_several_multi_line_notes_are_excel_rows(run, tmp_path):
    text = ("名前,部位,メモ\n"
            "一郎,上,\"一\n二\n三\"\n"   # row 2 spans 3 lines
            "二郎,下,\"a\r\nb\"\n"        # row 3 spans 2 lines (Excel writes CRLF)
            "\n"                           # row 4: empty, skipped but counted
            "三郎,横,\n")                  # row 5, file line 8
    result = run("validate", write_csv(tmp_path, text))
    assert result.exit_code == 1
    assert "day.csv 5行目 三郎 (Excel row 5)  部位 (area)" in result.output
    assert ":8" not in result.output


def test_a_title_above_the_header_is_skipped_with_a_warning_and_rows_stay_excel_rows(run, tmp_path):
    text = ("11月25日 来院者一覧,,\n"   # row 1: a title
            ",,\n"                       # row 2: empty
            "名前,部位,日付\n"             # row 3: the header
            "山田 花子,両方,2026/11/25\n"  # row 4
            "木村 次郎,真ん中,2026/11/25\n")  # row 5
    result = run("batch", write_csv(tmp_path, text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    assert "day.csv 1行目 (Excel row 1)" in result.output
    assert "列名の行（3行目）より上の 1行目 は読み飛ばします" in result.output
    assert "day.csv 5行目 木村 次郎 (Excel row 5)  部位 (area)" in result.output
    assert "1 built, 1 failed: 5行目 木村 次郎 (row 5)" in result.output


def test_an_empty_csv(run, tmp_path):
    result = run("validate", write_csv(tmp_path, "\n\n"))
    assert result.exit_code == 1
    assert "列名の行がありません（空のファイル）" in result.output


# -- CSV: broken files and rows (issue 10, CSV) ----------------------------------------------------
GOOD = "名前,部位,日付,メモ\n"


def test_a_row_with_more_or_fewer_cells_is_an_error_and_the_others_are_built(run, tmp_path):
    text = GOOD + "一郎,上,2026/1/5,\n二郎,下,2026/1/5,x,余分\n三郎,下\n四郎,両方,2026/1/5,\n五郎,上,2026/1/5,,,\n"
    result = run("batch", write_csv(tmp_path, text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    assert "day.csv 3行目 二郎 (Excel row 3)" in result.output and "セルが 5 個あります。列は 4 個です" in result.output
    assert "day.csv 4行目 三郎 (Excel row 4)" in result.output and "セルが 2 個あります。列は 4 個です" in result.output
    # empty cells after the last column lose nothing: 五郎 is built
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2026-01-05_一郎.pdf", "2026-01-05_五郎.pdf",
                                                                     "2026-01-05_四郎.pdf"]


def test_an_unclosed_quote_does_not_swallow_the_rows_after_it(run, tmp_path):
    text = GOOD + "一郎,上,2026/1/5,\"朝に\n二郎,下,2026/1/5,\n三郎,両方,2026/1/5,\n"
    result = run("validate", write_csv(tmp_path, text))
    assert result.exit_code == 1
    assert "day.csv 2行目 一郎 (Excel row 2)" in result.output and "「\"」が閉じていません" in result.output
    assert result.output.count("行目") == 1  # 二郎 and 三郎 are read as their own (good) rows


def test_an_unclosed_quote_closed_by_a_later_rows_quote_still_swallows_nothing(run, tmp_path):
    # Without care the quote of row 2 would close at row 4's opening quote: rows 3 and 4 in one cell.
    text = GOOD + "一郎,上,2026/1/5,\"朝に\n二郎,下,2026/1/5,\n三郎,両方,2026/1/5,\"夜に\"\n四郎,上,2026/1/5,\n"
    result = run("batch", write_csv(tmp_path, text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    assert "day.csv 2行目 一郎 (Excel row 2)" in result.output and "「\"」が閉じていません" in result.output
    assert "3 built, 1 failed: 2行目 一郎 (row 2)" in result.output
    from .conftest import pdf_text
    assert "夜に" in pdf_text(tmp_path / "out" / "2026-01-05_三郎.pdf")


def test_an_unclosed_quote_at_the_end_of_the_file(run, tmp_path):
    result = run("validate", write_csv(tmp_path, GOOD + "一郎,上,2026/1/5,\n\"二郎,下,2026/1/5,\n"))
    assert result.exit_code == 1
    assert "day.csv 3行目 二郎 (Excel row 3)" in result.output and "閉じていません" in result.output


def test_a_stray_quote_after_a_closed_one(run, tmp_path):
    result = run("validate", write_csv(tmp_path, GOOD + "\"木村 \"次郎,上,2026/1/5,\n"))
    assert result.exit_code == 1
    assert "day.csv 2行目 木村 次郎 (Excel row 2)" in result.output and "「\"」の後に文字があります" in result.output


def test_a_cell_over_the_limit(run, tmp_path):
    result = run("validate", write_csv(tmp_path, GOOD + "一郎,上,2026/1/5," + "あ" * 5001 + "\n"))
    assert result.exit_code == 1
    assert "day.csv 2行目 一郎 (Excel row 2)" in result.output and "5,001文字のセル" in result.output
    assert "あああ" not in result.output


@pytest.mark.parametrize("header, found", [
    ("名前,部位,name\n", "同じ列が2回あります (the same column twice): 名前、name"),
    ("名前,部位,メモ,note\n", "同じ列が2回あります (the same column twice): メモ、note"),
    ("名前;部位\n", "区切りが 「;」(semicolon) です"),
    ("名前\t部位\n", "区切りが タブ (tab) です"),
    ("名前,日付\n", "列がありません (missing column)"),
])
def test_a_broken_header_stops_the_file_with_one_message(run, tmp_path, header, found):
    result = run("batch", write_csv(tmp_path, header + "一郎,上,2026/1/5\n"), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "day.csv 1行目 (Excel row 1)" in result.output and found in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name, raw, found", [
    ("day.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50, "Excel のブック (.xlsx) です"),
    ("day.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50, "Excel のブック (.xlsx) です"),
    ("day.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "古い Excel のブック (.xls) です"),
    ("day.csv", "名前,部位\n山田,上\n".encode("utf-16"), "UTF-16 のファイルです"),
    ("day.txt", "名前\t部位\n山田\t上\n".encode("utf-16-le"), "UTF-16 のファイルです"),
])
def test_a_file_that_is_not_a_csv(run, tmp_path, name, raw, found):
    result = run("validate", write_csv(tmp_path, raw, name=name))
    assert result.exit_code == 1
    assert f"{name}\n" in result.output and found in result.output and "CSV UTF-8" in result.output
    assert "Traceback" not in result.output


def test_one_shift_jis_row_in_a_utf8_file(run, tmp_path):
    raw = ("名前,部位\n山田 花子,上\n".encode() + "髙橋 﨑子,下\n".encode("cp932") + "佐藤 一郎,両方\n".encode())
    result = run("batch", write_csv(tmp_path, raw), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    # the row is named in its own encoding (no mojibake) and the others are built
    assert "day.csv 3行目 髙橋 﨑子 (Excel row 3)" in result.output and "文字コードが違います" in result.output
    assert "2 built, 1 failed" in result.output


def test_one_utf8_row_in_a_shift_jis_file(run, tmp_path):
    raw = ("名前,部位\n山田 花子,上\n佐藤 一郎,下\n".encode("cp932") + "髙橋 﨑子,下\n".encode())
    result = run("validate", write_csv(tmp_path, raw))
    assert result.exit_code == 1
    assert "day.csv 4行目 髙橋 﨑子 (Excel row 4)" in result.output and "文字コードが違います" in result.output
    assert result.output.count("行目") == 1


def test_bytes_in_no_encoding_are_never_printed(run, tmp_path):
    raw = "名前,部位\n".encode() + b"\xff\xfe\xfd\x80,\xe4\n" + "佐藤 一郎,両方\n".encode()
    result = run("validate", write_csv(tmp_path, raw))
    assert result.exit_code == 1
    assert "day.csv 2行目 (Excel row 2)" in result.output and "読めない文字" in result.output
    assert "\ufffd" not in result.output


def test_csv_cells_go_through_the_same_field_checks_as_yaml(run, tmp_path):
    result = run("validate", write_csv(tmp_path, "名前,部位,日付,記録表,大きな文字\n山田,上,2026/2/30,10日,たぶん\n"))
    assert result.exit_code == 1
    out = result.output
    assert "day.csv 2行目 山田 (Excel row 2)  日付 (date)" in out and "2026年2月は28日まで" in out
    assert "記録表 (checklist_days)" in out and "数字だけを書いてください: 10" in out
    assert "大きな文字 (large_print)" in out and '"たぶん"' in out


def test_a_bad_csv_does_not_stop_validate_from_checking_the_next_file(run, tmp_path, write):
    bad = write_csv(tmp_path, b"PK\x03\x04", name="a.xlsx")
    other = write("p.yaml", STANDARD.replace("both", "middle"))
    result = run("validate", bad, other)
    assert result.exit_code == 1
    assert "a.xlsx" in result.output and "p.yaml:4  area" in result.output


def test_prescription_error_does_not_raise_outside_input_error():
    with pytest.raises(InputError):
        _check({"patient": {"name": "山田"}, "area": "真ん中"})


# -- YAML mistakes of a Japanese keyboard (each file case is in bad_prescriptions/ too) -------------
def test_yaml_mistakes_are_found_on_their_line_and_not_inside_a_note_block():
    from clinic_handout.yaml_hints import mistakes

    text = ("patient:\n"            # 1
            "  name: 山田\n"         # 2
            "note: |\n"             # 3
            "  ー 朝に1回\n"          # 4: text of the note: not a bullet
            "  name：これもメモ\n"     # 5: text of the note
            "\tarea: both\n"        # 6: tab
            "stretches:\n"          # 7
            "  ー buttock\n"         # 8: IME dash
            "  ・hamstring\n"        # 9: 中黒 as a bullet
            "practitioner：大場\n"    # 10: full-width colon
            "# コメント：ー\n")         # 11: a comment
    assert [(line, found.split(" (")[0]) for line, found, _ in mistakes(text)] == [
        (6, "行の始めにタブがあります"),
        (8, "箇条書きの印が全角の「ー」です"),
        (9, "箇条書きの印が全角の「・」です"),
        (10, "「practitioner：」の「：」が全角です"),
    ]
    advice = {line: expected for line, _, expected in mistakes(text)}
    assert advice[8].startswith("半角の「-」と半角スペースにする: - buttock")
    assert advice[10].startswith("半角の「:」と半角スペースにする: practitioner: …")


def test_a_full_width_colon_inside_a_value_is_fine(build):
    result, out = build(STANDARD + "note: 朝：10分、夜：5分\npractitioner: 大場：太郎\n")
    assert result.exit_code == 0, result.output


def test_an_unclosed_quote_is_reported_on_its_own_line_not_where_the_parser_gave_up(run, write):
    lines = ["patient:", "  name: 山田 花子", "date: 2026-11-25", "area: both", "stretches:", "  - buttock",
             "note: '右側を重点的に", "practitioner: 大場", "large_print: false", "checklist_days: 7"]
    result = run("validate", write("p.yaml", "\n".join(lines) + "\n"))
    assert result.exit_code == 1
    assert "p.yaml:7\n" in result.output and "「'」が閉じていません" in result.output
    assert "値のすぐ後に「'」を付ける（「#」のメモより前）: note: '右側を重点的に'" in result.output


def test_parser_errors_are_said_in_japanese_first(run, write):
    result = run("validate", write("p.yaml", "patient:\n  name: 山田 花子\narea: both\nnote: 朝: 10分\n"))
    assert result.exit_code == 1
    assert "p.yaml:4" in result.output and "ここに「: 」は書けません" in result.output
    assert "値全体を \"…\" で囲む" in result.output


# -- click's usage errors in Japanese ---------------------------------------------------------------
@pytest.mark.parametrize("args, japanese", [
    (["build", "no-such-file.yaml"],
     "エラー: PRESCRIPTION: ファイル「no-such-file.yaml」がありません。名前と場所（フォルダ）を確かめてください"),
    (["build", "."], "「.」はフォルダです。ファイルを指定してください"),
    (["build"], "PRESCRIPTION を指定してください"),
    (["build", "--foo", "x.yaml"], "「--foo」というオプションはありません。"),
    (["build", "p.yaml", "-o"], "オプション -o の後に値を書いてください"),
    (["bild", "p.yaml"], "「bild」というコマンドはありません。もしかして build？"),
    (["p.yaml"], "コマンドが抜けています。1枚作るなら: handout build p.yaml"),
    (["today.csv"], "コマンドが抜けています。まとめて作るなら: handout batch today.csv -o フォルダ名"),
    (["batch", "p.yaml"], "オプション -o / --output が必要です。"),
    (["batch", "p.yaml", "-o", "out", "--jobs", "abc"],
     "--jobs: 「abc」は数ではありません。半角の数字で書いてください"),
    (["batch", "p.yaml", "-o", "out", "--jobs", "0"], "--jobs: 0 は使えません。1〜64 の数で書いてください"),
    (["stretches", "extra"], "余分な引数があります: extra。"),
])
def test_click_usage_errors_are_said_in_japanese_with_the_english_in_brackets(run, write, args, japanese):
    write("p.yaml", STANDARD)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert japanese in result.output
    first = result.output.splitlines()[0]
    assert first.startswith("エラー: ")  # Japanese first ...
    assert "\n  (" in result.output      # ... click's English in brackets below
    assert "Traceback" not in result.output


def test_an_abort_at_a_question_is_said_in_japanese(run, write, tmp_path):
    # batch --send asks before sending; the end of input answers nothing
    from click.testing import CliRunner

    from clinic_handout.cli import cli

    result = CliRunner().invoke(cli, ["init", str(tmp_path / "c")])
    assert result.exit_code == 0
    (tmp_path / "c" / "mail.yaml").write_text("host: 127.0.0.1\nport: 2525\nsecurity: none\nfrom: a@example.com\n",
                                             encoding="utf-8")
    source = write("day.csv", "名前,部位,日付,メール\n山田,上,2026/1/5,yamada@example.com\n")
    result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path / "out"), "--content",
                                      str(tmp_path / "c"), "--send", "--jobs", "1"], input="")
    assert result.exit_code == 1
    assert "中止しました (aborted)" in result.output and "Aborted!" not in result.output


def test_hint_lines_count_as_yaml_does_not_at_a_vertical_tab():
    from clinic_handout.yaml_hints import mistakes

    text = "patient:\n  name: 山田\nnote: 朝\x0b夜\narea：both\n"  # a VT (Word's Shift+Enter) is not a line break
    assert [line for line, _, _ in mistakes(text)] == [4]


def test_a_file_of_more_rows_than_a_day_is_refused_whole(run, tmp_path):
    text = "名前,部位\n" + "山田,上\n" * 10_001
    result = run("validate", write_csv(tmp_path, text))
    assert result.exit_code == 1
    assert "行が多すぎます (10,000行を超えています / more than 10,000 rows)" in result.output
    ok = run("validate", write_csv(tmp_path, "名前,部位\n" + "山田,上\n" * 100, name="ok.csv"))
    assert ok.exit_code == 0, ok.output


def test_a_note_with_a_line_break_after_a_broken_quote_is_still_one_cell(run, tmp_path):
    text = GOOD + "一郎,上,2026/1/5,\"朝に\n二郎,下,2026/1/5,\n三郎,両方,2026/1/5,\"夜に\n寝る前\"\n"
    result = run("batch", write_csv(tmp_path, text), "-o", tmp_path / "out", "--jobs", "1")
    assert "2 built, 1 failed: 2行目 一郎 (row 2)" in result.output
    from .conftest import pdf_text
    note = pdf_text(tmp_path / "out" / "2026-01-05_三郎.pdf")
    assert "夜に" in note and "寝る前" in note


def test_a_memo_column_is_printed_without_a_privacy_warning_and_an_empty_remark_column_says_nothing(run, tmp_path):
    memo = run("validate", write_csv(tmp_path, "名前,部位,メモ\n山田,上,朝に\n", name="memo.csv"))
    assert memo.exit_code == 0 and "印刷されます" not in memo.output
    empty = run("validate", write_csv(tmp_path, "名前,部位,備考\n山田,上,\n", name="empty.csv"))
    assert empty.exit_code == 0 and "印刷されます" not in empty.output


def test_a_stray_nul_or_vt_in_a_cell_is_that_row_and_cell_not_utf16(run, tmp_path):
    result = run("validate", write_csv(tmp_path, "名前,部位,メモ\n山田,上,朝\x0b夜\n佐藤,下,a\x00b\n鈴木,上,\n"))
    assert result.exit_code == 1
    assert "UTF-16" not in result.output
    assert "day.csv 2行目 山田 (Excel row 2)  メモ (note)" in result.output
    assert "day.csv 3行目 佐藤 (Excel row 3)  メモ (note)" in result.output
    assert "鈴木" not in result.output


def test_stretches_by_their_japanese_title_in_csv_and_yaml(run, tmp_path, write):
    text = ("名前,部位,日付,ストレッチ\n山田 花子,下,2026/1/5,お尻 太ももの裏のストレッチ:20×3×2\n"
            "木村 次郎,下,2026/1/5,おしり\n")
    result = run("batch", write_csv(tmp_path, text), "-o", tmp_path / "out", "--jobs", "1")
    assert "1 built, 1 failed: 3行目 木村 次郎 (row 3)" in result.output
    # the message lists each id with the words that stand for it
    assert '"おしり"' in result.output and "buttock（お尻のストレッチ/お尻）" in result.output
    from .conftest import pdf_text
    text = pdf_text(tmp_path / "out" / "2026-01-05_山田花子.pdf")
    assert "お尻のストレッチ" in text and "太ももの裏のストレッチ" in text and "20秒×3回・1日2セット" in text
    assert "股関節の前のストレッチ" not in text
    yaml_text = STANDARD + "stretches:\n  - 足の裏ほぐし\n  - id: お尻\n    reps: 3\n"
    yaml_result = run("validate", write("p.yaml", yaml_text))
    assert yaml_result.exit_code == 0, yaml_result.output


def test_title_words_drop_a_short_word_two_stretches_share():
    from clinic_handout.prescription import title_words

    assert title_words({"a": "お尻のストレッチ", "b": "お尻のストレッチ（強め）", "c": "足の裏ほぐし"}) == {
        "お尻のストレッチ": "a", "お尻": "a", "お尻のストレッチ（強め）": "b", "足の裏ほぐし": "c"}
    assert title_words({"a": "お尻のストレッチ", "b": "お尻"}) == {"お尻のストレッチ": "a"}
