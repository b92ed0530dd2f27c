"""Tagged PDF (PDF/UA-1 as far as tools here check it): the structure a screen reader follows.

The structure tree is walked with pypdf; the text of each element comes from poppler's
`pdfinfo -struct-text`; `pdfua` (PyPI) and `qpdf --check` are checkers nobody here wrote.
"""
import datetime as dt
import io
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinic_handout.compose import compose
from clinic_handout.content import load_content
from clinic_handout.prescription import load_prescription
from clinic_handout.printfile import encrypt
from clinic_handout.render import render, render_gallery

from .conftest import RUBY_GROUP, SAMPLE

TODAY = dt.date(2026, 11, 25)
LEAVES = {"P", "H1", "H2", "H3", "Lbl", "LBody", "Figure", "RB", "RT"}  # RB/RT: a ruby group's base and reading


@pytest.fixture(scope="module")
def content():
    return load_content(SAMPLE)


def handout(content, tmp_path, text: str, large_print=False) -> Path:
    source = tmp_path / "p.yaml"
    source.write_text(text, encoding="utf-8")
    path = tmp_path / ("large.pdf" if large_print else "p.pdf")
    prescription = load_prescription(source, list(content.catalogue))
    path.write_bytes(render(compose(content, prescription, TODAY, large_print=large_print)))
    return path


SAMPLE_PRESCRIPTION = (SAMPLE / "patients" / "yamada-hanako.yaml").read_text(encoding="utf-8")
# The readings of the sample content's ruby groups that fit over their base (texts.yaml, stretches.yaml), written
# out: a handout for area both prints 股 (また) once; the others (梨状筋症候群, 股関節, 椎間板ヘルニア) are printed
# in brackets, as text
SAMPLE_READINGS = ["また"]
TICK_SHEET = SAMPLE_PRESCRIPTION.replace("area: both", "area: both\nchecklist_days: 31")  # over two pages


@pytest.fixture(scope="module")
def samples(content, tmp_path_factory):
    """Every kind of PDF the tool writes: handout, large print, tick-sheet (large: it runs over pages),
    the gallery. (The merged print file is not tagged: printfile.py says why.)"""
    paths = {"standard": handout(content, tmp_path_factory.mktemp("standard"), SAMPLE_PRESCRIPTION),
             "large": handout(content, tmp_path_factory.mktemp("large"), SAMPLE_PRESCRIPTION, large_print=True),
             "tick": handout(content, tmp_path_factory.mktemp("tick"), TICK_SHEET, large_print=True)}
    tmp = tmp_path_factory.mktemp("more")
    paths["gallery"] = tmp / "gallery.pdf"
    paths["gallery"].write_bytes(render_gallery(content))
    return paths


# -- reading the structure ------------------------------------------------------------------------

class Elem:
    def __init__(self, obj, parent=None):
        self.role = str(obj["/S"])[1:]
        self.alt = str(obj["/Alt"]) if "/Alt" in obj else None
        self.actual_text = str(obj["/ActualText"]) if "/ActualText" in obj else None
        self.attributes = {str(k): str(v) for k, v in obj.get("/A", {}).items()}
        self.parent = parent
        kids = obj.get("/K", [])
        kids = [k.get_object() for k in (kids if isinstance(kids, list) else [kids])]
        self.mcids = [k for k in kids if isinstance(k, int) or k.get("/Type") == "/MCR"]
        self.kids = [Elem(k, self) for k in kids if not isinstance(k, int) and k.get("/Type") != "/MCR"]

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()


def structure(path: Path) -> Elem:
    tree = PdfReader(str(path)).trailer["/Root"]["/StructTreeRoot"]
    kids = tree["/K"]
    (root,) = kids if isinstance(kids, list) else [kids]
    return Elem(root)


def struct_text(path: Path) -> str:
    """The text of the tagged content in tree order, as poppler reads it (whitespace removed)."""
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", "".join(re.findall(r'^\s*"(.*)"$', out, flags=re.M)))


def visible_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


# -- the tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["standard", "large", "tick", "gallery"])
def test_checkers_nobody_here_wrote_find_nothing(samples, kind):
    from pdfua import validate

    path = samples[kind]
    report = validate(str(path))
    assert [(f.rule_id, f.message) for f in report.findings] == []
    assert [(o.rule_id, o.skipped_reason) for o in report.skipped] == []  # every rule ran
    assert shutil.which("qpdf"), "qpdf is needed (Debian package qpdf; .ci/run installs it)"
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and "No syntax or stream encoding errors found" in check.stdout, check.stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)


@pytest.mark.parametrize("kind", ["standard", "large", "tick", "gallery"])
def test_document_says_it_is_tagged_japanese_pdf_ua(samples, kind):
    reader = PdfReader(str(samples[kind]))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] is True or catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert catalog["/Lang"] == "ja-JP"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    xmp = catalog["/Metadata"].get_data().decode("utf-8")
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp and 'xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"' in xmp
    for number, page in enumerate(reader.pages):
        assert page["/Tabs"] == "/S"
        assert page["/StructParents"] == number


def test_every_figure_says_what_it_shows(samples, content):
    root = structure(samples["standard"])
    alts = [e.alt for e in root.walk() if e.role == "Figure"]
    # The sample prescription: inner-thigh on the right, the others with no side, so done on both sides
    # (foot-sole: each foot); the clinic's QR code first. Default words: the stretch's name + をしている人の図,
    # then the side the picture is labelled with.
    assert alts == ["QRコード：https://example.com/",
                    "股関節の前のストレッチをしている人の図（左右）",
                    "太ももの内側のストレッチをしている人の図（右側）",
                    "お尻のストレッチをしている人の図（左右）",
                    "太ももの裏のストレッチをしている人の図（左右）",
                    "足の裏ほぐしをしている人の図（左右）"]
    gallery = [e.alt for e in structure(samples["gallery"]).walk() if e.role == "Figure"]
    assert len(gallery) == 2 * len(content.catalogue) and all(gallery)
    assert gallery[:2] == ["股関節の前のストレッチをしている人の図（右側）",
                           "股関節の前のストレッチをしている人の図（左側）"]


def test_catalogue_alt_replaces_the_default(content, tmp_path):
    from dataclasses import replace

    thigh = replace(content.catalogue["inner-thigh"], alt="いすにつかまり足を横に開いてひざを曲げる図")
    changed = replace(content, catalogue={**content.catalogue, "inner-thigh": thigh})
    source = tmp_path / "p.yaml"
    source.write_text(SAMPLE_PRESCRIPTION, encoding="utf-8")
    path = tmp_path / "alt.pdf"
    path.write_bytes(render(compose(changed, load_prescription(source, list(content.catalogue)), TODAY)))
    alts = [e.alt for e in structure(path).walk() if e.role == "Figure"]
    assert alts[2] == "いすにつかまり足を横に開いてひざを曲げる図（右側）"


@pytest.mark.parametrize("kind", ["standard", "tick", "gallery"])
def test_tables_rows_cells_and_their_headers(samples, kind):
    tables = [e for e in structure(samples[kind]).walk() if e.role == "Table"]
    assert tables
    for table in tables:
        assert table.kids and {row.role for row in table.kids} == {"TR"}
        cells = [cell for row in table.kids for cell in row.kids]
        assert {cell.role for cell in cells} <= {"TH", "TD"}
        headers = [cell for cell in cells if cell.role == "TH"]
        assert headers, "every table has header cells"
        assert all(cell.attributes.get("/Scope") in ("/Row", "/Column") for cell in headers)
        widths = {len(row.kids) for row in table.kids}
        assert len(widths) == 1, "every row has as many cells"


def test_tick_sheet_header_row_is_tagged_once_though_printed_on_every_page(samples, content):
    reader = PdfReader(str(samples["tick"]))
    sheet_pages = [page for page in reader.pages if "記録表" in (page.extract_text() or "")
                   or "日付" in (page.extract_text() or "")]
    (sheet,) = [e for e in structure(samples["tick"]).walk() if e.role == "Table" and len(e.kids) > 2]
    assert len(sheet.kids) == 1 + 31  # the header row and a row a day
    assert [c.role for c in sheet.kids[0].kids] == ["TH"] * (len(content.default_selection("both")) + 2)
    assert all(row.kids[0].role == "TH" and row.kids[0].attributes["/Scope"] == "/Row" for row in sheet.kids[1:])
    printed = sum((page.extract_text() or "").count("日付") for page in sheet_pages)
    assert printed >= 2, "large print runs the sheet over two pages (else this test proves nothing)"
    assert struct_text(samples["tick"]).count("日付") == 1


def test_reading_order_is_the_order_a_person_reads_aloud(samples, content):
    root = structure(samples["standard"])
    roles = [e.role for e in root.walk() if e.role in ("H1", "H2", "H3")]
    assert roles[0] == "H1" and roles.count("H1") == 1
    text = struct_text(samples["standard"])
    texts = content.texts
    order = [texts.title, "山田花子様", texts.cause.heading, texts.cause.paragraphs[0].replace(" ", ""),
             texts.stretches_heading, texts.rules.heading]
    for stretch_id in ("hip-flexor", "inner-thigh", "buttock", "hamstring", "foot-sole"):
        stretch = content.catalogue[stretch_id]
        order += [stretch.title, stretch.steps[0].replace(" ", ""), stretch.steps[-1].replace(" ", "")]
    safety = texts.safety
    order += ["まずは1週間、続けてみましょう。", safety.heading, safety.items[0], safety.next_day,
              safety.urgent_heading, *safety.urgent, safety.soon_heading, *safety.soon]
    # a ruby group {base|reading} is a Ruby element: its base (RB), then its reading (RT)
    order = [RUBY_GROUP.sub(r"\1\2", words) for words in order]
    positions = [text.find(re.sub(r"\s+", "", words)) for words in order]
    assert -1 not in positions, [w for w, p in zip(order, positions, strict=True) if p == -1]
    assert positions == sorted(positions), "the safety notice after the stretches, the red flags column by column"
    # A step's number is its label, the text its body
    items = [e for e in root.walk() if e.role == "LI"]
    assert items and all([k.role for k in item.kids] == ["Lbl", "LBody"] for item in items)


def artifacts(content, pages) -> Counter:
    """What one handout prints outside its content: the footer on every page but the last (there it is
    the clinic's contact, read at the end), `n / total` on every page, and the tick-sheet's header row
    again on each further page the sheet runs onto."""
    clinic = content.clinic
    footer = (f"{clinic.name}電話{clinic.phone}{clinic.address}{clinic.hours_label}：{''.join(clinic.hours)}"
              f"{clinic.url or ''}{clinic.email or ''}")
    cards = [content.catalogue[i] for i in ("hip-flexor", "inner-thigh", "buttock", "hamstring", "foot-sole")]
    head = "日付" + "".join(f"{n}{c.title.removesuffix('のストレッチ')}" for n, c in enumerate(cards, 1))
    head += content.texts.checklist.pain_heading
    sheet_pages = sum("日付" in (page.extract_text() or "") for page in pages)
    printed = footer * (len(pages) - 1) + "".join(f"{n}/{len(pages)}" for n in range(1, len(pages) + 1))
    printed += head * max(0, sheet_pages - 1)
    return Counter(re.sub(r"\s+", "", printed))


@pytest.mark.parametrize("kind", ["standard", "large", "tick", "gallery"])
def test_every_printed_character_is_tagged_except_footer_and_page_numbers(samples, content, kind):
    """What pdftotext sees on the pages, less what poppler finds in the structure, is exactly the
    footer, the page numbers and a repeated table header: nothing printed is lost to a screen reader,
    and the footer is not read in the middle of the content."""
    path = samples[kind]
    parts = {"gallery": []}.get(kind, [kind])  # the gallery has no footer
    expected = sum((artifacts(content, PdfReader(str(samples[part])).pages) for part in parts), Counter())
    # the sample's readings are content (RT) but not copied text
    readings = Counter("".join(SAMPLE_READINGS) * len(parts))
    tagged = Counter(struct_text(path))
    assert tagged & readings == readings
    tagged -= readings
    assert Counter(visible_text(path)) - tagged == expected
    assert tagged - Counter(visible_text(path)) == Counter()


def test_structure_elements_hold_content_only_at_the_leaves(samples):
    for kind in ("standard", "gallery"):
        for e in structure(samples[kind]).walk():
            if e.mcids:
                assert e.role in LEAVES, e.role
            if e.role == "Figure":
                assert e.alt


def test_encrypted_handout_keeps_its_tags_and_lets_assistive_technology_read(samples):
    from pypdf.constants import UserAccessPermissions

    data = encrypt(samples["standard"].read_bytes(), "秘密のパスワード")
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    permissions = int(reader.trailer["/Encrypt"]["/P"])
    assert permissions & UserAccessPermissions.EXTRACT_TEXT_AND_GRAPHICS  # bit 10: extraction for accessibility
    reader.decrypt("秘密のパスワード")
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]


# Ruby groups: in a bulleted item (a stretch's note), in the middle of a line, at a line's end (groups side
# by side), before a forced line break.
RUBY = (SAMPLE_PRESCRIPTION.replace("note: 痛む右側だけ、少し長めに伸ばします",
                                    'note: "痛む{右側|みぎがわ}だけ、少し{長|なが}めに伸ばします"')
        .replace("note: まずは1週間、続けてみましょう。次回、感想を教えてください。",
                 'note: "まずは{腱|けん}と{足底|そくてい}をゆるめます。' + "{股|また}" * 30 + '{梨状筋|りじょうきん}"'))


@pytest.mark.parametrize("text", [TICK_SHEET, RUBY], ids=["tick-sheet", "ruby"])
def test_tagging_changes_nothing_that_is_drawn(content, tmp_path, monkeypatch, text):
    """The page contents of the tagged handout, less the marked-content operators, are the contents of the
    same handout drawn by ReportLab's own canvas with no tags."""
    from reportlab.pdfgen.canvas import Canvas

    from clinic_handout import render as render_module

    tagged = PdfReader(handout(content, tmp_path, text, large_print=True))
    monkeypatch.setattr(render_module, "TaggingCanvas", Canvas)  # ReportLab's own: no marks, no tree
    (tmp_path / "plain").mkdir()
    plain = PdfReader(handout(content, tmp_path / "plain", text, large_print=True))
    assert "/StructTreeRoot" not in plain.trailer["/Root"]
    marker = re.compile(rb"/\w+ <</MCID \d+>> BDC|/Artifact BMC|\bEMC\b")  # (ruby's copy-text Span stays)
    assert len(tagged.pages) == len(plain.pages)
    for with_tags, without in zip(tagged.pages, plain.pages, strict=True):
        drawn = marker.sub(b"", with_tags.get_contents().get_data()).split()
        assert drawn == marker.sub(b"", without.get_contents().get_data()).split()
    if text is RUBY:  # the bases are marked inside their text objects, and sequences nest in BT .. ET
        data = b"".join(page.get_contents().get_data() for page in tagged.pages)
        # the note's groups that fit (長, 腱 and 30 股; 右側, 足底 and 梨状筋 are bracketed) and the sample content's
        groups = 1 + 1 + 30 + len(SAMPLE_READINGS)
        assert data.count(b"/RB <<") == groups and data.count(b"/RT <<") == groups
        for line in data.splitlines():
            if line.startswith(b"BT"):
                depth = 0
                for op in re.findall(rb"\b(BDC|BMC|EMC)\b", line):
                    depth += 1 if op != b"EMC" else -1
                    assert depth >= 0
                assert depth == 0, "a marked-content sequence runs out of a text object"


def test_a_list_items_label_is_its_bullet(samples, content):
    out = subprocess.run(["pdfinfo", "-struct-text", str(samples["standard"])], capture_output=True, text=True,
                         check=True).stdout
    labels = re.findall(r'^\s*Lbl.*\n\s*"(.*)"$', out, flags=re.M)
    bodies = re.findall(r'^\s*LBody.*\n\s*"(.*)"$', out, flags=re.M)
    rules = content.texts.rules.items
    assert labels[:len(rules)] == [f"{i}." for i in range(1, len(rules) + 1)]
    assert [re.sub(r"\s+", "", b) for b in bodies[:len(rules)]] == [re.sub(r"\s+", "", r) for r in rules]
    assert {"※", "★", "●", "■"} <= set(labels)
    assert all(re.fullmatch(r"\d+\.|[※★●■]", label) for label in labels)


@pytest.mark.parametrize("kind", ["standard"])
def test_header_lines_of_one_paragraph_are_read_apart(samples, kind):
    """The practitioner and the next visit are one paragraph of two lines: run together, 田中 健 and 次回
    would read as 健次回; the element says them with a full-width space between."""
    header = [e for e in structure(samples[kind]).walk() if e.actual_text]
    assert header[0].actual_text == "担当：田中 健　次回のご来院：12月2日（水）"


@pytest.mark.parametrize("kind", ["standard", "large", "tick"])
def test_clinic_contact_is_read_once_per_handout_after_the_safety_notice(samples, content, kind):
    """The phone number and address are printed only in the footer: a screen reader hears them once per
    handout, last, after the safety notice (and the tick-sheet), from the handout's last page; the page
    numbers are never read."""
    clinic = content.clinic
    assert clinic.phone == "03-0000-0000"  # the sample's, so the searches below find something real
    path = samples[kind]
    parts = [kind]
    text = struct_text(path)
    phone, address = (re.sub(r"\s+", "", words) for words in (clinic.phone, clinic.address))
    assert text.count(phone) == text.count(address) == len(parts)
    ends = [m.end() for m in re.finditer(re.escape(re.sub(r"\s+", "", content.texts.safety.heading)), text)]
    starts = [m.start() for m in re.finditer(re.escape(content.texts.title), text)] + [len(text)]
    assert len(ends) == len(parts) and len(starts) == len(parts) + 1
    for n, (at_phone, at_address) in enumerate(zip((m.start() for m in re.finditer(phone, text)),
                                                   (m.start() for m in re.finditer(re.escape(address), text)),
                                                   strict=True)):
        assert ends[n] < at_phone < starts[n + 1] and ends[n] < at_address < starts[n + 1]
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    assert not re.search(r'"\s*\d+\s*/\s*\d+\s*"', out), "a page number is read"

    # The element: the last of each handout, a P on that handout's last page, with pauses between the items.
    reader = PdfReader(str(path))
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    raw = reader.trailer["/Root"]["/StructTreeRoot"]["/K"]
    document = (raw[0] if isinstance(raw, list) else raw).get_object()
    handouts = [document]
    first = 0
    for handout_elem, part in zip(handouts, parts, strict=True):
        count = len(PdfReader(str(samples[part])).pages)
        last = handout_elem["/K"][-1].get_object()
        assert last["/S"] == "/P"
        assert pages[last.raw_get("/Pg").idnum] == first + count - 1
        assert str(last["/ActualText"]) == (
            "サンプル接骨院　電話 03-0000-0000　" + clinic.address + "　" + clinic.hours_label + "："
            + "　".join(clinic.hours) + "　https://example.com/　info@example.com")
        first += count


def test_a_tagged_flowable_keeps_the_space_around_what_it_wraps():
    """Tagged answers the space before and after of the flowable it wraps (its own methods, not Flowable's
    asking each attribute through __getattr__): a paragraph's style's, a table's own, none."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Flowable, Table

    from clinic_handout import fonts
    from clinic_handout.tagging import Node
    from clinic_handout.typeset import JapaneseParagraph

    style = ParagraphStyle("s", fontName=fonts.primary().pdf_name, spaceBefore=6, spaceAfter=3, wordWrap="CJK")
    flowables = [JapaneseParagraph("本文", style), Table([["表"]], spaceBefore=5, spaceAfter=2), Flowable()]
    assert [(f.getSpaceBefore(), f.getSpaceAfter()) for f in flowables] == [(6, 3), (5, 2), (0, 0)]
    for flowable in flowables:
        tagged = Node("P").mark(flowable)
        assert (tagged.getSpaceBefore(), tagged.getSpaceAfter()) == (flowable.getSpaceBefore(),
                                                                        flowable.getSpaceAfter())
