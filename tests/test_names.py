"""Names print and copy out exactly as typed, rare characters included; missing ones are never silent."""
import os
import re
import shutil
import subprocess
import zlib

import pytest
from pypdf import PdfReader

from clinic_handout.fonts import find_font_file, is_selector

from .conftest import SAMPLE, STANDARD

HAVE_POPPLER = shutil.which("pdftotext") is not None
REQUIRE_FALLBACKS = os.environ.get("HANDOUT_REQUIRE_FALLBACK_FONTS") == "1"  # set by .ci/run


def needs_font(file: str):
    """Skip when a fallback font is not installed, unless CI says it must be (then fail)."""
    if find_font_file(file, SAMPLE.resolve()) or REQUIRE_FALLBACKS:
        return []
    return [pytest.mark.skip(reason=f"{file} is not installed (Debian: fonts-ipamj-mincho / fonts-dejavu-core)")]


CORPUS = [
    pytest.param("髙橋 一郎", id="髙橋"),
    pytest.param("山﨑 花子", id="山﨑"),
    pytest.param("\ufa10本 恵", id="塚本 U+FA10"),
    pytest.param("齋藤 茂", id="齋藤"),
    pytest.param("渡邊 健", id="渡邊"),
    pytest.param("𠮷田 花子", id="𠮷田 outside the BMP", marks=needs_font("ipamjm.ttf")),
    pytest.param("葛\U000E0100飾 太郎", id="葛󠄀飾 variation sequence"),
    pytest.param("辻\U000E0100 正", id="辻󠄀 variation sequence"),
    pytest.param("Nguyễn Thị Ảnh", id="Vietnamese", marks=needs_font("DejaVuSans.ttf")),
    pytest.param("Tom & <Jerry>", id="ampersand and angle bracket"),
    pytest.param("山田\u3000花子", id="ideographic space"),
]


def build_name(build, name):
    result, out = build(STANDARD.replace("山田 花子", '"' + name + '"'))
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("name", CORPUS)
def test_name_round_trips_through_pypdf_exactly(build, name):
    out = build_name(build, name)
    first_page = PdfReader(str(out)).pages[0].extract_text()
    assert f"{name} 様" in first_page


@pytest.mark.skipif(not HAVE_POPPLER, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("name", CORPUS)
def test_name_round_trips_through_pdftotext(build, name):
    """pdftotext writes every kind of space as one ASCII space; all else must be as typed."""
    out = build_name(build, name)
    text = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert re.sub(r"\s+", " ", f"{name} 様") in re.sub(r"\s+", " ", text)


def to_unicode_entries(pdf) -> dict[str, str]:
    """Every ToUnicode destination in the PDF, keyed by hex."""
    entries = {}
    for page in PdfReader(str(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode("latin-1")
            blocks = "".join(re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S))
            for source, destination in re.findall(r"<([0-9A-F]+)> <([0-9A-F]+)>", blocks):
                entries[destination] = source
    return entries


@pytest.mark.parametrize("name", [p for p in CORPUS if p.id in ("𠮷田 outside the BMP", "葛󠄀飾 variation sequence")])
def test_to_unicode_is_utf16_with_surrogate_pairs(build, name):
    entries = to_unicode_entries(build_name(build, name))
    assert all(len(destination) % 4 == 0 for destination in entries)
    first = name[:2] if is_selector(name[1]) else name[:1]  # what the first glyph stands for
    expected = first.encode("utf-16-be").hex().upper()  # 𠮷 → D842DFB7; 葛󠄀 → 845BDB40DD00
    assert expected in entries


def test_variation_sequence_draws_the_variant_glyph(build):
    """葛󠄀 and 葛 are different glyphs in BIZ UD Gothic (cmap format 14): the drawn glyph ids differ."""
    plain = build_name(build, "葛飾 太郎")
    plain = plain.rename(plain.with_name("plain.pdf"))
    variant_pdf = build_name(build, "葛\U000E0100飾 太郎")

    def embedded_font_bytes(pdf):
        reader = PdfReader(str(pdf))
        for font in reader.pages[0]["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            if "Bold" in str(font.get_object()["/BaseFont"]):
                return zlib.crc32(descriptor["/FontFile2"].get_object().get_data())

    assert embedded_font_bytes(plain) != embedded_font_bytes(variant_pdf)


@pytest.fixture
def clinic_with_fonts(tmp_path):
    """A content folder whose fonts.yaml the test writes."""
    folder = tmp_path / "clinic"
    shutil.copytree(SAMPLE, folder)

    def with_fonts(yaml_text: str):
        (folder / "fonts.yaml").write_text(yaml_text, encoding="utf-8")
        return folder

    return with_fonts


NOT_INSTALLED = """fallback:
  - name: どこにもない明朝
    file: no-such-font-anywhere.ttf
    install: sudo apt install fonts-nowhere
"""


def test_a_character_no_font_has_is_refused_with_how_to_get_a_font(run, write, clinic_with_fonts, tmp_path):
    folder = clinic_with_fonts(NOT_INSTALLED)
    out = tmp_path / "rare.pdf"
    result = run("build", write("rare.yaml", STANDARD.replace("山田 花子", "𠮷田 花子")), "-o", out,
                 "--content", folder)
    assert result.exit_code == 1
    assert "rare.yaml:2" in result.output
    assert "U+20BB7 '𠮷' in patient.name has no glyph" in result.output
    hint = "どこにもない明朝 (no-such-font-anywhere.ttf) is not installed: sudo apt install fonts-nowhere"
    assert hint in result.output
    assert not out.exists()


def test_allow_missing_glyphs_prints_a_geta_mark_and_warns(run, write, clinic_with_fonts, tmp_path):
    folder = clinic_with_fonts(NOT_INSTALLED)
    out = tmp_path / "rare.pdf"
    result = run("build", write("rare.yaml", STANDARD.replace("山田 花子", "𠮷田 花子")), "-o", out,
                 "--content", folder, "--allow-missing-glyphs")
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "U+20BB7" in result.output
    assert "〓田 花子 様" in PdfReader(str(out)).pages[0].extract_text()


def test_a_font_file_that_is_not_truetype_is_explained(run, write, clinic_with_fonts, tmp_path):
    folder = clinic_with_fonts("fallback:\n  - name: 壊れたフォント\n    file: broken.ttf\n")
    (folder / "broken.ttf").write_bytes(b"this is not a font")
    result = run("build", write("rare.yaml", STANDARD.replace("山田 花子", "𠮷田 花子")), "--content", folder)
    assert result.exit_code == 1
    assert "壊れたフォント" in result.output and "cannot be used" in result.output and "Traceback" not in result.output


def test_fonts_yaml_mistakes_are_reported(run, clinic_with_fonts):
    folder = clinic_with_fonts("fallback:\n  - name: x\n    fiel: x.ttf\n")
    result = run("validate", "--content", folder)
    assert result.exit_code == 1
    assert "fonts.yaml:3" in result.output and "'file'" in result.output


@pytest.mark.parametrize("name", [p for p in CORPUS if p.id == "𠮷田 outside the BMP"])
def test_fallback_font_is_loaded_only_when_a_character_needs_it(name, tmp_path):
    """A handout of common characters never reads the 46 MB IPAmj Mincho."""
    code = ("import datetime, pathlib, sys\n"
            "from clinic_handout.pipeline import open_content, build_pdf\n"
            "from clinic_handout.fonts import _load_fallback\n"
            f"content = open_content(pathlib.Path({str(SAMPLE)!r}))\n"
            "build_pdf(pathlib.Path(sys.argv[1]), content, datetime.date(2026, 1, 1))\n"
            "print(_load_fallback.cache_info().currsize)\n")
    common, rare = tmp_path / "common.yaml", tmp_path / "rare.yaml"
    common.write_text(STANDARD, encoding="utf-8")
    rare.write_text(STANDARD.replace("山田 花子", name), encoding="utf-8")
    import sys

    loaded = [subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, check=True)
              .stdout.strip() for p in (common, rare)]
    assert loaded == ["0", "1"]
