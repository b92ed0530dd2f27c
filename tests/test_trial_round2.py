"""What a clinic owner and a receptionist tripped over following docs/guide-ja.md (issue 11, round 2).

Each expectation is written out here as the user should read it."""
from .conftest import STANDARD, edit


def _validate(run, clinic, write):
    return run("validate", "--content", clinic, write("p.yaml", STANDARD))


# 1. An unclosed quote before a comment: the quote goes right after the value, never after the comment.
def test_an_unclosed_quote_before_a_comment_is_closed_before_the_comment(run, clinic, write):
    edit(clinic / "clinic.yaml", 'phone: "03-0000-0000"                   # 電話番号（必須）',
         'phone: "03-1234-5678     # 電話番号（必須）')
    result = _validate(run, clinic, write)
    assert result.exit_code == 1
    assert "clinic.yaml:7\n" in result.output
    assert ('値のすぐ後に「"」を付ける（「#」のメモより前）: phone: "03-1234-5678"     # 電話番号（必須）'
            in result.output)
    assert '# 電話番号（必須）"' not in result.output


# 2. A phone number YAML reads as an octal number is shown as typed, not as the number YAML made of it.
def test_an_unquoted_phone_number_is_shown_as_typed(run, clinic, write):
    edit(clinic / "clinic.yaml", 'phone: "03-0000-0000"                   # 電話番号（必須）',
         "phone: 0120123456      # 電話番号（必須）")
    result = _validate(run, clinic, write)
    assert result.exit_code == 1
    assert "clinic.yaml:7  phone\n    書かれた値 (found):    0120123456\n" in result.output
    assert '(quote it: "0120123456")' in result.output
    assert "21014318" not in result.output


def _csv(tmp_path, text):
    path = tmp_path / "day.csv"
    path.write_text(text, encoding="utf-8")
    return path


# 3. A clinic's own memo column (受付メモ, as the guide recommends) is ignored and never steered onto the handout.
def test_an_internal_memo_column_is_said_to_be_not_printed_and_never_suggested_as_the_memo(run, tmp_path):
    result = run("batch", _csv(tmp_path, "名前,部位,日付,受付メモ\n山田 花子,両方,2026/1/5,電話で予約\n"),
                 "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert ("使わない列があります。中身は無視します（印刷されません） (ignored columns, not printed): 「受付メモ」"
            in result.output)
    assert "もしかして" not in result.output
    from .conftest import pdf_text
    assert "電話で予約" not in pdf_text(tmp_path / "out" / "2026-01-05_山田花子.pdf")


# 4. メモ and 備考 side by side (Excel's common layout): メモ is printed, 備考 is ignored, one warning says so.
def test_memo_and_remark_columns_together_print_the_memo_and_ignore_the_remark(run, tmp_path):
    text = "名前,部位,日付,メモ,備考\n山田 花子,両方,2026/1/5,右側を重点的に,現金払い\n"
    result = run("batch", _csv(tmp_path, text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert result.output.count("注意 (warning)") == 1
    assert ("「メモ」と「備考」の両方があります。「メモ」をハンドアウトに印刷し、「備考」は印刷しません（無視します）"
            in result.output)
    assert "「備考」も印刷したいなら、その中身を「メモ」の列に移す" in result.output
    from .conftest import pdf_text
    text = pdf_text(tmp_path / "out" / "2026-01-05_山田花子.pdf")
    assert "右側を重点的に" in text and "現金払い" not in text


def _clinic_hint(run, clinic, write, old, new):
    edit(clinic / "clinic.yaml", old, new)
    result = run("validate", "--content", clinic, write("p.yaml", STANDARD))
    assert result.exit_code == 1
    return result.output


# 5. An IME dash followed by a space, as a list item, at the margin or indented.
def test_an_ime_dash_and_a_space_as_a_list_bullet_is_named_on_its_line(run, clinic, write):
    out = _clinic_hint(run, clinic, write, "  - 土 9:00", "ー 土 9:00")
    assert "clinic.yaml:14\n    書かれた値 (found):    箇条書きの印が全角の「ー」です" in out
    assert "半角の「-」と半角スペースにする: - 土 9:00〜14:00（日曜・祝日はお休み）" in out
    assert "「:」がありません" not in out


def test_an_indented_ime_dash_is_not_read_as_a_merged_list(run, clinic, write):
    out = _clinic_hint(run, clinic, write, "  - 月〜金", "  － 月〜金")
    assert "clinic.yaml:13\n    書かれた値 (found):    箇条書きの印が全角の「－」です" in out
    assert "半角の「-」と半角スペースにする: - 月〜金 9:00〜12:00 ・ 15:00〜20:00" in out
    assert "リスト (a list" not in out


# 6. A key and a colon without a space: its own line, and what to type.
def test_no_space_after_a_colon_is_named_on_its_own_line(run, clinic, write):
    out = _clinic_hint(run, clinic, write, "name: サンプル接骨院", "name:さくら")
    assert "clinic.yaml:6\n    書かれた値 (found):    「name:」の後にスペースがありません" in out
    assert "「:」の後に半角スペースを入れる: name: さくら" in out
    assert "document start" not in out


def test_no_space_after_a_colon_is_not_said_to_be_a_missing_colon(run, clinic, write):
    out = _clinic_hint(run, clinic, write, "hours_label: 受付時間", "hours_label:受付")
    assert "clinic.yaml:11\n" in out and "「:」の後に半角スペースを入れる: hours_label: 受付" in out
    assert "「:」がありません" not in out


# 9. A date without a year, and a day the month does not have: said as such, not as "one of these forms".
def test_a_date_without_a_year_asks_for_the_year(run, write):
    import datetime as dt
    year = dt.date.today().year
    result = run("validate", write("p.yaml", STANDARD.replace("2026-11-25", "12/2")))
    assert result.exit_code == 1
    assert "p.yaml:3  date" in result.output and '"12/2" (年がありません / no year)' in result.output
    assert f"年も書く: {year}/12/2 のように" in result.output
    assert "次のどれかの形" not in result.output


def test_a_day_the_month_does_not_have_is_said_to_be_missing_from_that_month(run, write):
    result = run("validate", write("p.yaml", STANDARD.replace("2026-11-25", "2026/2/30")))
    assert result.exit_code == 1
    assert '"2026/2/30" (2月30日はありません / no such day)' in result.output
    assert "2026年2月は28日まで。日を確かめる" in result.output
    assert "次のどれかの形" not in result.output


# Batch: the sample's leftovers (example.com) reached printed handouts without a word: one warning a batch.
def test_batch_warns_once_about_sample_leftovers_in_the_content_folder(run, clinic, tmp_path):
    text = "名前,部位,日付\n山田 花子,両方,2026/1/5\n木村 次郎,上,2026/1/5\n"
    result = run("batch", _csv(tmp_path, text), "-o", tmp_path / "out", "--content", clinic, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert result.output.count("見本の値が残っています") == 1
    assert "clinic.yaml:6" in result.output and "どの案内にも印刷されます" in result.output
