"""Ruby (furigana): {股関節|こかんせつ} sets the reading above its base: JLREQ group ruby, centred, at half
the base's size but never under the handout's smallest text."""
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

from .pdf_glyphs import glyphs, runs

LEFT, TOP = 72, 72  # the page margins; the frame adds 6 pt of padding
X0 = LEFT + 6


def test_syntax_plain_and_base_forms():
    text = "お尻の{梨状筋|りじょうきん}と{股関節|こかんせつ}。{page}ページ、{半端"
    assert ruby.plain(text) == "お尻の梨状筋（りじょうきん）と股関節（こかんせつ）。{page}ページ、{半端"
    assert ruby.base(text) == "お尻の梨状筋と股関節。{page}ページ、{半端"
    marked = ruby.markup("a&{股|また}<", lambda piece: piece.replace("&", "&amp;").replace("<", "&lt;"))
    assert marked == f"a&amp;{ruby.OPEN}股{ruby.SEP}また{ruby.CLOSE}&lt;"


def paragraph(text: str, size: float = 12, leading: float | None = None, floor: float = 10.5) -> JapaneseParagraph:
    fonts.primary()
    style = ParagraphStyle("t", fontName=fonts.REGULAR, fontSize=size, leading=leading or size, wordWrap="CJK",
                           rubyMinSize=floor)
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


# The rule, written out: a reading is half its base's size (JLREQ) but never under the print size's smallest
# text (the contract's 10.5 pt; large print's 10.5 x 14/12 = 12.25 pt).
SIZES = [(12, 10.5, 10.5), (14, 12.25, 12.25), (24, 10.5, 12.0)]  # (base, floor, reading)


def glyphs_of(*flowables, tmp_path) -> list:
    path = tmp_path / "r.pdf"
    path.write_bytes(drawn(*flowables)[1])
    return glyphs(path)


def one(found, text) -> list:
    (place,) = runs(found, text)
    return place


def box(run) -> tuple[float, float]:
    return run[0].x, run[-1].x + run[-1].width


@pytest.mark.parametrize("size, floor, reading_size", SIZES)
def test_a_reading_is_half_its_base_but_never_under_the_floor_centred_and_above_it(size, floor, reading_size,
                                                                                    tmp_path):
    found = glyphs_of(paragraph("あいう<br/>{股|また}と、", size, floor=floor), tmp_path=tmp_path)
    above, base, after = one(found, "あいう"), one(found, "股"), one(found, "と、")
    reading = one(found, "また")
    assert {g.size for g in base} == {size} and {g.size for g in reading} == {reading_size}
    # centred (中付き): the middle of the reading's glyphs over the middle of the base's
    assert sum(box(reading)) / 2 == pytest.approx(sum(box(base)) / 2, abs=0.5)
    # above the base: the reading's em box (0.88 above its baseline, 0.12 below) on top of the base's
    assert reading[0].y - 0.12 * reading_size >= base[0].y + 0.88 * size - 0.01
    # and below the bottom of the line above's em box
    assert reading[0].y + 0.88 * reading_size <= above[0].y - 0.12 * size
    # the reading never overhangs what is beside the group: the line starts with the group's box, the wider
    # of base and reading (JLREQ's line head), and the text after the group starts where the box ends
    assert min(reading[0].x, base[0].x) == pytest.approx(X0, abs=0.01)
    assert after[0].x == pytest.approx(max(box(reading)[1], box(base)[1]), abs=0.01)


@pytest.mark.parametrize("size, floor, reading_size", SIZES[:2])  # (at 24 pt, また is as wide as 股)
def test_a_base_shorter_than_its_reading_is_spaced_out_1_2_1(size, floor, reading_size, tmp_path):
    """JLREQ 3.3.7 (group ruby), JIS X 4051: the reading solid, the base spaced 1 unit at each end, 2 between."""
    text = "お尻の{腱|けん}も、その{股|また}が"  # two groups in a line: the second after the first's spacing
    found = glyphs_of(paragraph(text, size, floor=floor), tmp_path=tmp_path)
    for base_text, reading_text, before, after in [("腱", "けん", "お尻の", "も、"), ("股", "また", "その", "が")]:
        base, reading = one(found, base_text), one(found, reading_text)
        assert [g.x for g in reading] == pytest.approx([reading[0].x + i * reading_size for i in range(len(reading))])
        unit = (len(reading) * reading_size - len(base) * size) / (2 * len(base))
        assert unit > 0
        assert base[0].x - reading[0].x == pytest.approx(unit, abs=0.01)
        assert [b.x - a.x - a.width for a, b in zip(base, base[1:], strict=False)] == \
            pytest.approx([2 * unit] * (len(base) - 1))
        assert box(reading)[1] - box(base)[1] == pytest.approx(unit, abs=0.01)
        # nothing beside the group is overhung: the neighbours end where the reading starts, start where it ends
        assert one(found, before)[-1].x + size == pytest.approx(reading[0].x, abs=0.01)
        assert one(found, after)[0].x == pytest.approx(box(reading)[1], abs=0.01)


def test_a_reading_shorter_than_its_base_is_spaced_out_1_2_1(tmp_path):
    # 整形外科 (4 em of 12 pt) over せいけい (4 of 10.5 pt): 6 pt spare, 1 unit = 6 / 8 at each end, 2 between
    found = glyphs_of(paragraph("{整形外科|せいけい}へ"), tmp_path=tmp_path)
    base, reading = one(found, "整形外科"), one(found, "せいけい")
    assert [g.x - base[0].x for g in base] == pytest.approx([0, 12, 24, 36])
    assert [g.x - base[0].x for g in reading] == pytest.approx([0.75, 0.75 + 12, 0.75 + 24, 0.75 + 36])


def test_a_line_without_ruby_keeps_its_leading():
    chunks, _ = drawn(paragraph("あいう<br/>えお<br/>{股|また}", 12, leading=18))
    ys = [y for text, _, y, size in chunks if size == 12]
    assert ys[0] - ys[1] == pytest.approx(18)


@pytest.mark.parametrize("size", [12, 14])
def test_reading_on_a_first_line_stays_clear_of_the_paragraph_above(size, tmp_path):
    # leading 1.15, the tightest in a handout (ReportLab sets a first baseline one size below a paragraph's
    # top, so a paragraph set solid has its glyphs' feet below its box)
    found = glyphs_of(paragraph("あいう", size, 1.15 * size),
                      paragraph("{股|また}のしびれ", size, 1.15 * size), tmp_path=tmp_path)
    above, reading = one(found, "あいう"), one(found, "また")
    assert reading[0].y + 0.88 * reading[0].size <= above[0].y - 0.12 * size


def lines_of(text: str, width: float) -> list[str]:
    para = paragraph(text)
    para.wrap(width, 500)
    return ["".join(w.text for w in line.words) for line in para.blPara.lines]


def test_no_line_breaks_inside_a_ruby_group():
    # 8 em wide: あいうえお (5 em) and 整形外科 (4 em) need 9 em; the group moves down whole
    assert lines_of("あいうえお{整形外科|せいけい}ですから、いつもよくのばしましょう", 8 * 12 + 0.1)[0] == "あいうえお"
    # a group's box is as wide as its reading: by 股's own width (1 em) あいうえおかき股 would fill the 8 em; with
    # また (2 x 10.5 pt) it needs 8.75 em, so 股 moves down
    assert lines_of("あいうえおかき{股|また}ですから、いつもよくのばしましょう", 8 * 12 + 0.1)[0] == "あいうえおかき"


@pytest.mark.parametrize("width", [50, 75, 100, 130, 200])  # each group (48 pt at most) fits a line
def test_groups_side_by_side_break_between_groups_never_inside(width):
    lines = lines_of("まず" + "{整形外科|せいけい}" * 12 + "{股|また}", width)
    assert "".join(lines) == "まず" + "整形外科" * 12 + "股"
    for line in lines[1:]:  # every line but the first is whole groups
        assert re.fullmatch("(整形外科)*(股)?", line), lines
    assert re.fullmatch("まず(整形外科)*", lines[0]), lines


@pytest.mark.parametrize("text, copied", [
    ("{股|また}と{整形外科|せいけい}へ", "股と整形外科へ"),  # ruby: the base, spaced out or not, and no reading
    ("その{股|また}と{腱|けん}が", "その股と腱が"),
    ("お尻の{梨状筋|りじょうきん}が硬い", "お尻の梨状筋（りじょうきん）が硬い"),  # brackets: as printed
    ("刺激する{梨状筋症候群|りじょうきんしょうこうぐん}も", "刺激する梨状筋症候群（りじょうきんしょうこうぐん）も")])
def test_copying_gives_the_base_text_or_the_brackets(tmp_path, text, copied):
    """A ruby base, spaced out or not, copies without spaces, and its reading not at all; a bracketed
    reading copies as it is printed."""
    _, pdf = drawn(paragraph(text))
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    assert subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout.strip() == copied


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
    source.write_text(STANDARD + "note: \"{腱|けん}をゆるめ、{足底|そくてい}も\"\n", encoding="utf-8")
    import datetime as dt

    path = tmp_path / "h.pdf"
    path.write_bytes(render(compose(content, load_prescription(source, list(content.catalogue)), dt.date(2026, 1, 5))))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # 腱 fits (けん: 21 <= 12 + 10.5 pt), 足底 does not (そくてい: 42 > 24 + 10.5): brackets
    assert "腱をゆるめ、足底（そくてい）も" in text and "{" not in text and "けん" not in text
    sizes = []
    for page in PdfReader(str(path)).pages:
        page.extract_text(visitor_text=lambda t, _cm, _tm, _f, size: sizes.append((t.strip(), size)))
    assert ("けん", 10.5) in sizes  # the floor, not half of 12
    # tagged: the group is a Ruby element in the note's P, its base (RB) then its reading (RT), and its
    # ActualText the base, so a screen reader says the base once; still PDF/UA-clean
    from pdfua import validate

    tree = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    group = r'"担当者より："\n\s*Ruby \(inline\)\n\s*RB\n\s*" ?腱"\n\s*RT\n\s*"けん"\n\s*"をゆるめ、足底（そくてい）も"'
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
    # the groups that fit, each a Ruby of an RB and an RT: the note's 腱 and the sample content's 股; the ones
    # in brackets (足底, 梨状筋症候群, 股関節 twice, 椎間板ヘルニア) are no Ruby: their reading is just text
    bases = ("腱", "股")
    assert sorted(rubies) == sorted((base, ["/RB", "/RT"]) for base in bases)
    assert validate(str(path)).findings == ()


# The sample content's ruby groups, written out (texts.yaml, stretches.yaml): 股 (また) fits and is ruby; the
# others' readings are wider than their base plus one reading character, so they are printed in brackets
SAMPLE_RUBY = [("股", "また")]
SAMPLE_BRACKETS = ["梨状筋症候群（りじょうきんしょうこうぐん）", "股関節（こかんせつ）と、", "股関節（こかんせつ）の前",
                   "椎間板ヘルニア（ついかんばんヘルニア）"]


@pytest.mark.parametrize("large_print, body, reading_size", [(False, 12, 10.5), (True, 14, 12.25)])
def test_the_sample_handouts_readings(tmp_path, large_print, body, reading_size):
    """The sample reading that fits, in a standard and a large-print handout: at the print size's floor,
    centred over its base within 0.5 pt, its em box above the base's; the others in brackets in the copied
    text; no text anywhere under 10.5 pt (12.25 in large print)."""
    import datetime as dt

    from clinic_handout.compose import compose
    from clinic_handout.content import load_content
    from clinic_handout.prescription import load_prescription
    from clinic_handout.render import render

    from .conftest import SAMPLE

    content = load_content(SAMPLE)
    path = tmp_path / "h.pdf"
    prescription = load_prescription(SAMPLE / "patients" / "yamada-hanako.yaml", list(content.catalogue))
    path.write_bytes(render(compose(content, prescription, dt.date(2026, 11, 25), large_print)))
    pages = len(PdfReader(str(path)).pages)
    found = [g for number in range(pages) for g in glyphs(path, number)]
    assert min(g.size for g in found) >= reading_size
    seen = 0
    for base_text, reading_text in SAMPLE_RUBY:
        for reading in runs(found, reading_text):
            # its base: the same text, on the line right under it (not a bracketed mention elsewhere)
            (base,) = [run for run in runs(found, base_text)
                       if 0 < reading[0].y - run[0].y < 2 * body and abs(run[0].x - reading[0].x) < body]
            assert {g.size for g in reading} == {reading_size} and {g.size for g in base} == {body}
            assert sum(box(reading)) / 2 == pytest.approx(sum(box(base)) / 2, abs=0.5)
            assert reading[0].y - 0.12 * reading_size >= base[0].y + 0.88 * body - 0.01
            seen += 1
    assert seen == 1
    copied = re.sub(r"\s", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                              check=True).stdout)
    for words in SAMPLE_BRACKETS:
        assert copied.count(words) == 1, words
    # a bracketed reading is set at its base's size, solid: no spacing out anywhere in the handout's text
    for words in ("梨状筋症候群", "椎間板ヘルニア"):
        for run in runs(found, words):
            assert {g.size for g in run} == {body}
            assert [b.x - a.x - a.width for a, b in zip(run, run[1:], strict=False)] == \
                pytest.approx([0] * (len(run) - 1), abs=0.01)


# The fit rule, written out: a group is ruby when its reading (at the print size's floor) is at most one
# reading character wider than its base; else base（reading）. (base, reading, body, floor, ruby?)
FITS = [("股", "また", 12, 10.5, True),  # 2 x 10.5 = 21 <= 12 + 10.5 = 22.5
        ("股", "また", 14, 12.25, True),  # 24.5 <= 14 + 12.25
        ("臀部", "でんぶ", 12, 10.5, True),  # 31.5 <= 24 + 10.5 = 34.5
        ("整形外科", "せいけい", 12, 10.5, True),  # 42 <= 58.5 (a reading shorter than its base)
        ("膝", "ひざ", 12, 10.5, True),  # 21 <= 22.5
        ("腰", "こし", 12, 10.5, True),
        ("股関節", "こかんせつ", 12, 10.5, False),  # 52.5 > 36 + 10.5 = 46.5
        ("股関節", "こかんせつ", 14, 12.25, False),  # 61.25 > 42 + 12.25
        ("足底", "そくてい", 12, 10.5, False),  # 42 > 34.5
        ("椎間板", "ついかんばん", 12, 10.5, False),  # 63 > 46.5
        ("梨状筋症候群", "りじょうきんしょうこうぐん", 12, 10.5, False),  # 136.5 > 82.5
        ("梨状筋症候群", "りじょうきんしょうこうぐん", 14, 12.25, False)]


@pytest.mark.parametrize("base_text, reading_text, size, floor, is_ruby", FITS)
def test_a_group_is_ruby_only_when_its_reading_fits_else_brackets(base_text, reading_text, size, floor, is_ruby,
                                                                  tmp_path):
    text = f"まず{{{base_text}|{reading_text}}}を"
    path = tmp_path / "r.pdf"
    path.write_bytes(drawn(paragraph(text, size, floor=floor))[1])
    found = glyphs(path)
    base = one(found, base_text)
    copied = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.strip()
    reading = one(found, reading_text)
    if is_ruby:
        assert copied == f"まず{base_text}を"
        assert {g.size for g in reading} == {floor} and reading[0].y > base[0].y + 0.88 * size - 0.01
    else:
        assert copied == f"まず{base_text}（{reading_text}）を"
        # the reading in brackets on the base's line, at its size; the base solid, not spaced out
        assert {g.size for g in reading} == {size} and {g.y for g in reading} == {base[0].y}
        line = one(found, f"まず{base_text}（{reading_text}）を")
        assert [b.x - a.x - a.width for a, b in zip(line, line[1:], strict=False)] == \
            pytest.approx([0] * (len(line) - 1), abs=0.01)
    marks = PdfReader(str(path)).pages[0].get_contents().get_data().count(b"/Span <</ActualText")
    assert marks == (1 + (len(reading_text) > len(base_text)) if is_ruby else 0)  # a ruby reading's, a spaced base's


def test_an_unquoted_value_starting_with_ruby_is_named_with_its_line_and_the_quoted_fix(run, clinic, write):
    from .conftest import edit

    edit(clinic / "stretches.yaml", 'target: "{股関節|こかんせつ}の前"', "target: {股関節|こかんせつ}の前   # ねらい")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert (f"  {clinic / 'stretches.yaml'}:30\n    書かれた値 (found):    値がよみがな「{{…|…}}」で始まっています。"
            in result.output)
    fix = '値全体を半角の「"」で囲む: target: "{股関節|こかんせつ}の前"   # ねらい (quote the whole value)'
    assert fix in result.output
    # a prescription's note too; a flow mapping without a reading is not taken for one
    path = write("p.yaml", "patient: {name: 山田 花子}\ndate: 2026-11-25\narea: both\n"
                           "note: {足底|そくてい}をゆるめます\n")
    result = run("validate", path)
    assert result.exit_code == 1 and f"  {path}:4\n" in result.output and f"{path}:1\n" not in result.output
    assert 'note: "{足底|そくてい}をゆるめます"' in result.output


def test_a_title_with_ruby_is_chosen_by_its_base_and_listed_with_its_reading_in_brackets(run, clinic, write, tmp_path):
    import json

    from .conftest import edit

    edit(clinic / "stretches.yaml", "title: 股関節の前のストレッチ", 'title: "{股関節|こかんせつ}の前のストレッチ"')
    path = write("p.yaml", "patient:\n  name: 山田 花子\ndate: 2026-11-25\narea: both\n"
                           "stretches:\n  - 股関節の前のストレッチ\n")  # the title as the front desk types it
    out = tmp_path / "h.pdf"
    result = run("build", path, "-o", out, "--content", clinic)
    assert result.exit_code == 0, result.output
    copied = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "股関節の前のストレッチ" in copied and "{" not in copied
    assert PdfReader(str(out)).metadata.title == "くり返す腰の痛み・重だるさのためのストレッチ"
    listed = run("stretches", "--content", clinic).output
    assert "股関節（こかんせつ）の前のストレッチ（股関節（こかんせつ）の前）" in listed
    rows = json.loads(run("stretches", "--json", "--content", clinic).output)
    assert rows[0]["title"] == "股関節（こかんせつ）の前のストレッチ"
    assert rows[0]["target"] == "股関節（こかんせつ）の前"


@pytest.mark.parametrize("large_print, body", [(False, 12), (True, 14)])
def test_the_area_tables_label_sits_on_its_texts_first_baseline(tmp_path, large_print, body):
    """The area table: a row's label (its header cell) and the first line of its text share a baseline within
    0.5 pt, read from the glyphs drawn; the text's reading is in brackets there (a line with ruby is taller)."""
    import datetime as dt
    from dataclasses import replace

    from clinic_handout.compose import compose
    from clinic_handout.content import load_content
    from clinic_handout.prescription import load_prescription
    from clinic_handout.render import render

    from .conftest import SAMPLE

    content = load_content(SAMPLE)
    path = tmp_path / "h.pdf"
    prescription = load_prescription(SAMPLE / "patients" / "yamada-hanako.yaml", list(content.catalogue))
    handout = compose(content, prescription, dt.date(2026, 11, 25), large_print)
    # a reading that would fit as ruby (股, また) is in brackets in a table too
    upper, lower = handout.area_causes
    lower = replace(lower, text="{股|また}と" + lower.text)
    path.write_bytes(render(replace(handout, area_causes=(upper, lower))))
    found = glyphs(path, 0)
    assert [{g.size for g in run} for run in runs(found, "また")] == [{body}]  # in brackets, not above the line
    for label_text, text_start in [("腰の上のほうが痛い", "股関節（こかんせつ）と、"),
                                   ("腰の下のほうが痛い", "股（また）とお尻と、")]:
        label = one(found, label_text)
        (text,) = [run for run in runs(found, text_start) if run[0].x > label[-1].x
                   and abs(run[0].y - label[0].y) < 3 * body]
        assert {g.size for g in text} == {body}
        assert text[0].y == pytest.approx(label[0].y, abs=0.5), (label_text, label[0].y, text[0].y)
