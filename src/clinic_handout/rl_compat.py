"""The one module that touches ReportLab's private names or replaces its functions.

Everything here leans on how a ReportLab version works inside, so it is checked against the versions
the tests run on (4.3.0, the oldest pyproject.toml allows, and the newest 5.x): importing this module
with any other ReportLab fails at once with a message, rather than making subtly wrong PDFs.

What we need from ReportLab's inside, and why:
- the paragraph module's URL pattern, compiled on first use instead of on import (27 ms of a cold build);
- the Paragraph line breaker's bullet width (`_handleBulletWidth`), so our Japanese breaker lays out
  a bulleted paragraph as ReportLab's own would, and whether a paragraph is the second half of a
  split (`_splitpara`) (typeset.py);
- where a text line is being set (`canvas._curr_tx_info`): the only way an <onDraw> callback learns
  the position of a ruby base (typeset.py);
- the operators of a page and of a text object (`canvas._code`, `textobject._code`), where the tagged
  PDF's marked content goes (tagging.py), and a text object's font, character spacing and text output
  (`_fontname`, `_fontsize`, `_setFont`, `_charSpace`, `_textOut`), where a ruby base is spaced out
  under a longer reading (typeset.py);
- renderPDF's renderer class, the canvas it draws on and whether a transparency is set: the figures'
  operators are cached and written straight into the page (pictures.py);
- the PDFDocument a canvas writes into (`canvas._doc`), its pages, and which entries a page's dictionary
  gets (`PDFPage.__NoDefault__`): the structure tree is written by ReportLab with the file (tagging.py);
- starting a new page without showing the held one (`canvas._startPage`): the page-count canvas
  (render.py);
- the page just shown (`canvas._doc.Pages`), whose content is compressed at once: the print file
  keeps hundreds of pages until it is written (printfile.py);
- the frame's current height (`frame._y`): the room left under the last block on a page (render.py);
- a Table's row heights and its long-table flag (`_rowHeights`, `_longTableOptimize`): whether a table laid
  out at a width lays out the same at another height (render.Grid);
- how many font-family mappings there are (`lib.fonts._tt2ps_map`): a key of the parsed paragraphs kept
  per process (typeset.py);
- a parsed font's bytes and fields (`face._ttf_data`, `face.__dict__`, `_pdfScale`), and building a
  TTFont around an already parsed face: the parsed-font cache (fonts.py);
- the glyph tables of a face (`charToGlyph`, `glyphToChar`, `charWidths`, `hmetrics`): the private-use
  stand-ins that draw variation sequences and U+3000 (fonts.py);
- the face's `get_table`, replaced on our faces so that subsetting reads slices of the glyph table
  instead of copying all of it for every embedded subset (fonts.py);
- the face's `makeSubset` and `addSubsetObjects`, replaced on our faces, and the names ReportLab gives a
  subset's streams in the document (`idToObject`, "toUnicodeCMap:" + the subset's font name): the last
  font programs kept, and their streams deflated once (subsets_kept); the font's `addObjects`, replaced on our
  fonts, its per-document `state` and the name ReportLab gives each subset's font dictionary: the /Widths
  formatted once (widths_kept);
- the table of registered fonts (`pdfmetrics._fonts`): our font names drawn with our fonts, even when another
  program in the process registered the same font file first (register_font);
- the ToUnicode writer (`ttfonts.makeToUnicodeCMap`), replaced by one that writes UTF-16 (surrogate
  pairs, sequences), and base-85 stream encoding (`rl_config.useA85`), turned off: `install()`, called
  when a PDF is made, never when content is only validated.
"""
from __future__ import annotations

import re
import sys
from collections import OrderedDict

import reportlab
from reportlab import rl_config
from reportlab.pdfbase import ttfonts

from .errors import HandoutError

OLDEST = (4, 3, 0)  # keep equal to the lower bound in pyproject.toml (CI runs the tests on it)
NEWEST_MAJOR = 5  # the newest major version the tests run on


def version_tuple(version: str) -> tuple[int, ...]:
    """"4.3.0" → (4, 3, 0); "5.1.0a1" → (5, 1, 0)."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def check_version(version: str) -> None:
    """Refuses a ReportLab this module was not tested with."""
    found = version_tuple(version)
    if not (found >= OLDEST and found[:1] <= (NEWEST_MAJOR,)):
        raise HandoutError(
            f"ReportLab {version} は試していない版です。pip install 'reportlab>=4.3.0,<6' で入れ直してください "
            f"(ReportLab {version} is untested: this program works inside ReportLab, tested on "
            f"{'.'.join(map(str, OLDEST))} to {NEWEST_MAJOR}.x only; reinstall with pip install 'reportlab>=4.3.0,<6')")


check_version(reportlab.Version)


# -- installed when a PDF is made -----------------------------------------------------------------

def install(to_unicode_cmap) -> None:
    """Our ToUnicode writer in place of ReportLab's; streams compressed without base-85 text encoding
    (it only makes images and pages 25% bigger). Idempotent; affects this process's ReportLab."""
    ttfonts.makeToUnicodeCMap = to_unicode_cmap
    rl_config.useA85 = 0


# -- paragraphs and text ------------------------------------------------------------------------

URI_PATTERN_START = "(^(?:[a-z0-9\\.\\-\\+]*)://)"  # paragraph.uri_pat, on 4.3 to 5.1


class LazyPattern:
    """A regular expression compiled when it is first used (an attribute asked for), as re.compile would."""

    def __init__(self, pattern: str, flags: int):
        self.pattern_args = (pattern, flags)
        self.compiled: re.Pattern | None = None

    def __getattr__(self, name):
        if self.compiled is None:
            self.compiled = re.compile(*self.pattern_args)
        return getattr(self.compiled, name)


def import_platypus() -> None:
    """Imports ReportLab's paragraph module with its URL pattern (`uri_pat`) compiled on first use, not on
    import: it has Unicode ranges and takes about 27 ms to compile, a tenth of a cold `handout build`,
    and is used only to break long URLs (a style's uriWasteReduce, which none of ours sets). Does nothing
    when the module is already imported."""
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    compile_now = re.compile

    def compile_url_pattern_later(pattern, flags=0):
        if isinstance(pattern, str) and pattern.startswith(URI_PATTERN_START):
            return LazyPattern(pattern, flags)
        return compile_now(pattern, flags)

    re.compile = compile_url_pattern_later  # for this import only
    try:
        import reportlab.platypus.paragraph  # noqa: F401
    finally:
        re.compile = compile_now

def handle_bullet_width(bullet_text, style, max_widths) -> None:
    """ReportLab's own narrowing of the first line's width for a bullet (on the caller's list)."""
    # platypus: imported only when paragraphs are laid out
    from reportlab.platypus.paragraph import _handleBulletWidth  # type: ignore[attr-defined]

    _handleBulletWidth(bullet_text, style, max_widths)


def second_half(paragraph) -> bool:
    """The paragraph is the second part of one ReportLab split across frames (it keeps its lines)."""
    return bool(getattr(paragraph, "_splitpara", 0))


def text_line_state(canvas) -> dict:
    """While ReportLab sets a paragraph's line: {"tx": the text object, "cur_x", "cur_y", ...}."""
    return canvas._curr_tx_info


def set_named_callback(canvas, name: str, callback) -> None:
    """An <onDraw> callback where this ReportLab looks for it: newer ones ask canvas.getNamedCB,
    4.3 (the oldest we allow) looks the name up as an attribute of the canvas."""
    if hasattr(canvas, "setNamedCB"):
        canvas.setNamedCB(name, callback)
    else:
        setattr(canvas, name, callback)


# -- pages --------------------------------------------------------------------------------------

def page_code(canvas) -> list[str]:
    """The operators of the page being drawn, as a list the caller may change in place."""
    return canvas._code


def text_code(textobject) -> list[str]:
    """The operators of a text object (BT ... ET), as a list the caller may change in place."""
    return textobject._code


def text_font(textobject) -> tuple[str, float]:
    """The text object's current font name and size."""
    return textobject._fontname, textobject._fontsize


def set_text_font(textobject, name: str, size: float) -> None:
    """Sets the font inside a text object already being written (Tf), as its own setFont does."""
    textobject._setFont(name, size)


def text_out(textobject, text: str) -> None:
    """Writes text at the current point of a text object, without a line break."""
    textobject._textOut(text)


def set_char_space(textobject, space: float) -> None:
    """Records the character spacing (Tc) the caller has just written into the text object's operators."""
    textobject._charSpace = space


def pdf_renderer_class() -> type:
    """renderPDF's renderer, to subclass (pictures.py draws cached operators for keyed figure groups)."""
    from reportlab.graphics.renderPDF import _PDFRenderer

    return _PDFRenderer


def renderer_canvas(renderer):
    """The canvas a renderPDF renderer is drawing on."""
    return renderer._canvas


def transparency_set(canvas) -> bool:
    """A transparency (an ExtGState) is in force on canvas: its operators name a resource of this PDF."""
    return bool(getattr(canvas._extgstate, "_d", None))


def start_page(canvas) -> None:
    """A fresh page on canvas without writing the current one (its state was kept by the caller)."""
    canvas._startPage()


def pdf_document(canvas):
    """The PDFDocument a canvas writes into: its catalog, pages and objects (the structure tree, tagging.py)."""
    return canvas._doc


def document_pages(document) -> list:
    """The PDFPage objects of a PDFDocument, in order (every page shown so far)."""
    return document.Pages.pages


def set_page_entries(page, **entries) -> None:
    """Adds entries to a PDFPage's dictionary (/StructParents, /Tabs): ReportLab writes only the entries its
    PDFPage class lists in __NoDefault__, so this page's list is extended."""
    names = list(type(page).__NoDefault__) if "__NoDefault__" not in vars(page) else page.__NoDefault__
    page.__NoDefault__ = names + [name for name in entries if name not in names]
    for name, value in entries.items():
        setattr(page, name, value)


def frame_top(doc) -> float:
    """The height the current frame has filled down to: the room left on the page is this less the bottom."""
    return doc.frame._y


# -- fonts --------------------------------------------------------------------------------------

def face_bytes(face) -> bytes:
    """The font file a TTFontFace was parsed from."""
    return face._ttf_data


def face_fields(face, file_bytes: bytes) -> dict:
    """A parsed TTFontFace's fields as plain data (for marshal), without its scale function, and without
    the font's bytes when they are the file's (file_bytes): read from the font, not from the cache."""
    return {k: v for k, v in face.__dict__.items()
            if k != "_pdfScale" and not (k == "_ttf_data" and v == file_bytes)}


def face_from_fields(fields: dict, file_bytes: bytes):
    """A TTFontFace from face_fields' data and the font file's bytes, without parsing the font again."""
    face = ttfonts.TTFontFace.__new__(ttfonts.TTFontFace)
    face.__dict__.update({"_ttf_data": file_bytes, **fields})
    ratio = 1000 / face.unitsPerEm
    face._pdfScale = (lambda x: x) if ratio == 1 else (lambda x: x * ratio)  # type: ignore[attr-defined]
    return face


def ttfont_with_face(name: str, path, face):
    """TTFont's own __init__, on every ReportLab version, with the parsed face handed in instead of
    parsed again (copying what __init__ sets broke every second build on ReportLab 4.2 and 4.3)."""
    parse = ttfonts.TTFontFace
    setattr(ttfonts, "TTFontFace", lambda *args, **kwargs: face)  # noqa: B010 (a class replaced for a moment)
    try:
        return ttfonts.TTFont(name, str(path))
    finally:
        setattr(ttfonts, "TTFontFace", parse)  # noqa: B010


class TableSlices:
    """A font table that hands out slices of the font's bytes, never a copy of the whole table."""

    __slots__ = ("data", "start", "length")

    def __init__(self, data: bytes, start: int, length: int):
        self.data, self.start, self.length = data, start, length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: slice) -> bytes:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("a font table is read in contiguous slices")
        start, stop, _ = index.indices(self.length)
        return bytes(self.data[self.start + start:self.start + max(start, stop)])


def glyphs_by_slices(face) -> None:
    """ReportLab's makeSubset copies the whole glyph table for every subset it embeds (4 MB for BIZ UD
    Gothic, 40 MB for IPAmj Mincho: a rare-name handout cost 60 ms instead of 34) and then reads only the
    subset's glyphs from it: this face hands it TableSlices instead, the same bytes for every slice."""
    table_of = type(face).get_table

    def get_table(tag):
        if tag == "glyf":
            return TableSlices(face._ttf_data, *face.get_table_pos(tag))
        return table_of(face, tag)

    face.get_table = get_table  # on this face only, after its fields went to the cache (fonts.load_ttfont)


SUBSETS_KEPT = 8  # a face's last subsets (one to three a handout: up to about 100 KB each, with its deflated bytes)
DEFLATED_KEPT = 32  # streams of those subsets (programs and ToUnicode maps) kept deflated


class KeptSubsets:
    """A face's last SUBSETS_KEPT font programs (`makeSubset`), by the subset's codes in order. A font
    program is a function of the face and those codes only: the glyph each code draws never changes once
    the face has it (fonts.py's add_glyph only adds codes the face lacked), and nothing else is read."""

    def __init__(self, face):
        self.face = face
        self.programs: OrderedDict[tuple[int, ...], bytes] = OrderedDict()

    def make(self, subset) -> bytes:
        key = tuple(subset)
        program = self.programs.get(key)
        if program is None:
            program = type(self.face).makeSubset(self.face, subset)
            self.programs[key] = program
            if len(self.programs) > SUBSETS_KEPT:
                self.programs.popitem(last=False)
        else:
            self.programs.move_to_end(key)
        return program


_DEFLATED: OrderedDict[bytes | str, bytes] = OrderedDict()  # a stream's content -> zlib.compress of it


class KeptDeflate:
    """ReportLab's FlateDecode filter (pdfdoc.PDFZCompress: zlib.compress of the content, UTF-8 for text),
    remembering the last DEFLATED_KEPT results by the content itself: set on the streams of a font subset,
    which are the same bytes in every handout of the same prescription (the regular face's), or in every
    pass of one handout laid out again (render.HandoutTemplate.build)."""

    pdfname = "FlateDecode"

    def encode(self, content) -> bytes:
        key = content  # the content itself (a kept program: the same bytes object, its hash known)
        deflated = _DEFLATED.get(key)
        if deflated is None:
            import zlib

            deflated = zlib.compress(content.encode("utf8") if isinstance(content, str) else content)
            _DEFLATED[key] = deflated
            if len(_DEFLATED) > DEFLATED_KEPT:
                _DEFLATED.popitem(last=False)
        else:
            _DEFLATED.move_to_end(key)
        return deflated

    def decode(self, encoded: bytes) -> bytes:
        import zlib

        return zlib.decompress(encoded)


KEPT_DEFLATE = KeptDeflate()


def subsets_kept(face) -> None:
    """A font subset costs ReportLab about 1.9 ms for 256 glyphs of BIZ UD Gothic: the program made
    (`makeSubset`) and deflated when the file is written, with its ToUnicode map. Every handout of a
    prescription embeds the same regular-face subsets (only the bold face has the patient's name), and a
    handout laid out again embeds the same ones again: this face keeps its last programs (KeptSubsets) and
    the deflated bytes of its subsets' streams (KeptDeflate). The bytes written are ReportLab's own."""
    from reportlab.pdfbase import pdfdoc

    kept = KeptSubsets(face)
    add_subset_objects = type(face).addSubsetObjects

    def addSubsetObjects(doc, fontname, subset):
        descriptor = add_subset_objects(face, doc, fontname, subset)  # its makeSubset: kept.make
        # (an encrypting document encrypts what a filter gives, as ever: PDFStream.format)
        program = doc.idToObject[doc.idToObject[descriptor.name].dict["FontFile2"].name]
        cmap = doc.idToObject.get("toUnicodeCMap:" + fontname)  # made just before, by TTFont.addObjects
        for stream in (program, cmap):
            if stream is not None and stream.filters == [pdfdoc.PDFZCompress]:
                stream.filters = [KEPT_DEFLATE]
        return descriptor

    face.makeSubset = kept.make  # on this face only, as get_table (glyphs_by_slices)
    face.addSubsetObjects = addSubsetObjects


WIDTHS_KEPT = 32
_WIDTHS: OrderedDict[tuple, bytes] = OrderedDict()  # (a subset's widths, ReportLab's line setting) -> formatted


class KeptWidths:
    """A subset's /Widths array, formatted as ReportLab's PDFArray formats it (numbers only: nothing of the
    document), the last WIDTHS_KEPT kept by its numbers: about 0.3 ms for 256 of them."""

    def __init__(self, array):
        self.array = array

    def format(self, document) -> bytes:
        from reportlab.pdfbase import pdfdoc

        key = (tuple(self.array.sequence), rl_config.pdfMultiLine)
        formatted = _WIDTHS.get(key)
        if formatted is None:
            formatted = _WIDTHS[key] = pdfdoc.format(self.array, document)
            if len(_WIDTHS) > WIDTHS_KEPT:
                _WIDTHS.popitem(last=False)
        else:
            _WIDTHS.move_to_end(key)
        return formatted


def widths_kept(font) -> None:
    """The /Widths of this font's subsets formatted once (KeptWidths), as subsets_kept keeps its programs."""
    from reportlab.pdfbase import pdfdoc

    add_objects = type(font).addObjects

    class Widths(KeptWidths, pdfdoc.PDFObject):
        pass

    def addObjects(doc):
        state = font.state[doc]  # (ReportLab forgets it at the end)
        add_objects(font, doc)
        for number in range(len(state.subsets)):
            pdf_font = doc.idToObject[f"{state.internalName}+{number}"]  # ReportLab's PDFTrueTypeFont, its name
            pdf_font.Widths = Widths(pdf_font.Widths)

    font.addObjects = addObjects  # on this font only


def register_font(font) -> None:
    """pdfmetrics.registerFont(font), and its name drawn with this very font. ReportLab gives a new name the
    font registered first for the same face (the font file's PostScript name) when there is one: after another
    program in this process registered BIZ UD Gothic under its own name (benchmarks/floor.py's "Gothic"), our
    text was drawn with that program's font, without our stand-ins (a box for 葛󠄀) or subset caches."""
    from reportlab.pdfbase import pdfmetrics

    pdfmetrics.registerFont(font)
    if pdfmetrics.getFont(font.fontName) is not font:
        pdfmetrics._fonts[font.fontName] = font  # type: ignore[attr-defined]


def add_glyph(face, code: int, glyph: int) -> None:
    """Makes code draw glyph in face (a private-use stand-in), with the glyph's own width."""
    face.charToGlyph[code] = glyph
    face.glyphToChar.setdefault(glyph, []).append(code)
    face.charWidths[code] = face.hmetrics[glyph][0] * 1000 / face.unitsPerEm


def compress_page(canvas) -> None:
    """Compresses the content of the page canvas has just shown, now rather than when the file is written:
    a print file keeps hundreds of pages until then (printfile.py). The bytes written are ReportLab's own:
    its page stream, deflated as its FlateDecode filter does, with the /Filter it would write."""
    import zlib

    from reportlab.pdfbase import pdfdoc

    page = canvas._doc.Pages.pages[-1]
    stream = page.stream
    if page.Contents or not stream or not page.compression or rl_config.useA85:
        return
    data = stream.encode("utf8") if isinstance(stream, str) else stream
    contents = pdfdoc.PDFStream(content=zlib.compress(data))
    contents.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
    setattr(contents, "__Comment__", "page stream")  # noqa: B010 (as ReportLab marks its own; no mypy stub)
    page.Contents, page.stream = contents, None


def same_table_height(table, available_height: float) -> bool:
    """Whether a Table wrapped before at the same width would lay out the same now at this height: its
    rows' heights depend on the height it is given only where ReportLab's long-table optimisation stops
    measuring rows once they pass it (`_calc_height`), so the same if every row but the last fits."""
    heights = table.__dict__.get("_rowHeights")
    if heights is None or None in heights:
        return False
    return not table._longTableOptimize or sum(heights[:-1]) <= available_height


def font_families() -> int:
    """How many font-family mappings ReportLab holds (`lib.fonts._tt2ps_map`): what <b> and <font face>
    resolve to in a paragraph's markup (a key of typeset.py's parsed paragraphs)."""
    from reportlab.lib import fonts as rl_fonts

    return len(rl_fonts._tt2ps_map)  # type: ignore[attr-defined]
