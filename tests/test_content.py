"""The clinic's content folder: the sample is valid, and each kind of mistake a clinic makes is caught."""
import base64

import pytest
from pypdf import PdfReader

from clinic_handout.content import load_content
from clinic_handout.errors import InputError

from .conftest import SAMPLE, STANDARD, edit, pdf_text

# A 2 x 1 pixel PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAEElEQVR4nGNgYGD4z8DAAAAGAQH/VPTgNgAAAABJRU5ErkJggg==")  # noqa: E501


def test_sample_content_and_every_sample_prescription_validate(run):
    result = run("validate", "--content", SAMPLE, *sorted((SAMPLE / "patients").glob("*.yaml")))
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_default_selection_follows_the_contract():
    content = load_content(SAMPLE)
    assert content.default_selection("upper") == ("hip-flexor", "inner-thigh", "foot-sole")
    assert content.default_selection("lower") == ("buttock", "hamstring", "foot-sole")
    assert content.default_selection("both") == ("hip-flexor", "inner-thigh", "buttock", "hamstring", "foot-sole")


def test_sample_clinic_is_fictional_and_uses_bone_setting_wording():
    content = load_content(SAMPLE)
    assert content.clinic.phone.startswith("03-0000")
    assert "example.com" in content.clinic.url
    everything = "".join((SAMPLE / name).read_text(encoding="utf-8") for name in ("texts.yaml", "stretches.yaml"))
    assert "診療時間" not in everything and "治療" not in everything and "治ります" not in everything


def test_hours_label_may_not_say_診療時間(run, clinic):
    edit(clinic / "clinic.yaml", "hours_label: 受付時間", "hours_label: 診療時間")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "clinic.yaml:" in result.output and "hours_label" in result.output and "受付時間 | 施術時間" in result.output


def test_problems_in_several_content_files_are_all_reported(run, clinic):
    edit(clinic / "clinic.yaml", 'phone: "03-0000-0000"', "phon: 03-0000-0000")
    edit(clinic / "stretches.yaml", "    reps: 1\n", "    reps: 100\n")
    edit(clinic / "texts.yaml", "title:", "titel:")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    for words in ("clinic.yaml", "'phone'", "stretches.yaml", "stretches[5].reps", "texts.yaml", "'title'"):
        assert words in result.output, words


def test_prescriptions_are_still_checked_when_the_content_has_a_problem(run, clinic, write):
    edit(clinic / "clinic.yaml", "hours_label: 受付時間", "hours_label: 診療時間")
    prescription = write("p.yaml", STANDARD + "stretches:\n  - id: buttock\n    reps: 0\n")
    result = run("validate", "--content", clinic, prescription)
    assert "hours_label" in result.output and "stretches[1].reps" in result.output


def test_duplicate_stretch_id_is_an_error(run, clinic):
    edit(clinic / "stretches.yaml", "  - id: inner-thigh", "  - id: hip-flexor")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "stretches[2]" in result.output and "hip-flexor" in result.output


def test_safety_notice_cannot_be_emptied(run, clinic):
    texts = clinic / "texts.yaml"
    text = texts.read_text(encoding="utf-8")
    start = text.index("  urgent:\n")
    end = text.index("  soon_heading:")
    texts.write_text(text[:start] + "  urgent: []\n" + text[end:], encoding="utf-8")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "safety.urgent" in result.output


def test_a_card_too_long_for_a_page_is_refused(run, clinic):
    edit(clinic / "stretches.yaml", "      - 反対の足も同じように行います。\n",
         "      - 反対の足も同じように行います。\n" * 8)
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "stretches[5].steps" in result.output and "1 to 8 items" in result.output


def test_missing_content_file_is_named(run, clinic):
    (clinic / "texts.yaml").unlink()
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "texts.yaml" in result.output and "no such file" in result.output


def test_content_character_the_fonts_cannot_draw_is_named(run, clinic):
    edit(clinic / "clinic.yaml", "name: サンプル接骨院", "name: \U00013000接骨院")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "clinic.yaml:" in result.output and "U+13000 '\U00013000' in name has no glyph" in result.output


@pytest.mark.parametrize("logo, words", [
    ("missing.png", ["logo", "no such file"]),
    ("../outside.png", ["logo", "outside the content folder"]),
    ("notes.png", ["logo", "not a PNG or JPEG"]),
])
def test_bad_logo_is_an_error_naming_the_path(run, clinic, logo, words):
    (clinic.parent / "outside.png").write_bytes(PNG)
    (clinic / "notes.png").write_text("not an image", encoding="utf-8")
    edit(clinic / "clinic.yaml", "# logo: logo.png", f"logo: {logo}")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert logo in result.output
    for word in words:
        assert word in result.output


def test_a_logo_is_printed(run, clinic, write, tmp_path):
    (clinic / "logo.png").write_bytes(PNG)
    edit(clinic / "clinic.yaml", "# logo: logo.png", "logo: logo.png")
    out = tmp_path / "logo.pdf"
    result = run("build", write("p.yaml", STANDARD), "-o", out, "--content", clinic)
    assert result.exit_code == 0, result.output
    first_page = PdfReader(str(out)).pages[0]
    assert any(x.get_object()["/Subtype"] == "/Image" for x in first_page["/Resources"]["/XObject"].values())


def test_a_clinic_can_add_its_own_stretch(run, clinic, write, tmp_path):
    with (clinic / "stretches.yaml").open("a", encoding="utf-8") as file:
        file.write("""
  - id: calf
    title: ふくらはぎのストレッチ
    target: ふくらはぎ
    steps:
      - 壁に手をつき、伸ばしたい足を後ろに引きます。
    hold_seconds: 20
    reps: 3
    sets_per_day: 2
""")
    out = tmp_path / "calf.pdf"
    prescription = write("p.yaml", STANDARD + "stretches:\n  - calf\n")
    result = run("build", prescription, "-o", out, "--content", clinic)
    assert result.exit_code == 0, result.output
    assert "ふくらはぎのストレッチ" in pdf_text(out) and "20秒×3回・1日2セット" in pdf_text(out)


def test_load_content_raises_with_every_problem(clinic):
    edit(clinic / "clinic.yaml", "hours_label: 受付時間", "hours_label: 診療時間")
    edit(clinic / "texts.yaml", "title:", "titel:")
    with pytest.raises(InputError) as error:
        load_content(clinic)
    assert len(error.value.problems) >= 3  # hours_label, unknown titel, missing title


def test_validate_warns_when_the_content_makes_the_standard_handout_too_long(run, clinic):
    assert "2 ページ (pages)" in run("validate", "--content", clinic).output
    longer = "    - 腰の筋肉も硬くなっています。" + "毎日少しずつ続けることが大切です。" * 40 + "\n"
    edit(clinic / "texts.yaml", "  upper:", longer.rstrip("\n").replace("    - ", "    - ", 1) + "\n  upper:")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 0  # the content is valid, only long
    assert "3 ページ" in result.output and "at most 2 are promised" in result.output
