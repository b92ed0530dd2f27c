"""What the speed work of issue 16 must never change: the bytes of a handout. No timings here."""
import datetime as dt
import io
import subprocess
import sys
from importlib.util import find_spec

import pytest

from .conftest import REPO

RENDER = """
import sys, hashlib, datetime as dt
{block}
from pathlib import Path
from clinic_handout.pipeline import build_pdf, open_content
content = open_content(Path({sample!r}))
for large in (False, True):
    _, pdf = build_pdf(Path({sample!r}) / "patients" / "yamada-hanako.yaml", content, dt.date(2026, 11, 25), large)
    print(hashlib.sha256(pdf).hexdigest())
from reportlab.lib import rl_accel
print(rl_accel.fp_str.__module__)
"""


@pytest.mark.skipif(find_spec("_rl_accel") is None, reason="rl-accel is not installed here")
def test_rl_accel_gives_the_same_bytes_as_pure_python_reportlab():
    """The C accelerator is a dependency for speed only: a handout is byte for byte the one pure-Python
    ReportLab makes (checked in a process where `_rl_accel` cannot be imported)."""
    def run(block: str) -> list[str]:
        code = RENDER.format(block=block, sample=str(REPO / "handouts"))
        return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()

    accelerated = run("")
    pure = run("sys.modules['_rl_accel'] = None  # import _rl_accel fails: ReportLab's Python fallbacks")
    assert accelerated[-1] == "_rl_accel" and pure[-1] == "reportlab.lib.rl_accel"  # each ran as it says
    assert accelerated[:2] == pure[:2]
    assert accelerated[0] != accelerated[1]  # standard and large print differ: the hashes are of real output


# -- per-process caches: a handout drawn after others is the handout drawn first -------------------

def _samples(content, large: bool) -> dict[str, bytes]:
    import datetime as dt

    from clinic_handout.pipeline import build_pdf

    return {path.stem: build_pdf(path, content, dt.date(2026, 11, 25), large)[1]
            for path in sorted((REPO / "handouts" / "patients").glob("*.yaml"))}


def test_cached_work_gives_the_bytes_of_a_cold_process():
    """Every sample, standard and large print (other figure sizes, other widths, mirrored figures),
    rendered after the others with every cache warm, is byte for byte the handout rendered with every
    cache empty: the caches' keys hold everything that changes the output."""
    from clinic_handout import fonts, pictures, render, rl_compat, typeset
    from clinic_handout.pipeline import open_content

    content = open_content(REPO / "handouts")
    chain = fonts.font_chain(content.fallback_fonts)
    warm_standard = _samples(content, False)  # fills every cache at standard sizes
    warm_large = _samples(content, True)  # large print: figures, widths and sizes times 14/12
    assert pictures._OPERATORS and chain._markup and rl_compat._DEFLATED and rl_compat._WIDTHS  # the caches were used
    assert fonts._CMAPS and render._DRAWINGS

    cold = {}
    for large in (True, False):
        pictures._OPERATORS.clear()
        typeset._kept_lines.cache_clear()
        typeset._kept_widths.cache_clear()
        typeset._PARSED.clear()
        chain._markup.clear()
        rl_compat._DEFLATED.clear()
        rl_compat._WIDTHS.clear()
        fonts._CMAPS.clear()
        render._DRAWINGS.clear()
        for font in fonts.primary().fonts:
            font.face.makeSubset.__self__.programs.clear()
        cold[large] = _samples(content, large)
    assert warm_large == cold[True]
    assert warm_standard == cold[False]
    assert all(warm_standard[k] != warm_large[k] for k in warm_standard)  # the sizes really differ


def test_a_figure_is_cached_apart_for_each_size_side_and_label():
    """Two sizes, two sides, mirrored or not: each its own operators, and each the operators the graphics
    renderer writes for it (drawn again from the cache: the same page content)."""
    from reportlab.pdfgen.canvas import Canvas

    from clinic_handout import pictures

    def page(*args, **kwargs) -> bytes:
        canvas = Canvas(io.BytesIO(), invariant=1)
        drawing = pictures.figure(*args, **kwargs)
        drawing.drawOn(canvas, 10, 10)
        return "\n".join(canvas._code).encode()

    from clinic_handout.render import FIGURE_HEIGHT, FIGURE_WIDTH

    name, w, h, k = next(iter(pictures.POSES)), FIGURE_WIDTH, FIGURE_HEIGHT, 14 / 12  # a card's, and large print
    variants = [((name, w, h, "右", False), {"label_pt": 11}), ((name, w * k, h * k, "右", False), {"label_pt": 11}),
                ((name, w, h, "左", True), {"label_pt": 11}), ((name, w, h, "右", False), {"label_pt": 10})]
    pictures._OPERATORS.clear()
    first = [page(*args, **kwargs) for args, kwargs in variants]
    assert len(pictures._OPERATORS) == len(variants)  # one entry each
    assert len(set(pictures._OPERATORS.values())) == 3  # the label's size changes only the label (drawn live)
    assert len(set(first)) == len(variants)  # each page differs
    assert [page(*args, **kwargs) for args, kwargs in variants] == first  # from the cache: the same


def test_a_kept_drawing_is_the_one_made_for_its_figure_size_side_label_and_sample():
    """render.kept_figure and kept_key_sample give the drawing pictures makes for the same arguments: each of
    these, differing from the first in one argument (name, width, height, label, mirror, the label's size; a
    sample's kind, width, height), draws what a new one draws, and they all draw differently."""
    from reportlab.pdfgen.canvas import Canvas

    from clinic_handout import pictures, render

    def drawn(drawing) -> str:
        canvas = Canvas(io.BytesIO(), invariant=1)
        drawing.drawOn(canvas, 10, 10)
        return "\n".join(canvas._code)

    one, other = list(pictures.POSES)[:2]
    w, h = render.FIGURE_WIDTH, render.FIGURE_HEIGHT
    figures = [(one, w, h, "右", False, 11), (other, w, h, "右", False, 11), (one, w + 20, h, "右", False, 11),
               (one, w, h + 20, "右", False, 11), (one, w, h, None, False, 11), (one, w, h, "右", True, 11),
               (one, w, h, "右", False, 10)]
    samples = [("leg", 20, 14), ("patch", 20, 14), ("leg", 24, 14), ("leg", 20, 16)]
    render._DRAWINGS.clear()
    for _ in range(2):  # made, then kept
        kept = [drawn(render.kept_figure(*args)) for args in figures]
        kept += [drawn(render.kept_key_sample(*args)) for args in samples]
        assert kept == [drawn(pictures.picture(name, None, width, height, label, mirror, label_pt=size))
                        for name, width, height, label, mirror, size in figures] + \
            [drawn(pictures.key_sample(*args)) for args in samples]
        assert len(set(kept)) == len(kept)
    assert render.kept_figure(None, w, h, None, False, 11) is None  # no figure: none drawn


def test_a_canvas_that_draws_graphics_its_own_way_is_cached_apart():
    from reportlab.pdfgen.canvas import Canvas

    from clinic_handout import pictures
    from clinic_handout.tagging import TaggingCanvas

    class Thick(Canvas):
        def setLineWidth(self, width):
            super().setLineWidth(width * 2)

    assert pictures._graphics_of(Canvas) is None and pictures._graphics_of(TaggingCanvas) is None
    assert pictures._graphics_of(Thick) is Thick


def test_line_breaks_are_kept_per_width():
    """The same paragraph at two widths, in one process: each width its own lines, as a cold process makes."""
    from reportlab.lib.styles import ParagraphStyle

    from clinic_handout import fonts, typeset

    fonts.primary()
    style = ParagraphStyle("t", fontName=fonts.REGULAR, fontSize=12, leading=20, wordWrap="CJK")
    text = "ストレッチは痛みの出ない範囲で、ゆっくり息をはきながら行いましょう。" * 3

    def lines(width):
        paragraph = typeset.JapaneseParagraph(text, style)
        paragraph.wrap(width, 1000)
        return ["".join(w.text for w in line.words) for line in paragraph.blPara.lines]

    typeset._kept_lines.cache_clear()
    narrow_cold = lines(150)
    typeset._kept_lines.cache_clear()
    wide_cold = lines(300)
    narrow_warm, wide_warm = lines(150), lines(300)  # both in the cache now
    assert narrow_warm == narrow_cold and wide_warm == wide_cold
    assert len(narrow_cold) > len(wide_cold)


def test_a_paragraph_wrapped_again_is_laid_out_as_a_new_one():
    """A paragraph wraps once per width (typeset.JapaneseParagraph.wrap): wrapped at one width, another, then
    the first again, it has the size, lines and drawing of a new paragraph wrapped once at that width; and
    after a split that found no room (ReportLab then drops its lines), a wrap lays it out again."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas

    from clinic_handout import fonts, typeset

    fonts.primary()
    style = ParagraphStyle("t", fontName=fonts.REGULAR, fontSize=12, leading=20, wordWrap="CJK")
    text = "ストレッチは痛みの出ない範囲で、ゆっくり息をはきながら行いましょう。" * 3

    def drawn(paragraph) -> str:
        canvas = Canvas(io.BytesIO(), invariant=1)
        paragraph.drawOn(canvas, 10, 10)
        return "\n".join(canvas._code)

    def laid_out(paragraph, width) -> tuple:
        size = paragraph.wrap(width, 1000)
        return size, [[w.text for w in line.words] for line in paragraph.blPara.lines], drawn(paragraph)

    paragraph = typeset.JapaneseParagraph(text, style)
    for width in (150, 300, 150, 150, 300):
        assert laid_out(paragraph, width) == laid_out(typeset.JapaneseParagraph(text, style), width), width
    assert laid_out(paragraph, 150)[0] != laid_out(paragraph, 300)[0]
    paragraph.wrap(150, 1000)  # as a frame does: wrap, then split at the same width
    assert paragraph.split(150, 25) == [] and "blPara" not in vars(paragraph)  # no room for two lines
    assert laid_out(paragraph, 150) == laid_out(typeset.JapaneseParagraph(text, style), 150)


def test_character_widths_are_kept_per_text_face_and_size():
    """Each character's width as ReportLab's stringWidth gives it, for the face and size asked, whatever
    was asked before (the key: text, face, size)."""
    from reportlab.pdfbase.pdfmetrics import getFont, stringWidth

    from clinic_handout import fonts, typeset
    from clinic_handout.pipeline import open_content

    chain = fonts.font_chain(open_content(REPO / "handouts").fallback_fonts)
    mincho = next(face for face in chain.faces() if face is not fonts.primary())  # IPAmj Mincho (fonts.yaml)
    text = "Wil 1.5 山田"
    cases = [(text, name, size) for name in (fonts.REGULAR, mincho.pdf_name) for size in (12, 14)]
    expected = {case: tuple(stringWidth(ch, case[1], case[2]) for ch in text) for case in cases}
    assert len(set(expected.values())) == len(cases)  # each face and size really differs
    typeset._kept_widths.cache_clear()
    for _ in range(2):  # cold, then every one from the cache
        for case in cases:
            assert typeset.char_widths(text, getFont(case[1]).face, case[2]) == pytest.approx(expected[case], abs=1e-9)
    assert typeset._kept_widths.cache_info().hits == len(cases)


def test_a_table_wrapped_again_is_laid_out_as_a_new_one():
    """render.Grid lays a table out once per width: asked the same widths and heights in the same order as a
    ReportLab Table of the same cells, it has after each the Table's size, rows and columns. The height
    matters only where ReportLab stops measuring rows (a cell spanning rows, a table taller than the height)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table

    from clinic_handout import fonts, render

    fonts.primary()
    style = ParagraphStyle("t", fontName=fonts.REGULAR, fontSize=12, leading=18, wordWrap="CJK")

    words = "ゆっくり息をはきながら、痛みの出ない範囲で行います。"

    def rows():
        return [[Paragraph("つかまる", style), Paragraph(words * k, style)] for k in (1, 2, 3, 1)]

    options = {"colWidths": ["25%", "75%"], "style": [("SPAN", (0, 0), (0, 1)), ("GRID", (0, 0), (-1, -1), 1, "black")]}
    grid, table = render.Grid(rows(), **options), Table(rows(), **options)

    def laid_out(table, width, height):
        size = table.wrap(width, height)
        return size, table._rowHeights, table._rowpositions, table._colpositions, table._hmax

    for width, height in ((300, 1000), (300, 1000), (200, 1000), (300, 1000), (300, 50), (300, 40), (300, 1000)):
        assert laid_out(grid, width, height) == laid_out(table, width, height), (width, height)
    for part in (grid, table):  # a split lays the table out too (at another width here) ...
        part.split(200, 1000)
    assert laid_out(grid, 300, 1000) == laid_out(table, 300, 1000)  # ... so the next wrap lays it out again
    for part in (grid, table):  # a new style: a new layout
        part.setStyle([("LEFTPADDING", (0, 0), (-1, -1), 30)])
    assert laid_out(grid, 300, 1000) == laid_out(table, 300, 1000)
    assert laid_out(Table(rows(), **options), 300, 50) != laid_out(Table(rows(), **options), 300, 1000)  # it matters
    assert laid_out(Table(rows(), **options), 200, 1000) != laid_out(Table(rows(), **options), 300, 1000)


def test_a_long_patient_text_is_never_kept():
    """A patient's long note is laid out each time: two handouts that differ only in a long note leave every
    per-process cache as big as one of them left it (a day's batch with notes keeps no copy of each)."""
    import datetime as dt

    from clinic_handout import fonts, typeset
    from clinic_handout.compose import compose
    from clinic_handout.pipeline import open_content
    from clinic_handout.prescription import Patient, Prescription
    from clinic_handout.render import render

    content = open_content(REPO / "handouts")
    chain = fonts.font_chain(content.fallback_fonts)

    def sizes(number: int) -> tuple[int, ...]:
        note = "".join(f"{number}番：{day}日目は痛みが少し軽くなりました。" for day in range(60))
        assert len(note) > typeset.KEEP_MAX_CHARS
        render(compose(content, Prescription(source=REPO / "x", patient=Patient("山田 花子", None),
                                             date=dt.date(2026, 11, 25), practitioner=None, area="both",
                                             stretches=None, note=note), dt.date(2026, 11, 25)))
        return (typeset._kept_widths.cache_info().currsize, typeset._kept_lines.cache_info().currsize,
                len(typeset._PARSED))

    first = sizes(1)
    assert sizes(2) == first and sizes(3) == first
    assert all(len(key[0]) <= typeset.KEEP_MAX_CHARS for key in typeset._PARSED)
    assert chain  # the font chain's markup is fonts.py's (its own limit)


def _frags(frags) -> list[dict]:
    return [dict(vars(frag)) for frag in frags]


def test_kept_parses_are_reportlabs_own_and_never_change():
    """After every sample at both sizes (a long note split over pages among them), each kept parse is the
    fragments ReportLab's own Paragraph parses from that text and style, and drawing them changed nothing."""
    import datetime as dt

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from clinic_handout import typeset
    from clinic_handout.compose import compose
    from clinic_handout.pipeline import open_content
    from clinic_handout.prescription import Patient, Prescription
    from clinic_handout.render import render

    content = open_content(REPO / "handouts")
    note = "\n".join(f"{i}日目：よし、痛みは少し軽くなりました" for i in range(150))[:4900]
    long_note = Prescription(source=REPO / "x", patient=Patient("山田 花子", None), date=dt.date(2026, 11, 25),
                             practitioner=None, area="both", stretches=None, note=note)
    typeset._PARSED.clear()
    render(compose(content, long_note, long_note.date, True))
    before = {key: _frags(frags) for key, (_, frags) in typeset._PARSED.items()}
    for large in (False, True):
        _samples(content, large)
        render(compose(content, long_note, long_note.date, large))
    assert len(before) > 50
    for key, frags in before.items():
        assert _frags(typeset._PARSED[key][1]) == frags  # drawn, split and drawn again: unchanged
        text, values, case_sensitive, *_ = key
        style = ParagraphStyle("fresh")
        style.__dict__.update(values)
        assert _frags(Paragraph(text, style, caseSensitive=case_sensitive).frags) == frags


def test_parses_are_kept_per_text_style_and_font_family():
    from reportlab.lib.fonts import addMapping
    from reportlab.lib.styles import ParagraphStyle

    from clinic_handout import fonts, typeset

    fonts.primary()
    regular = ParagraphStyle("t", fontName=fonts.REGULAR, fontSize=12, leading=20, wordWrap="CJK")
    large = ParagraphStyle("t", fontName=fonts.REGULAR, fontSize=14, leading=20, wordWrap="CJK")

    def parsed(text, style) -> list[tuple]:
        return [(f.text, f.fontName, f.fontSize) for f in typeset.JapaneseParagraph(text, style).frags]

    typeset._PARSED.clear()
    for _ in range(2):  # parsed, then kept
        assert parsed("ゆっくり<b>伸ばす</b>", regular) == [("ゆっくり", fonts.REGULAR, 12), ("伸ばす", fonts.BOLD, 12)]
        assert parsed("ゆっくり<b>伸ばす</b>", large) == [("ゆっくり", fonts.REGULAR, 14), ("伸ばす", fonts.BOLD, 14)]
        assert parsed("ゆっくり伸ばす", regular) == [("ゆっくり伸ばす", fonts.REGULAR, 12)]
    assert len(typeset._PARSED) == 3
    for _ in range(2):  # a text whose own tags set the bullet or the style: parsed each time
        bulleted = typeset.JapaneseParagraph("<bullet>●</bullet>伸ばす", regular)
        assert [f.text for f in bulleted.bulletText] == ["●"]
        assert typeset.JapaneseParagraph('<para leftIndent="20">伸ばす</para>', regular).style.leftIndent == 20
    assert len(typeset._PARSED) == 3
    # A font family registered (fonts.Face) can change what <b> means: parsed again.
    from reportlab.lib import fonts as rl_fonts

    saved, registrations = (dict(rl_fonts._tt2ps_map), dict(rl_fonts._ps2tt_map)), fonts.registrations
    try:
        addMapping("KeyTestFace", 0, 0, "KeyTestFace")
        addMapping("KeyTestFace", 1, 0, fonts.BOLD)
        text = '<font face="KeyTestFace"><b>様</b></font>'
        assert parsed(text, regular) == [("様", fonts.BOLD, 12)]
        addMapping("KeyTestFace", 1, 0, "KeyTestFace")  # the same number of mappings, another meaning
        fonts.registrations += 1  # as fonts.Face counts what it registers
        assert parsed(text, regular) == [("様", "KeyTestFace", 12)]
        # A family's bold found through its name's own family (ReportLab's fallback), then a mapping of its own
        # added: one more mapping, another meaning.
        addMapping("KeyTestFamily", 0, 0, "KeyTestName")
        addMapping("KeyTestFamily", 1, 0, fonts.BOLD)
        text = '<font face="KeyTestName"><b>様</b></font>'
        assert parsed(text, regular) == [("様", fonts.BOLD, 12)]
        addMapping("KeyTestName", 1, 0, "KeyTestName")
        assert parsed(text, regular) == [("様", "KeyTestName", 12)]
    finally:  # ReportLab's mappings as they were (addMapping also re-points a font's own name)
        for mapping, before in zip((rl_fonts._tt2ps_map, rl_fonts._ps2tt_map), saved, strict=True):
            mapping.clear()
            mapping.update(before)
        fonts.registrations = registrations
        typeset._PARSED.clear()


def test_markup_is_kept_per_text():
    from clinic_handout import fonts
    from clinic_handout.pipeline import open_content

    chain = fonts.font_chain(open_content(REPO / "handouts").fallback_fonts)
    texts = ["山田 花子", "𠮷田 花子", "髙﨑 葛󠄀飾", "a < b & c"]
    cold = [chain._markup_of(t) for t in texts]
    assert [chain.markup(t) for t in texts] == cold == [chain.markup(t) for t in texts]
    assert len(set(cold)) == len(texts)


def test_a_subset_reads_only_its_glyphs_from_the_font():
    """ReportLab copied the whole glyph table (4 MB here, 40 MB for IPAmj Mincho) for every subset; the
    face hands out slices instead, and the subset is byte for byte what ReportLab makes from a fresh face."""
    import tracemalloc

    from reportlab.pdfbase.ttfonts import TTFontFace

    from clinic_handout import fonts, rl_compat
    from clinic_handout.resources import fonts_dir

    face = fonts.primary().fonts[0].face
    assert isinstance(face.get_table("glyf"), rl_compat.TableSlices)
    glyf_length = face.get_table_pos("glyf")[1]
    subset = [0] + [ord(c) for c in "山田花子様ストレッチ、。1234"]
    tracemalloc.start()
    made = TTFontFace.makeSubset(face, subset)  # ReportLab's own, reading our face (not the kept programs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < glyf_length / 4  # the 4 MB table was not copied
    fresh = TTFontFace(str(fonts_dir() / "BIZUDGothic-Regular.ttf"))
    assert made == fresh.makeSubset(subset)
    whole = TTFontFace.get_table(face, "glyf")
    view = face.get_table("glyf")
    assert len(view) == len(whole) and view[100:200] == whole[100:200] and view[-10:] == whole[-10:]


def test_a_font_program_is_kept_per_face_and_codes_in_order():
    """The kept font programs (rl_compat.KeptSubsets) are ReportLab's makeSubset of a fresh face for the same
    codes: each kept apart per face (regular and bold), per set of codes and per their order (the order gives
    each character its code in the subset), and the last SUBSETS_KEPT of them kept."""
    from reportlab.pdfbase.ttfonts import TTFontFace

    from clinic_handout import fonts, rl_compat
    from clinic_handout.resources import fonts_dir

    regular, bold = (font.face for font in fonts.primary().fonts)
    fresh = {face: TTFontFace(str(fonts_dir() / f"{face.name.decode()}.ttf")) for face in (regular, bold)}
    subsets = [[0] + [ord(c) for c in text] for text in ("山田花子様", "花子山田様", "佐藤一郎様", "山田花子様。")]
    for _ in range(2):  # made, then kept
        for face in (regular, bold):
            for subset in subsets:
                assert face.makeSubset(subset) == fresh[face].makeSubset(subset), (face.name, subset)
    assert len({regular.makeSubset(subset) for subset in subsets}) == len(subsets)
    kept = regular.makeSubset.__self__.programs
    for number in range(rl_compat.SUBSETS_KEPT + 3):  # more than it keeps: the oldest go, the newest stay
        regular.makeSubset([0, 0x4E00 + number])
    assert len(kept) == rl_compat.SUBSETS_KEPT and (0, 0x4E00 + rl_compat.SUBSETS_KEPT + 2) in kept


def test_a_deflated_stream_is_kept_per_content():
    """The kept deflate (rl_compat.KEPT_DEFLATE) gives what ReportLab's FlateDecode filter gives, for every
    content: two of the same length, text as UTF-8."""
    import zlib

    from reportlab.pdfbase import pdfdoc

    from clinic_handout import rl_compat

    contents = [b"<00> <5C71>" * 50, b"<00> <7530>" * 50, "<00> <82B1>" * 50, "<01> <82B1>" * 50]
    for _ in range(2):
        for content in contents:
            assert rl_compat.KEPT_DEFLATE.encode(content) == pdfdoc.PDFZCompress.encode(content)
            assert zlib.decompress(rl_compat.KEPT_DEFLATE.encode(content)) == \
                (content.encode() if isinstance(content, str) else content)


def test_a_subsets_unicode_map_and_widths_are_kept_per_name_and_codes():
    """The kept ToUnicode maps (fonts.to_unicode_cmap) are the map made anew for the same subset name and codes
    (each in order); the kept /Widths (rl_compat.KeptWidths) are ReportLab's PDFArray as it formats it."""
    from reportlab.pdfbase import pdfdoc

    from clinic_handout import fonts, rl_compat

    codes = [[0, 0x5C71, 0x7530], [0, 0x7530, 0x5C71], [0, 0x82B1, 0x5B50]]
    for _ in range(2):  # made, then kept
        for name in ("AAAAAA+BIZUDGothic-Regular", "AAAAAB+BIZUDGothic-Regular"):
            for subset in codes:
                assert fonts.to_unicode_cmap(name, subset) == fonts._cmap(name, subset), (name, subset)
    from reportlab import rl_config

    document = pdfdoc.PDFDocument()
    multiline = rl_config.pdfMultiLine
    try:
        for setting in (multiline, 1, multiline):  # ReportLab's one-number-a-line setting changes the bytes
            rl_config.pdfMultiLine = setting
            for widths in ([1000, 500, 1000], [1000, 1000, 500], [250.5, 1000, 500]):
                kept = rl_compat.KeptWidths(pdfdoc.PDFArray(widths)).format(document)
                assert kept == pdfdoc.format(pdfdoc.PDFArray(widths), document), (setting, widths)
    finally:
        rl_config.pdfMultiLine = multiline


def test_a_layout_pass_laid_out_again_writes_no_file(monkeypatch, tmp_path):
    """A handout laid out again (PAGE RULES: rule 3, its safety notice would stand alone on a page; then page 1
    points to the page it landed on) writes out its last pass only, the bytes made when every pass was written:
    the standard handout in large print (three passes), one with sides and notes (rule 3 only), the sample in large
    print (the pointer only)."""
    from reportlab.pdfbase import pdfdoc

    from clinic_handout import render
    from clinic_handout.pipeline import build_pdf, open_content

    content = open_content(REPO / "handouts")
    sides = tmp_path / "sides.yaml"
    sides.write_text("patient:\n  name: 山田 花子\ndate: 2026-11-25\narea: both\nstretches:\n"
                     "  - id: hip-flexor\n    side: left\n    note: ゆっくり行ってください\n"
                     "  - id: hamstring\n    side: right\n    reps: 8\n", encoding="utf-8")
    standard = tmp_path / "standard.yaml"
    standard.write_text("patient:\n  name: 佐藤 花子\ndate: 2026-11-25\narea: both\n", encoding="utf-8")
    sample = REPO / "handouts" / "patients" / "yamada-hanako.yaml"
    # (prescription, large print, passes): rule 3 and the pointer; rule 3 only; the pointer only
    cases = [(standard, True, 3), (sides, False, 2), (sample, True, 2)]
    build, write = render.HandoutTemplate._build, pdfdoc.PDFDocument.GetPDFData
    passes: list[int] = []
    written: list[int] = []

    def counted_build(self, *args, **kwargs):
        passes.append(1)
        return build(self, *args, **kwargs)

    def counted_write(self, *args):
        written.append(1)
        return write(self, *args)

    monkeypatch.setattr(pdfdoc.PDFDocument, "GetPDFData", counted_write)
    for prescription, large, layouts in cases:
        passes.clear()
        written.clear()
        monkeypatch.setattr(render.HandoutTemplate, "_build", counted_build)
        _, pdf = build_pdf(prescription, content, dt.date(2026, 11, 25), large)
        assert (len(passes), len(written)) == (layouts, 1), prescription.name
        every_pass = lambda self, story, canvas=None, last=None: build(self, story, canvas)  # noqa: E731
        monkeypatch.setattr(render.HandoutTemplate, "_build", every_pass)
        assert build_pdf(prescription, content, dt.date(2026, 11, 25), large)[1] == pdf
        assert len(written) == 1 + layouts  # every pass written this time


IN_ORDER = """
import sys, hashlib, datetime as dt
from pathlib import Path
{block}
from clinic_handout.pipeline import build_pdf, open_content
content = open_content(Path({content!r}))
for path in {paths!r}:
    print(Path(path).stem, hashlib.sha256(build_pdf(Path(path), content, dt.date(2026, 11, 25))[1]).hexdigest())
"""
PATIENTS = {
    "plain": "patient:\n  name: 山田 花子\ndate: 2026-11-25\narea: both\n",
    # a rare name (𠮷 from the fallback font, 葛󠄀 a variation sequence), large print, a left side, notes
    "other": "patient:\n  name: 𠮷田 葛󠄀子\ndate: 2026-11-25\narea: both\nlarge_print: true\nnote: 来週もう一度\n"
             "stretches:\n  - id: hip-flexor\n    side: left\n    note: ゆっくり行ってください\n",
}


def test_a_handout_is_the_same_made_alone_or_after_another_patient(tmp_path):
    """Nothing of one patient's handout goes into the next one's (the per-process caches: fonts, subsets,
    parses, lines): each made in a fresh process alone is byte for byte the one made after the other. And a
    font file that something else in the process registered first under another name (a bare ReportLab
    script, as benchmarks/floor.py) changes nothing: without rl_compat.register_font, ReportLab drew our
    text in that script's font, and 葛󠄀 came out as a box (the variation sequence's stand-in is ours)."""
    paths = {}
    for name, text in PATIENTS.items():
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_text(text, encoding="utf-8")

    def run(names, block: str = "") -> dict[str, str]:
        code = IN_ORDER.format(block=block, content=str(REPO / "handouts"), paths=[str(paths[n]) for n in names])
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        return dict(line.split() for line in out.splitlines())

    alone = {**run(["plain"]), **run(["other"])}
    assert alone["plain"] != alone["other"]
    assert run(["other", "plain"]) == alone
    assert run(["plain", "other", "plain"]) == alone
    foreign = ("from reportlab.pdfbase import pdfmetrics, ttfonts\n"
               "from clinic_handout.resources import fonts_dir\n"
               "for name, file in (('Gothic', 'Regular'), ('Gothic-Bold', 'Bold')):\n"
               "    pdfmetrics.registerFont(ttfonts.TTFont(name, str(fonts_dir() / f'BIZUDGothic-{{file}}.ttf')))\n")
    assert run(["other", "plain"], foreign.format()) == alone


IMPORTED = """
import sys
from clinic_handout.cli import cli
try:
    cli({argv!r}, standalone_mode=False)
finally:
    print(" ".join(sorted(name for name in {names!r} if name in sys.modules)))
"""


def _imported(argv: list[str], names: tuple[str, ...], cwd) -> list[str]:
    code = IMPORTED.format(argv=argv, names=names)
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True, capture_output=True, text=True).stdout
    return out.splitlines()[-1].split()


def test_a_command_imports_only_what_it_needs(tmp_path):
    """Cold start (issue 16, item 5): `handout --help` loads no PDF, YAML or JSON library; `handout build`
    loads no web or mail modules beyond what its libraries load themselves (xml.sax.saxutils, which ours
    used for escaping, pulled in urllib.request and http.client: 20 ms; ReportLab 4.3 loads them anyway)."""
    assert _imported(["--help"], ("reportlab", "pypdf", "yaml", "json", "budoux"), tmp_path) == []
    web = ("urllib.request", "http.client", "email.message", "smtplib", "flask")
    code = ("import sys, reportlab.platypus, reportlab.pdfgen.canvas, reportlab.graphics.renderPDF, pypdf, yaml, "
            f"click, budoux; print(' '.join(n for n in {web!r} if n in sys.modules))")
    libraries = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    built = _imported(["build", str(REPO / "handouts" / "patients" / "yamada-hanako.yaml"), "-o", "x.pdf"],
                      ("reportlab", "pypdf", *web), tmp_path)
    assert "reportlab" in built  # it did make the PDF
    assert "pypdf" not in built  # the tags are ReportLab's, the history counts pages without it (about 45 ms)
    assert set(built) - {"reportlab"} <= set(libraries)



def test_content_files_found_in_the_parse_cache_are_not_searched_for_mistakes_again(clinic, monkeypatch, tmp_path):
    """A content file found in the parse cache (cache.py) was stored only because it had no mistakes (a
    full-width colon, a tab, ...): reading the folder again does not look for them again (about 1 ms of a cold
    build), and importing the loaders does not import difflib (only for a "did you mean" in a message)."""
    from clinic_handout import yaml_hints
    from clinic_handout.content import load_content

    monkeypatch.setenv("HANDOUT_CACHE", str(tmp_path / "cache"))
    searched = []
    real = yaml_hints.mistakes
    monkeypatch.setattr(yaml_hints, "mistakes", lambda text: searched.append(text) or real(text))
    load_content(clinic)
    assert len(searched) == 4  # clinic, texts, stretches, fonts: parsed and stored
    searched.clear()
    load_content(clinic)
    assert searched == []
    code = "import sys, clinic_handout.pipeline, clinic_handout.cli; print('difflib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"

def test_a_mistake_in_a_content_file_is_said_after_the_file_was_stored_without_it(clinic, tmp_path):
    """The other side of the above: the same folder built (its files stored), then a full-width colon typed in
    clinic.yaml: the build names it, with its line, as before anything was stored."""
    argv = ["build", str(REPO / "handouts" / "patients" / "yamada-hanako.yaml"), "-o", "x.pdf", "--content",
            str(clinic)]
    assert _imported(argv, ("reportlab",), tmp_path) == ["reportlab"]
    lines = (clinic / "clinic.yaml").read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("name:"))
    lines[number] = lines[number].replace("name:", "name：", 1)
    (clinic / "clinic.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "clinic_handout", *argv, "-o", "y.pdf"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1 and not (tmp_path / "y.pdf").exists()
    assert f"clinic.yaml:{number + 1}" in result.stderr and "「name：」の「：」が全角です" in result.stderr


def _appended_update(pdf: bytes, update: bytes) -> bytes:
    """pdf with an incremental update appended that replaces its page tree object by update's dictionary."""
    import re

    number = int(re.search(rb"(\d+) 0 obj\n<<\n/Count", pdf)[1])
    size = int(re.search(rb"/Size (\d+)", pdf)[1])
    root = re.search(rb"/Root (\d+ 0 R)", pdf)[1]
    previous = int(re.findall(rb"startxref\n(\d+)", pdf)[-1])
    at = len(pdf)
    body = f"{number} 0 obj\n".encode() + update + b"\nendobj\n"
    xref = f"xref\n0 1\n0000000000 65535 f \n{number} 1\n{at:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {size} /Root {root.decode()} /Prev {previous} >>\n"
    return pdf + body + xref + trailer.encode() + f"startxref\n{at + len(body)}\n%%EOF\n".encode()


def test_the_history_counts_pages_as_pypdf_does(tmp_path):
    """The history counts a handout's pages from ReportLab's page tree (no pypdf in a cold build): the same
    count as pypdf's for 1 to 6 pages, and a file changed after ReportLab wrote it is counted by pypdf."""
    from pypdf import PdfReader, PdfWriter

    from clinic_handout.compose import compose
    from clinic_handout.history import _pages
    from clinic_handout.pipeline import open_content
    from clinic_handout.prescription import load_prescription
    from clinic_handout.render import render, render_gallery

    content = open_content(REPO / "handouts")
    sample = (REPO / "handouts" / "patients" / "yamada-hanako.yaml").read_text(encoding="utf-8")
    pdfs = [render_gallery(content)]
    ticks = sample.replace("area: both", "area: both\nchecklist_days: 31")
    for text, large in ((sample, False), (sample, True), (ticks, True)):
        source = tmp_path / "p.yaml"
        source.write_text(text, encoding="utf-8")
        prescription = load_prescription(source, list(content.catalogue))
        pdfs.append(render(compose(content, prescription, dt.date(2026, 11, 25), large_print=large)))
    rewritten = io.BytesIO()
    PdfWriter(clone_from=PdfReader(io.BytesIO(pdfs[-1]))).write(rewritten)  # another writer's file
    pdfs.append(rewritten.getvalue())
    counts = [len(PdfReader(io.BytesIO(pdf)).pages) for pdf in pdfs]
    assert counts == [1, 2, 4, 6, 6]
    assert [_pages(pdf) for pdf in pdfs] == counts
    # An update appended to a handout that leaves it one page, written as ReportLab would and as others do.
    for update in (b"<<\n/Count 1 /Kids [ 2 0 R ] /Type /Pages\n>>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"):
        changed = _appended_update(pdfs[1], update)
        assert len(PdfReader(io.BytesIO(changed)).pages) == 1
        assert _pages(changed) == 1


URIS = ("https://example.jp/a?b=1", "HTTP://接骨院.jp/", "not a uri", "ftp://user:pw@host.example:2121/x", "a://b")
LAZY_URI = """
import re, sys
from clinic_handout.cli import cli
cli(["build", {source!r}, "-o", "x.pdf"], standalone_mode=False)
from reportlab.platypus import paragraph
pattern = paragraph.uri_pat
print(type(pattern).__name__, pattern.compiled)
fresh = re.compile(*pattern.pattern_args)
for uri in {uris!r}:
    lazy, own = pattern.match(uri), fresh.match(uri)
    print(lazy is None, own is None, lazy and lazy.groups() == own.groups())
"""


def test_the_paragraph_modules_url_pattern_is_compiled_only_when_used(tmp_path):
    """A cold build does not compile ReportLab's URL pattern (27 ms); when used, the pattern matches as the
    same expression compiled by re does."""
    code = LAZY_URI.format(source=str(REPO / "handouts" / "patients" / "yamada-hanako.yaml"), uris=URIS)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout.splitlines()
    assert out[-len(URIS) - 1] == "LazyPattern None"
    results = [line.split() for line in out[-len(URIS):]]
    assert all(lazy == own for lazy, own, _ in results)
    assert [lazy for lazy, _, _ in results] == ["False", "False", "True", "False", "True"]
    assert all(same in ("True", "None") for _, _, same in results)


def test_a_structure_element_is_written_as_reportlabs_own_dictionary():
    """tagging.Element formats itself (faster) to the bytes ReportLab's PDFDictionary and PDFArray give for the
    same entries: 1 to 7 keys (a line break before the seventh), 0 to 25 kids (one before the 11th and 21st),
    names, numbers, references, text strings, nested dictionaries."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFDocument, PDFName, PDFObjectReference

    from clinic_handout.tagging import Element, text_string

    document = PDFDocument()
    refs = [document.Reference(PDFDictionary({"N": n})) for n in range(30)]  # numbered as they are registered
    assert all(isinstance(ref, PDFObjectReference) for ref in refs)
    entries = {"S": PDFName("TH"), "P": refs[3], "Pg": refs[4], "Alt": text_string("右の太もも 𠮷"),
               "ActualText": text_string("股（また）"), "A": PDFDictionary({"O": PDFName("Table"), "ColSpan": 3})}
    for count in range(1, len(entries) + 2):
        for kids in ([], [7], list(range(11)), [*refs[:12], 5, PDFDictionary({"MCID": 2, "Pg": refs[1]}), *range(11)]):
            chosen = dict(list(entries.items())[:count - 1])
            chosen["K"] = kids[0] if len(kids) == 1 else kids
            own = dict(chosen, K=PDFArray(kids) if isinstance(chosen["K"], list) else chosen["K"])
            assert Element(chosen).format(document) == PDFDictionary(own).format(document)
    written = Element({"S": PDFName("P"), "P": refs[0], "K": [1, 2]}).format(document)
    assert written == b"<<\n/K [ 1 2 ] /P 2 0 R /S /P\n>>"


def test_the_history_finds_the_page_tree_as_the_pattern_does_over_the_whole_file():
    """history._page_trees is REPORTLAB_PAGE_TREE.findall(pdf) (the pattern's own answer over the whole file is
    the oracle) without scanning the whole file: one tree, a tree with 600 kids, a "]" just before the tree,
    a "]" inside its kids (no tree), two trees, the tree's end alone, nothing."""
    from clinic_handout.history import REPORTLAB_PAGE_TREE, _page_trees

    def tree(number: int, kids: int) -> bytes:
        refs = " ".join(f"{3 + i} 0 R" for i in range(kids))
        return f"{number} 0 obj\n<<\n/Count {kids} /Kids [ {refs} ] /Type /Pages\n>>\nendobj\n".encode()

    stream = bytes(range(256)) * 40  # binary data with digits and "]" in it, as a compressed page has
    cases = {
        "one": stream + tree(2, 2) + stream, "600 kids": stream + tree(2, 600), "] before": stream + b"]" + tree(12, 3),
        "] in kids": tree(2, 2).replace(b"3 0 R", b"3 ]0 R"), "two": tree(2, 2) + stream + tree(9, 1),
        "end alone": stream + b"] /Type /Pages\n>>\nendobj\n", "nothing": stream,
    }
    expected = {"one": [b"2"], "600 kids": [b"600"], "] before": [b"3"], "] in kids": [], "two": [b"2", b"1"],
                "end alone": [], "nothing": []}
    assert {name: REPORTLAB_PAGE_TREE.findall(pdf) for name, pdf in cases.items()} == expected
    assert {name: _page_trees(pdf) for name, pdf in cases.items()} == expected


def test_a_build_pauses_the_cycle_collector_and_sets_it_back(run, monkeypatch):
    """`handout build` makes its one handout with Python's cycle collector paused (its passes over the modules,
    fonts and content it loads cost about 20 ms and find nothing), and sets it back as it was: a process that
    goes on (this one, the desk) keeps collecting; one that had it off keeps it off."""
    import gc

    from clinic_handout import app

    seen = []
    real = app.write_handout
    monkeypatch.setattr(app, "write_handout", lambda *args, **kwargs: seen.append(gc.isenabled()) or real(*args,
                                                                                                            **kwargs))
    prescription = str(REPO / "handouts" / "patients" / "yamada-hanako.yaml")
    assert gc.isenabled()
    assert run("build", prescription, "-o", "a.pdf").exit_code == 0
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        assert run("build", prescription, "-o", "b.pdf").exit_code == 0
        assert seen == [False, False] and not gc.isenabled()
    finally:
        gc.enable()
    assert run("build", str(REPO / "no-such.yaml")).exit_code != 0 and gc.isenabled()
    assert gc.get_freeze_count() == 0  # cli.main freezes at its end; a command run here does not


def test_the_program_freezes_what_it_holds_before_it_ends(tmp_path):
    """`handout` (cli.main) freezes the objects it holds once its command is done (gc.freeze: Python's last
    collection at exit passes them by, about 40 ms of a cold build), after a build and after a failure alike;
    the PDF is whole. Running a command in a process that goes on (CliRunner, the desk) freezes nothing."""
    code = ("import atexit, gc, sys; from clinic_handout.cli import main\n"
            "atexit.register(lambda: print('FROZEN', gc.get_freeze_count() > 0))\n"
            "sys.argv = ['handout', *sys.argv[1:]]; main()")
    prescription = str(REPO / "handouts" / "patients" / "yamada-hanako.yaml")
    built = subprocess.run([sys.executable, "-c", code, "build", prescription, "-o", "x.pdf"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert built.returncode == 0 and built.stdout.splitlines()[-1] == "FROZEN True"
    assert (tmp_path / "x.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    failed = subprocess.run([sys.executable, "-c", code, "build", "no-such.yaml"], cwd=tmp_path, capture_output=True,
                            text=True)
    assert failed.returncode != 0 and failed.stdout.splitlines()[-1] == "FROZEN True"
