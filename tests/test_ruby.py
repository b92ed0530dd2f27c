"""Ruby (furigana): {股関節|こかんせつ} sets the reading at half size, centred above its base."""
import io
import re
import subprocess

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import SimpleDocTemplate

from clinic_handout import fonts, ruby
from clinic_handout.typeset import JapaneseParagraph

LEFT, TOP = 72, 72  # the page margins; the frame adds 6 pt of padding
X0 = LEFT + 6


def test_syntax_plain_and_base_forms():
    text = "お尻の{梨状筋|りじょうきん}と{股関節|こかんせつ}。{page}ページ、{半端"
    assert ruby.plain(text) == "お尻の梨状筋（りじょうきん）と股関節（こかんせつ）。{page}ページ、{半端"
    assert ruby.base(text) == "お尻の梨状筋と股関節。{page}ページ、{半端"
    marked = ruby.markup("a&{股|また}<", lambda piece: piece.replace("&", "&amp;").replace("<", "&lt;"))
    assert marked == f"a&amp;{ruby.OPEN}股{ruby.SEP}また{ruby.CLOSE}&lt;"


def paragraph(text: str, size: float = 12, leading: float | None = None) -> JapaneseParagraph:
    fonts.primary()
    style = ParagraphStyle("t", fontName=fonts.REGULAR, fontSize=size, leading=leading or size, wordWrap="CJK")
    return JapaneseParagraph(ruby.markup(text, lambda piece: piece), style)


def drawn(*flowables, tmp_path=None) -> tuple[list, bytes]:
    """The text chunks pypdf sees (text, x, y, size) and the PDF."""
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=LEFT, topMargin=TOP).build(list(flowables))
    chunks = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            chunks.append((text.strip(), round(tm[4] * cm[0] + cm[4], 2), round(tm[5] * cm[3] + cm[5], 2), size))

    PdfReader(io.BytesIO(buffer.getvalue())).pages[0].extract_text(visitor_text=visit)
    return chunks, buffer.getvalue()


@pytest.mark.parametrize("size", [12, 14])  # standard and large print
def test_reading_is_half_size_centred_above_its_base_and_clear_of_the_line_above(size):
    # leading 1.0: without room made for it, the reading would run into the line above
    chunks, _ = drawn(paragraph("あいう\n{股関節|こかんせつ}と、".replace("\n", "<br/>"), size))
    (first, x1, y1, s1), = [c for c in chunks if c[0] == "あいう"]
    (base, x2, y2, s2), = [c for c in chunks if c[0].startswith("股関節")]
    (reading, x3, y3, s3), = [c for c in chunks if c[0] == "こかんせつ"]
    assert base == "股関節と、" and s1 == s2 == size
    assert s3 == size / 2
    # BIZ UD Gothic's kanji and kana are 1 em wide: base 3 em, reading 5 half-em, so it starts 0.25 em in
    assert x2 == x1 == X0 and x3 == pytest.approx(X0 + (3 * size - 5 * size / 2) / 2)
    # the reading's em box (0.88 above, 0.12 below its baseline) sits on the top of the base's em box
    assert y3 - 0.12 * s3 == pytest.approx(y2 + 0.88 * size, abs=0.01)
    # and below the bottom of the line above's em box
    assert y3 + 0.88 * s3 <= y1 - 0.12 * size


@pytest.mark.parametrize("size", [12, 14])
def test_reading_on_a_first_line_stays_clear_of_the_paragraph_above(size):
    # leading 1.15, the tightest in a handout (ReportLab sets a first baseline one size below a paragraph's
    # top, so a paragraph set solid has its glyphs' feet below its box)
    chunks, _ = drawn(paragraph("あいう", size, 1.15 * size),
                      paragraph("{椎間板|ついかんばん}ヘルニア", size, 1.15 * size))
    (_, _, y1, _), = [c for c in chunks if c[0] == "あいう"]
    (_, _, y2, _), = [c for c in chunks if c[0].startswith("椎間板")]
    (_, x3, y3, s3), = [c for c in chunks if c[0] == "ついかんばん"]
    assert y3 - 0.12 * s3 == pytest.approx(y2 + 0.88 * size, abs=0.01)
    assert y3 + 0.88 * s3 <= y1 - 0.12 * size


def test_a_line_without_ruby_keeps_its_leading():
    chunks, _ = drawn(paragraph("あいう<br/>えお<br/>{股|また}", 12, leading=18))
    ys = [y for text, _, y, size in chunks if size == 12]
    assert ys[0] - ys[1] == pytest.approx(18)


def test_no_line_breaks_inside_a_ruby_group():
    # 5 em wide: by width alone the first line would be あいうえ梨; the group moves down whole
    para = paragraph("あいうえ{梨状筋|りじょうきん}ですから、いつもよくのばしましょう")
    para.wrap(5 * 12 + 0.1, 500)
    lines = ["".join(w.text for w in line.words) for line in para.blPara.lines]
    assert lines[:2] == ["あいうえ", "梨状筋です"]


def test_copying_gives_the_base_text(tmp_path):
    _, pdf = drawn(paragraph("お尻の{梨状筋|りじょうきん}が硬い"))
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert text.strip() == "お尻の梨状筋が硬い"


def test_handout_texts_take_ruby(tmp_path):
    """In a content text (here a practitioner's note), the handout prints the group as ruby."""
    from clinic_handout.compose import compose
    from clinic_handout.content import load_content
    from clinic_handout.prescription import load_prescription
    from clinic_handout.render import render

    from .conftest import SAMPLE, STANDARD

    # YAML reads a value that starts with { as a mapping: such a value is quoted
    content = load_content(SAMPLE)
    source = tmp_path / "p.yaml"
    source.write_text(STANDARD + "note: \"{足底|そくてい}をゆるめます\"\n", encoding="utf-8")
    import datetime as dt

    path = tmp_path / "h.pdf"
    path.write_bytes(render(compose(content, load_prescription(source, list(content.catalogue)), dt.date(2026, 1, 5))))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "足底をゆるめます" in text and "{" not in text and "そくてい" not in text
    sizes = []
    for page in PdfReader(str(path)).pages:
        page.extract_text(visitor_text=lambda t, _cm, _tm, _f, size: sizes.append((t.strip(), size)))
    assert ("そくてい", 6.0) in sizes
    # tagged: the group is a Ruby element in the note's P, its base (RB) then its reading (RT), and its
    # ActualText the base, so a screen reader says the base once; still PDF/UA-clean
    from pdfua import validate

    tree = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    group = r'"担当者より："\n\s*Ruby \(inline\)\n\s*RB\n\s*"足底"\n\s*RT\n\s*"そくてい"\n\s*"をゆるめます"'
    assert re.search(group, tree)
    root = PdfReader(str(path)).trailer["/Root"]["/StructTreeRoot"]
    rubies = []

    def walk(elem):
        elem = elem.get_object()
        if isinstance(elem, dict) and "/S" in elem:
            if elem["/S"] == "/Ruby":
                rubies.append((str(elem["/ActualText"]), [str(k.get_object()["/S"]) for k in elem["/K"]]))
            kids = elem.get("/K", [])
            for kid in kids if isinstance(kids, list) else [kids]:
                walk(kid)

    walk(root["/K"][0] if isinstance(root["/K"], list) else root["/K"])
    assert rubies == [("足底", ["/RB", "/RT"])]
    assert validate(str(path)).findings == ()
