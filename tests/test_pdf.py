"""The PDF, read back the way a reader and a checker see it: text, pages, fonts, metadata, bytes."""
import datetime as dt
from dataclasses import replace

import pytest
from pypdf import PdfReader

from clinic_handout.compose import compose, default_filename
from clinic_handout.content import load_content
from clinic_handout.prescription import load_prescription
from clinic_handout.render import render

from .conftest import SAMPLE, STANDARD, pdf_text, ruby_shown

A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def content():
    return load_content(SAMPLE)


def base(text: str) -> str:
    """What the line shows of a text with ruby: a {base|reading} that fits as its base (the reading is above
    it), one that does not as base（reading）."""
    return ruby_shown(text)


def test_standard_handout_says_everything_it_promises(build, content):
    result, out = build(STANDARD)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    text = pdf_text(out)
    assert "山田花子様" in text
    assert "2026年11月25日" in text
    for stretch in content.catalogue.values():  # area both: all four plus the sole
        assert stretch.title.replace(" ", "") in text
        for step in stretch.steps:
            assert step.replace(" ", "") in text
    assert text.count("10秒×5回・1日2セット") == 4
    assert "60秒×1回・1日2セット" in text
    for paragraph in content.texts.cause.paragraphs:
        assert base(paragraph) in text
    assert base(content.texts.cause.upper.text) in text and content.texts.cause.lower.text in text
    safety = content.texts.safety
    for line in (content.texts.rules.items + content.texts.rules.setup + safety.items + safety.urgent + safety.soon
                 + (safety.next_day, safety.urgent_heading, safety.soon_heading)):
        assert base(line).replace(" ", "") in text
    clinic = content.clinic
    for value in (clinic.name, clinic.phone, clinic.address.replace(" ", ""), clinic.url):
        assert value in text
    assert "1/2" in text and "2/2" in text


def test_area_chooses_the_cause_and_the_stretches(build, content):
    _, out = build(STANDARD.replace("area: both", "area: upper"))
    text = pdf_text(out)
    assert base(content.texts.cause.upper.text) in text
    assert content.texts.cause.lower.text not in text
    titles = {s.id: s.title for s in content.catalogue.values()}
    assert titles["hip-flexor"] in text and titles["inner-thigh"] in text and titles["foot-sole"] in text
    assert titles["buttock"] not in text and titles["hamstring"] not in text


def test_prescribed_dose_side_and_notes_are_printed(build):
    result, out = build(STANDARD + """\
practitioner: 田中 健
stretches:
  - id: hamstring
    hold_seconds: 20
    reps: 3
    sets_per_day: 4
    side: left
    note: 左を重点的に
  - buttock
note: 痛みが強い日はお休みしてください。
""")
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "20秒×3回・1日4セット" in text
    assert "左側" in text
    assert "左を重点的に" in text
    assert "担当：田中健" in text
    assert "痛みが強い日はお休みしてください。" in text
    assert "足の裏ほぐし" not in text  # an explicit list is exactly what was chosen


def test_a4_pages_and_at_most_two_for_the_standard_prescription(build):
    _, out = build(STANDARD)
    reader = PdfReader(str(out))
    assert 1 <= len(reader.pages) <= 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=0.5)


def test_every_sample_prescription_fits_two_pages_with_every_character_drawn(run, tmp_path):
    for source in sorted((SAMPLE / "patients").glob("*.yaml")):
        out = tmp_path / f"{source.stem}.pdf"
        assert run("build", source, "-o", out).exit_code == 0
        assert len(PdfReader(str(out)).pages) <= 2, source.name
        assert "〓" not in pdf_text(out), source.name  # the mark for a character no font has


def test_line_breaks_in_a_note_are_line_breaks(build):
    result, out = build(STANDARD + "note: |\n  一行目です。\n  二行目です。\n")
    assert result.exit_code == 0, result.output
    page = PdfReader(str(out)).pages[-1].extract_text()
    assert "一行目です。\n二行目です。" in page
    assert "〓" not in page


def test_long_note_flows_onto_more_pages(build):
    line = "痛みが強い日はお休みしてください。次回ご来院の時に感想を教えてください。"
    note = "".join(f"  {i}日目：{line}\n" for i in range(80))
    result, out = build(STANDARD + "note: |\n" + note)
    assert result.exit_code == 0, result.output
    reader = PdfReader(str(out))
    assert len(reader.pages) >= 3
    text = pdf_text(out)
    assert "79日目" in text and "安全のために" in text  # the last line of the note and the notice after it


def test_fonts_are_embedded_subsets_with_a_real_bold(build):
    _, out = build(STANDARD)
    names = set()
    for page in PdfReader(str(out)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]  # embedded TrueType
    assert all("+" in name for name in names)  # subset
    assert any(name.endswith("BIZUDGothic-Bold") for name in names)
    assert any(name.endswith("BIZUDGothic-Regular") for name in names)
    assert not any("Helvetica" in n or "Times" in n or "Courier" in n or "Zapf" in n for n in names)


def test_metadata_language_and_title(build):
    _, out = build(STANDARD)
    reader = PdfReader(str(out))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "ja-JP"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    meta = reader.metadata
    assert meta.title == "くり返す腰の痛み・重だるさのためのストレッチ"
    assert not any("山田" in str(value) for value in meta.values())  # no patient name in the metadata
    assert meta.author == "サンプル接骨院"
    assert meta.subject
    assert meta.creation_date.date() == dt.date(2026, 11, 25)


def test_same_input_same_bytes_and_date_changes_them(content, tmp_path):
    source = tmp_path / "p.yaml"
    source.write_text(STANDARD, encoding="utf-8")
    prescription = load_prescription(source, list(content.catalogue))
    first = render(compose(content, prescription, dt.date(2030, 1, 1)))
    second = render(compose(content, prescription, dt.date(2031, 1, 1)))  # `date` given: today is ignored
    assert first == second
    assert render(compose(content, replace(prescription, date=None), dt.date(2026, 11, 26))) != first


@pytest.mark.parametrize("name", ["Tom & Jerry", "<b>大野</b>", "髙橋 﨑子", "塚本 一郎", "Anna O'Brien-Smith"])
def test_names_print_exactly_as_typed(build, name):
    result, out = build(STANDARD.replace("山田 花子", f'"{name}"'))
    assert result.exit_code == 0, result.output
    assert name.replace(" ", "") + "様" in pdf_text(out)


def test_compatibility_ideograph_is_not_normalised(build):
    name = "\ufa10本 花子"  # 塚 U+FA10: NFC would turn it into U+585A
    _, out = build(STANDARD.replace("山田 花子", name))
    text = pdf_text(out)
    assert "\ufa10本花子様" in text and "\u585a本" not in text


def test_default_output_name_is_date_and_name_and_safe(run, write, tmp_path):
    source = write("p.yaml", STANDARD.replace("山田 花子", '"山田/花子:2"'))
    result = run("build", source)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2026-11-25_山田_花子_2.pdf"
    assert (tmp_path / "2026-11-25_山田_花子_2.pdf").is_file()


def test_default_filename_has_no_character_windows_refuses(content, tmp_path):
    source = tmp_path / "p.yaml"
    source.write_text(STANDARD.replace("山田 花子", '"a\\\\b*c?d\\"e<f>g|h"'), encoding="utf-8")
    handout = compose(content, load_prescription(source, list(content.catalogue)), dt.date(2026, 1, 1))
    name = default_filename(handout)
    assert not set('\\/:*?"<>|') & set(name.removesuffix(".pdf"))
