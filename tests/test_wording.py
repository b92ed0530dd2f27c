"""Words a practitioner would sign: doses read one way, the next visit, one voice in sheet and mail,
and `validate` as the owner's proof-reader. Every expectation is written out here, not computed by the
code under test."""
import email
import re
from email import policy

import pytest
from pypdf import PdfReader

from clinic_handout.compose import dose_detail
from clinic_handout.content import Dose

from .conftest import SAMPLE, STANDARD, edit, pdf_text, ruby_brackets, ruby_shown

# The sheet's urgent signs, as a patient must read them in every text they get.
URGENT = ["尿や便が出にくい・もれる", "お尻や{股|また}がしびれる", "脚のしびれや力の弱さが急に進む"]  # as texts.yaml
URGENT_WHERE = ["病院（整形外科）", "救急"]
SOON = ["じっとしていても、夜も痛む", "熱があって、腰も痛む", "転んだ・しりもちの後から痛む",
        "ストレッチで脚がしびれる"]


# -- doses -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("dose", "per", "side", "words"), [
    (Dose(10, 5, 2), "side", None, "左右それぞれ5回で1セット"),
    (Dose(10, 5, 2), "side", "both", "左右それぞれ5回で1セット"),
    (Dose(20, 3, 2), "side", "right", "右側だけ3回で1セット"),
    (Dose(20, 3, 2), "side", "left", "左側だけ3回で1セット"),
    (Dose(60, 1, 2), "foot", None, "片足約1分ずつ・両足で1セット"),
    (Dose(120, 1, 2), "foot", None, "片足約2分ずつ・両足で1セット"),
    (Dose(90, 2, 1), "foot", None, "片足90秒を2回ずつ・両足で1セット"),
    (Dose(60, 1, 2), "foot", "left", "左足だけ約1分で1セット"),
    (Dose(10, 8, 1), "none", "right", "8回で1セット"),
])
def test_what_a_dose_counts_is_said(dose, per, side, words):
    assert dose_detail(dose, per, side) == words


def test_dose_lines_on_the_sheet_in_large_print_and_in_the_mail_agree(build, run, write, tmp_path):
    prescription = STANDARD.replace("  name: 山田 花子\n", "  name: 山田 花子\n  email: hanako@example.com\n") + """\
stretches:
  - id: hamstring
    hold_seconds: 20
    reps: 3
    side: right
  - buttock
  - foot-sole
"""
    lines = ["20秒 × 3回 ・ 1日2セット（右側だけ3回で1セット）", "10秒 × 5回 ・ 1日2セット（左右それぞれ5回で1セット）",
             "60秒 × 1回 ・ 1日2セット（片足約1分ずつ・両足で1セット）"]
    for extra in ((), ("--large-print",)):
        result, out = build(prescription, *extra)
        assert result.exit_code == 0, result.output
        text = pdf_text(out)
        for line in lines:  # the contract's form, then what it counts, in the dose box
            dose, counts = line[:-1].split("（")
            assert dose.replace(" ", "") + counts in text, (extra, line)
    eml = tmp_path / "mail.eml"
    assert run("send", write("p.yaml", prescription), "--eml", eml).exit_code == 0
    body = email.message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    titles = ["太ももの裏のストレッチ", "お尻のストレッチ", "足の裏ほぐし"]
    for number, (title, line) in enumerate(zip(titles, lines, strict=True), 1):
        assert f"{number}. {title}　{line}" in body


# -- the next visit ---------------------------------------------------------------------------------
def test_the_next_visit_is_on_page_one_with_a_date_or_blanks_to_fill_in(build):
    result, out = build(STANDARD + "next_visit: 2026-12-02\n")
    assert result.exit_code == 0, result.output
    first = re.sub(r"\s+", "", PdfReader(str(out)).pages[0].extract_text())
    assert "次回のご来院：12月2日（水）" in first
    result, out = build(STANDARD)
    first = re.sub(r"\s+", "", PdfReader(str(out)).pages[0].extract_text())
    assert "次回のご来院：＿＿月＿＿日（＿）" in first  # blanks the front desk fills in by hand


def test_page_one_points_to_the_page_of_the_safety_notice(build):
    result, out = build(STANDARD)
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(str(out)).pages]
    assert len(pages) == 2 and "始める前に、2ページの【重要】をお読みください" in pages[0]
    assert "【重要】" in pages[1]
    line = "痛みが強い日はお休みしてください。次回のご来院の時に、感想を教えてください。"
    note = "".join(f"  {i}行目：{line}\n" for i in range(40))
    result, out = build(STANDARD + "note: |\n" + note)  # a long note moves the notice further on
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(str(out)).pages]
    where = next(n for n, page in enumerate(pages, 1) if "【重要】安全のために" in page)
    assert where >= 3 and f"始める前に、{where}ページの【重要】をお読みください" in pages[0]


# -- one voice: the sheet and the mail ------------------------------------------------------
def _mail_body(run, write, tmp_path, content=None):
    source = write("p.yaml", STANDARD.replace("  name: 山田 花子\n", "  name: 山田 花子\n  email: a@example.com\n"))
    eml = tmp_path / "m.eml"
    args = ["send", source, "--eml", eml, "--overwrite"] + (["--content", content] if content else [])
    result = run(*args)
    assert result.exit_code == 0, result.output
    return email.message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()


def test_the_mail_and_the_sheet_send_urgent_signs_to_a_hospital(build, run, write, tmp_path, clinic):
    result, out = build(STANDARD)
    sheet = pdf_text(out)
    (clinic / "mail.yaml").unlink()  # the program's own default body
    for body in (_mail_body(run, write, tmp_path), _mail_body(run, write, tmp_path, clinic)):
        for words in URGENT + URGENT_WHERE + SOON:  # ruby: the reading in brackets in the mail, above the line
            assert ruby_brackets(words) in body and ruby_shown(words) in sheet, words
        for sentence in re.split(r"[。\n]", body):  # no sentence sends pain or numbness to the clinic alone
            if "しびれ" in sentence or "痛みが強" in sentence or "強い痛み" in sentence:
                assert any(word in sentence for word in ("病院", "医師", "救急")) or sentence.startswith("　・"), \
                    sentence
        assert "ご連絡ください" not in body
        assert "本日" not in body  # right on any day: the handout's date instead
        assert "2026年11月25日" in body


# -- validate: the words of the 柔道整復 rules -----------------------------------------------------
FORBIDDEN = ["治療", "診療", "診療時間", "治る", "治ります", "完治", "必ず良くなります", "改善します", "効果を保証"]


@pytest.mark.parametrize("word", FORBIDDEN)
def test_validate_flags_each_forbidden_word_in_the_clinics_texts(run, clinic, word):
    edit(clinic / "texts.yaml", "for_whom: 夕方や朝に", f"for_whom: {word}。夕方や朝に")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    flagged = [line for line in result.output.splitlines() if "書かれた値" in line and "「" in line]
    assert "texts.yaml:" in result.output and "for_whom" in result.output
    assert any(word in line.replace("「", "").replace("」", "") for line in flagged), result.output


@pytest.mark.parametrize("word", ["治療", "治る", "必ず良くなります"])
def test_validate_flags_forbidden_words_in_steps_clinic_and_mail_templates(run, clinic, word):
    edit(clinic / "stretches.yaml", "      - 反対の足も同じように行います。", f"      - {word}")
    edit(clinic / "mail.yaml", "  くわしくは、PDF の【重要】", f"  {word}。くわしくは、PDF の【重要】")
    edit(clinic / "mail.yaml", "subject: 【{clinic}】", f"subject: 【{{clinic}}】{word}")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    out = result.output
    assert "stretches.yaml:" in out and "stretches[5].steps[3]" in out
    assert "mail.yaml:" in out and "  body" in out and "  subject" in out


@pytest.mark.parametrize("word", ["治療", "診療", "治る", "完治", "必ず良くなります", "改善します"])
def test_validate_flags_forbidden_words_in_practitioners_notes(run, write, word):
    whole = write("a.yaml", STANDARD + f"note: 痛い日は休みます。{word}\n")
    card = write("b.yaml", STANDARD + f"stretches:\n  - id: buttock\n    note: {word}\n")
    csv = write("today.csv", f"name,area,date,note\n山田 花子,both,2026-11-25,{word}\n")
    result = run("validate", whole, card, csv)
    assert result.exit_code == 1
    out = result.output
    assert "a.yaml:5  note" in out and "b.yaml:7  stretches[1].note" in out and "today.csv:" in out


@pytest.mark.parametrize("fine", ["必ずお読みください", "痛みが治まるまで休みます", "施術のご案内",
                                  "先に病院で医師にみてもらってください"])
def test_validate_lets_the_rules_own_words_pass(run, write, fine):
    result = run("validate", write("a.yaml", STANDARD + f"note: {fine}\n"))
    assert result.exit_code == 0, result.output


def test_validate_flags_mail_text_that_sends_numbness_to_the_clinic(run, clinic):
    edit(clinic / "mail.yaml", "  くわしくは、PDF の【重要】",
         "  痛みが強いときや、しびれが出たときは、無理をせず、ご連絡ください。\n  くわしくは、PDF の【重要】")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "mail.yaml:" in result.output and "しびれが出たときは" in result.output and "病院" in result.output


# -- validate: what the sample left behind ---------------------------------------------------
def test_sample_leftovers_are_warnings_in_a_clinics_folder(run, clinic):
    result = run("validate", "--content", clinic)
    assert result.exit_code == 0, result.output  # warnings: a fresh `handout init` still validates
    out = result.output
    for file, field, words in [("clinic.yaml:16", "url", "example.com"), ("clinic.yaml:8", "address", "〒000-0000"),
                               ("clinic.yaml:8", "address", "見本区"), ("clinic.yaml:7", "phone", "03-0000-0000"),
                               ("clinic.yaml:6", "name", "サンプル接骨院"), ("mail.yaml:5", "host", "example.com")]:
        assert re.search(rf"注意 \(warning\): \S*{re.escape(file)}  {field}\n.*「{re.escape(words)}」", out), words
    edit(clinic / "clinic.yaml", "name: サンプル接骨院", "name: さくら接骨院")
    assert "サンプル接骨院" not in run("validate", "--content", clinic).output


def test_the_built_in_sample_has_no_leftover_warnings(run):
    result = run("validate", "--content", SAMPLE)
    assert result.exit_code == 0 and "warning" not in result.output, result.output


# -- validate: why a third page ------------------------------------------------------------------
EXTRA = """
  - id: extra-{n}
    title: 追加のストレッチ{n}
    target: 太もも
    areas: [upper]
    steps:
      - いすに座り、太ももを伸ばします。
    hold_seconds: 10
    reps: 5
    sets_per_day: 2
"""


def test_a_third_page_from_the_number_of_stretches_is_explained(run, clinic):
    with (clinic / "stretches.yaml").open("a", encoding="utf-8") as file:
        file.write("".join(EXTRA.format(n=n) for n in range(1, 4)))
    result = run("validate", "--content", clinic)
    assert result.exit_code == 0
    assert "ページになります" in result.output
    assert "area: both で選ばれるストレッチが 8 個あります（見本は 5 個。5 個なら2ページに収まります）" in result.output


def test_a_third_page_from_long_texts_names_the_long_part(run, clinic):
    long = "人工関節や骨粗しょう症の方、ひざをつくのが不安な方は、先にご相談を。" * 4
    edit(clinic / "texts.yaml", "    - 人工関節や骨粗しょう症の方、ひざをつくのが不安な方は、先にご相談を。",
         "\n".join(f"    - {long}" for _ in range(3)))
    result = run("validate", "--content", clinic)
    assert result.exit_code == 0
    assert "ページになります" in result.output
    assert re.search(r"原因 \(cause\): texts.yaml の safety \(the safety notice\) が \d+ 文字（見本は \d+ 文字）",
                     result.output), result.output
    assert "ストレッチが" not in result.output  # the stretch count is the sample's: not blamed


def test_the_guided_mode_asks_the_next_visit_without_a_tick_sheet(tmp_path):
    from click.testing import CliRunner

    from clinic_handout.cli import cli

    # name, date, area, keep, no dose change, practitioner, email, large print, tick-sheet (0), next visit, note, yes
    answers = ["山田 花子", "2026/11/25", "", "", "", "", "", "", "0", "2026/12/2", "", ""]
    result = CliRunner().invoke(cli, ["new", "-o", str(tmp_path)], input="".join(a + "\n" for a in answers))
    assert result.exit_code == 0, result.output
    assert "次回のご来院： 12月2日（水）" in result.output  # in the summary
    first = re.sub(r"\s+", "", PdfReader(str(next(tmp_path.glob("*.pdf")))).pages[0].extract_text())
    assert "次回のご来院：12月2日（水）" in first
    assert "next_visit: 2026-12-02" in next(tmp_path.glob("*.yaml")).read_text(encoding="utf-8")
