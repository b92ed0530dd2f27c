"""The fonts: bundled BIZ UD Gothic first, then the content folder's fallback chain, per character.

Fonts are registered with ReportLab on first use, never at import. Three things ReportLab gets wrong
are put right here (through rl_compat.py, the one module that works inside ReportLab):
- its ToUnicode map writes `<20BB7>` for characters outside the BMP; ours writes UTF-16BE with
  surrogate pairs (`<D842DFB7>`), so 𠮷 copies out as 𠮷;
- it never reads cmap format 14, so a variation sequence (葛󠄀 = U+845B U+E0100) draws a box; we map
  each sequence to the font's variant glyph (or the base glyph) through a private-use code point
  whose ToUnicode entry is the sequence as typed;
- it draws a missing character as .notdef silently; GlyphCheck reports it before layout;
- its paragraphs turn the ideographic space U+3000 (山田　花子) into an ASCII space; it is drawn
  through a private-use stand-in too, so it prints and copies out as typed.
"""
from __future__ import annotations

import contextlib
import marshal
import os
import struct
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path

from .errors import Problem
from .one_pdf import DRAWING
from .resources import fonts_dir

REGULAR = "BIZUDGothic"
BOLD = "BIZUDGothic-Bold"
PRIMARY_NAME = "BIZ UD Gothic"
MISSING_MARK = "〓"  # the geta mark: what --allow-missing-glyphs prints for a character no font has


def is_selector(ch: str) -> bool:
    """A variation selector: VS1-16 (U+FE00-FE0F) or VS17-256 (U+E0100-E01EF)."""
    code = ord(ch)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


@dataclass(frozen=True)
class FallbackFont:
    """A font of the content folder's chain (fonts.yaml), looked for only when a character needs it."""

    name: str
    file: str  # a path, or a file name looked for in the content folder and the computer's font folders
    bold_file: str | None = None
    install: str | None = None  # how to get it, said when it is needed and missing
    folder: Path | None = None  # the content folder


KEEP_AS_TYPED = "\u3000"  # characters ReportLab's paragraphs would change, drawn through stand-ins

# -- private-use code points standing for sequences and kept characters, shared by every font --
_SEQUENCE_CODES: dict[str, int] = {}
_SEQUENCE_TEXT: dict[int, str] = {}


def _sequence_code(sequence: str) -> int:
    if sequence not in _SEQUENCE_CODES:
        code = 0xF0000 + len(_SEQUENCE_CODES)  # plane 15: nobody types these
        _SEQUENCE_CODES[sequence] = code
        _SEQUENCE_TEXT[code] = sequence
    return _SEQUENCE_CODES[sequence]


def as_typed(drawn: str) -> str:
    """Text as it copies out of the PDF: each stand-in back to what was typed."""
    return "".join(_SEQUENCE_TEXT.get(ord(ch), ch) for ch in drawn)


_CMAPS: OrderedDict[tuple[str, tuple[int, ...]], str] = OrderedDict()  # the last maps used (as rl_compat.subsets_kept)
CMAPS_KEPT = 32


def to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """A ToUnicode CMap in UTF-16BE (surrogate pairs; sequences for variation sequences).

    Replaces reportlab.pdfbase.ttfonts.makeToUnicodeCMap, which writes `<%04X>` of the code point. Kept by the
    subset's name and codes (a stand-in's sequence is known before any subset can hold its code): every
    handout of a prescription embeds the same regular-face subsets.
    """
    key = (fontname, tuple(subset))
    kept = _CMAPS.get(key)
    if kept is None:
        kept = _CMAPS[key] = _cmap(fontname, subset)
        if len(_CMAPS) > CMAPS_KEPT:
            _CMAPS.popitem(last=False)
    else:
        _CMAPS.move_to_end(key)
    return kept


def _cmap(fontname: str, subset: list[int]) -> str:
    entries = [f"<{i:02X}> <{_SEQUENCE_TEXT.get(code, chr(code)).encode('utf-16-be').hex().upper()}>"
               for i, code in enumerate(subset)]
    blocks = []
    for start in range(0, len(entries), 100):  # the PDF reference allows 100 entries per block
        chunk = entries[start:start + 100]
        blocks += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        f"/CIDSystemInfo << /Registry ({fontname}) /Ordering ({fontname}) /Supplement 0 >> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def",
        "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
        *blocks, "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ])


def variation_sequences(face) -> dict[tuple[int, int], int | None]:
    """(base, selector) → glyph id from a ReportLab TTFontFace's cmap format 14; None: the base glyph."""
    from .rl_compat import face_bytes

    data = face_bytes(face)
    offset, _ = face.get_table_pos("cmap")
    (count,) = struct.unpack_from(">H", data, offset + 2)
    for i in range(count):
        platform, encoding, sub = struct.unpack_from(">HHI", data, offset + 4 + 8 * i)
        if platform == 0 and encoding == 5:
            break
    else:
        return {}
    table = offset + sub
    if struct.unpack_from(">H", data, table)[0] != 14:
        return {}
    (records,) = struct.unpack_from(">I", data, table + 6)
    sequences: dict[tuple[int, int], int | None] = {}
    for r in range(records):
        at = table + 10 + 11 * r
        selector = int.from_bytes(data[at:at + 3], "big")
        default_at, non_default_at = struct.unpack_from(">II", data, at + 3)
        if default_at:
            (ranges,) = struct.unpack_from(">I", data, table + default_at)
            for k in range(ranges):
                at_range = table + default_at + 4 + 4 * k
                start, extra = int.from_bytes(data[at_range:at_range + 3], "big"), data[at_range + 3]
                for base in range(start, start + extra + 1):
                    sequences[(base, selector)] = None
        if non_default_at:
            (mappings,) = struct.unpack_from(">I", data, table + non_default_at)
            for k in range(mappings):
                at_map = table + non_default_at + 4 + 5 * k
                base = int.from_bytes(data[at_map:at_map + 3], "big")
                sequences[(base, selector)] = struct.unpack_from(">H", data, at_map + 3)[0]
    return sequences


def font_cache_dir() -> Path | None:
    """Where parsed fonts are kept between runs: $HANDOUT_FONT_CACHE, else the fonts folder of the program's
    cache folder (cache.py: $HANDOUT_CACHE, else the user's cache folder); none if either says off."""
    from .cache import OFF, cache_root

    setting = os.environ.get("HANDOUT_FONT_CACHE", "").strip()
    if setting.lower() in OFF:
        return None
    if setting:
        return Path(setting)
    root = cache_root()
    return None if root is None else root / "fonts"


CACHE_VERSION = 3  # 3: the font file's bytes are not in it (read from the font)
CACHE_FORMAT = b"clinic-handout font cache %d\n" % CACHE_VERSION
CACHE_MAX_FILES = 8  # two faces x a few ReportLab or font versions side by side
CACHE_MAX_BYTES = 64 * 1024 * 1024  # a parsed face is about 5 MB


def _cache_key(path: Path, data: bytes | None = None) -> str:
    """What a cached face belongs to: the font's own bytes (data, else read from path; not its name,
    size or time), the ReportLab version that parsed it, the Python whose marshal wrote it, and the
    cache's format."""
    import hashlib

    from reportlab import Version

    digest = hashlib.sha256(path.read_bytes() if data is None else data).hexdigest()[:24]
    # The format is in the name too: two versions of this program sharing the folder keep a file each,
    # rather than each replacing the other's on every start.
    return (f"{path.stem}-{digest}-rl{Version}-py{sys.version_info[0]}{sys.version_info[1]}m{marshal.version}"
            f"-c{CACHE_VERSION}")


def _read_cached(cached: Path, key: str) -> dict | None:
    """The face's fields, only from a whole file this code wrote for this key; None otherwise."""
    from .cache import read_whole

    payload = read_whole(cached, CACHE_FORMAT + key.encode() + b"\n")
    if payload is None:
        return None
    try:
        fields = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    return fields if isinstance(fields, dict) and "unitsPerEm" in fields else None


def _write_cached(cached: Path, key: str, fields: dict) -> None:
    from .cache import write_whole

    write_whole(cached, CACHE_FORMAT + key.encode() + b"\n", marshal.dumps(fields))
    evict(cached.parent, keep=cached)


def evict(folder: Path, keep: Path | None = None) -> None:
    """Keeps the cache folder bounded: at most CACHE_MAX_FILES faces and CACHE_MAX_BYTES, the least
    recently used going first; leftovers of a crash after an hour (cache.evict)."""
    from . import cache

    cache.evict(folder, CACHE_MAX_FILES, CACHE_MAX_BYTES, keep)


_identities: dict[str, str] = {}


def identity(path: Path) -> str:
    """The font file's identity for a cached result that depends on its glyphs or widths (cache.py): a SHA-256
    of its bytes (the font cache's key when it read the file)."""
    import hashlib

    if str(path) not in _identities:
        _identities[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _identities[str(path)]


def load_ttfont(name: str, path: Path):
    """A ReportLab TTFont for path. Parsing a 4.6 MB font takes about 50 ms on every start; its parsed
    face is kept with marshal (plain data, no code) in the cache folder and read back in about 15 ms.

    The cache is keyed by the font's bytes, ReportLab's and Python's versions, and each file carries
    its key and a SHA-256 of its data: a stale, foreign, truncated or edited file is never used."""
    from reportlab.pdfbase import ttfonts

    from .rl_compat import face_fields, face_from_fields, ttfont_with_face

    folder = font_cache_dir()
    if folder is None:
        return ttfonts.TTFont(name, str(path))
    data = path.read_bytes()
    key = _cache_key(path, data)
    _identities[str(path)] = key  # the font's bytes: what a cached result drawn in it is keyed by (identity)
    cached = folder / f"{key}.marshal"
    fields = _read_cached(cached, key)
    if fields is not None:
        with contextlib.suppress(OSError):
            os.utime(cached)  # recently used: evicted last
        return ttfont_with_face(name, path, face_from_fields(fields, data))
    font = ttfonts.TTFont(name, str(path))
    with contextlib.suppress(OSError, ValueError):  # no cache then: the next start parses the font again
        _write_cached(cached, key, face_fields(font.face, data))
    return font


registrations = 0  # font families registered so far: what <b> and <font face> mean to ReportLab's parser (typeset.py)


class Face:
    """One font family of the chain, registered with ReportLab: regular, and bold where there is one."""

    def __init__(self, label: str, pdf_name: str, regular: Path, bold: Path | None):
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics

        from .rl_compat import glyphs_by_slices, register_font, subsets_kept, widths_kept

        self.label, self.pdf_name = label, pdf_name
        self.files = (regular, bold)
        self.bold_name = f"{pdf_name}-Bold" if bold else pdf_name
        self.fonts = [load_ttfont(pdf_name, regular)] + ([load_ttfont(self.bold_name, bold)] if bold else [])
        for font in self.fonts:
            glyphs_by_slices(font.face)
            subsets_kept(font.face)
            widths_kept(font)
            register_font(font)
        pdfmetrics.registerFontFamily(pdf_name, normal=pdf_name, bold=self.bold_name, italic=pdf_name,
                                      boldItalic=self.bold_name)
        addMapping(pdf_name, 0, 0, pdf_name)
        addMapping(pdf_name, 1, 0, self.bold_name)
        global registrations
        registrations += 1
        self.points = set.intersection(*(set(font.face.charToGlyph) for font in self.fonts))
        self._sequences: list[dict] | None = None

    def has(self, ch: str) -> bool:
        return ord(ch) in self.points

    def identity(self) -> str:
        """Its font files' identities (fonts.identity), for a cached result drawn in this face."""
        return " ".join(identity(path) for path in self.files if path is not None)

    def has_sequence(self, base: str, selector: str) -> bool:
        return all((ord(base), ord(selector)) in table for table in self._sequence_tables())

    def stand_in(self, base: str, selector: str = "") -> str:
        """A private-use character that draws base(+selector) in this font and copies out as typed:
        the variant glyph where the font has the sequence, else the base character's glyph."""
        from .rl_compat import add_glyph

        with DRAWING:  # the face's tables are read by a PDF being drawn (one_pdf.py)
            code = _sequence_code(base + selector)
            for font, table in zip(self.fonts, self._sequence_tables(), strict=True):
                face = font.face
                if code not in face.charToGlyph:
                    glyph = table.get((ord(base), ord(selector))) if selector else None
                    if glyph is None:
                        glyph = face.charToGlyph[ord(base)]
                    add_glyph(face, code, glyph)
        return chr(code)

    def _sequence_tables(self) -> list[dict]:
        if self._sequences is None:
            self._sequences = [variation_sequences(font.face) for font in self.fonts]
        return self._sequences


_PRIMARY: list[Face] = []  # made once in a process


def primary() -> Face:
    """BIZ UD Gothic, registered once (our ToUnicode writer is installed by rendering: render.py)."""
    if not _PRIMARY:
        with DRAWING:  # two threads asking at once must not make (and register) two faces
            if not _PRIMARY:
                _PRIMARY.append(Face(PRIMARY_NAME, REGULAR, fonts_dir() / "BIZUDGothic-Regular.ttf",
                                     fonts_dir() / "BIZUDGothic-Bold.ttf"))
    return _PRIMARY[0]


def font_folders(content_folder: Path | None) -> list[Path]:
    """Where fallback font files are looked for: the content folder, then the computer's font folders."""
    home = Path.home()
    folders = [content_folder, content_folder / "fonts"] if content_folder else []
    if sys.platform == "win32":
        folders += [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts",
                    Path(os.environ.get("LOCALAPPDATA", home)) / "Microsoft" / "Windows" / "Fonts"]
    elif sys.platform == "darwin":
        folders += [home / "Library" / "Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    else:
        folders += [home / ".local" / "share" / "fonts", home / ".fonts", Path("/usr/local/share/fonts"),
                    Path("/usr/share/fonts")]
    return [folder for folder in folders if folder.is_dir()]


@cache
def find_font_file(name: str, content_folder: Path | None) -> Path | None:
    path = Path(name).expanduser()
    if path.is_absolute():
        return path if path.is_file() else None
    for folder in font_folders(content_folder):
        if (folder / name).is_file():
            return folder / name
        for found in folder.rglob(name):
            if found.is_file():
                return found
    return None


@cache
def _load_fallback(font: FallbackFont) -> Face | str:
    """The registered Face of a fallback font, or why it cannot be used."""
    regular = find_font_file(font.file, font.folder)
    if regular is None:
        return f"{font.name} ({font.file}) is not installed" + (f": {font.install}" if font.install else "")
    bold = find_font_file(font.bold_file, font.folder) if font.bold_file else None
    try:
        return _face_of_files(font.name, regular, bold)
    except Exception as exc:  # ReportLab's TTFError and struct errors alike: say why, don't crash
        return f"{font.name} ({regular}) cannot be used: {exc}; a TrueType (.ttf) file is needed"


_FACES: dict[str, Face] = {}  # ReportLab name -> the one Face registered under it


def _face_of_files(label: str, regular: Path, bold: Path | None) -> Face:
    """The one Face of these font files in this process. Each fonts.yaml entry is a FallbackFont of its own: after
    the clinic edits an entry (its name, its install note) and undoes the edit, the desk sees a second entry and
    then the first again. A Face for each entry registered a second font under the same ReportLab name; ReportLab
    drew with the newest while a stand-in went into the other one's tables: a name's variation sequence printed as
    a box. A different file with the same name (stem) gets a name of its own."""
    with DRAWING:  # two threads asking at once must not make (and register) two faces
        name, number = f"Fallback-{regular.stem}", 1
        while name in _FACES and _FACES[name].files != (regular, bold):
            number += 1
            name = f"Fallback-{regular.stem}-{number}"
        if name not in _FACES:
            _FACES[name] = Face(label, name, regular, bold)
        return _FACES[name]


MARKUP_MAX = 4096  # texts kept marked up per chain; emptied when full


class FontChain:
    """BIZ UD Gothic, then each fallback in order; each character is drawn by the first that has it."""

    def __init__(self, fallbacks: tuple[FallbackFont, ...] = ()):
        self.fallbacks = fallbacks
        self._markup: dict[str, str] = {}  # text -> markup: every handout marks up the same texts

    def faces(self):
        """The usable faces in order, loading each fallback only when it is first needed."""
        yield primary()
        for font in self.fallbacks:
            face = _load_fallback(font)
            if isinstance(face, Face):
                yield face

    def face_for(self, ch: str) -> Face | None:
        return next((face for face in self.faces() if face.has(ch)), None)

    def can_draw(self, ch: str) -> bool:
        return is_selector(ch) or self.face_for(ch) is not None

    def unavailable(self) -> list[str]:
        """Why each fallback font that cannot help is out of the chain."""
        return [reason for reason in map(_load_fallback, self.fallbacks) if isinstance(reason, str)]

    def runs(self, text: str) -> list[tuple[Face, str]]:
        """text split into runs, each with the face that draws it; a variation sequence becomes one
        private-use character; a character no face has becomes 〓."""
        runs: list[tuple[Face, str]] = []
        face: Face | None
        i = 0
        while i < len(text):
            ch = text[i]
            selector = text[i + 1] if i + 1 < len(text) and is_selector(text[i + 1]) else None
            if is_selector(ch):  # a selector with nothing before it: nothing to draw
                i += 1
                continue
            if ch == "\n":  # a line break, not a glyph: markup() makes it <br/>
                face, drawn, selector = primary(), ch, None
                i += 1
            elif selector:
                face = next((f for f in self.faces() if f.has(ch) and f.has_sequence(ch, selector)), None) \
                    or self.face_for(ch)
                drawn = face.stand_in(ch, selector) if face else MISSING_MARK
                i += 2
            else:
                face = self.face_for(ch)
                drawn = (face.stand_in(ch) if ch in KEEP_AS_TYPED else ch) if face else MISSING_MARK
                i += 1
            drawing = face or primary()
            if runs and runs[-1][0] is drawing:
                runs[-1] = (drawing, runs[-1][1] + drawn)
            else:
                runs.append((drawing, drawn))
        return runs

    def markup(self, text: str) -> str:
        """text as Paragraph markup: escaped, each fallback run in its own <font>, line breaks kept.
        Kept per text: the chain's fonts never change in a process (each fallback is loaded once,
        _load_fallback), and a stand-in, once made, is the same character for good."""
        marked = self._markup.get(text)
        if marked is None:
            if len(self._markup) >= MARKUP_MAX:
                self._markup.clear()
            marked = self._markup[text] = self._markup_of(text)
        return marked

    def _markup_of(self, text: str) -> str:
        parts = []
        for face, run in self.runs(text):
            run = escape(run, quote=False).replace("\n", "<br/>")
            parts.append(run if face is primary() else f'<font face="{face.pdf_name}">{run}</font>')
        return "".join(parts)


@cache
def font_chain(fallbacks: tuple[FallbackFont, ...] = ()) -> FontChain:
    return FontChain(fallbacks)


@dataclass
class GlyphCheck:
    """What the validation layer asks of the fonts: can each character be drawn?"""

    chain: FontChain
    allow_missing: bool = False
    warnings: list[Problem] = field(default_factory=list)

    def can_draw(self, ch: str) -> bool:
        return self.chain.can_draw(ch)

    def advice(self) -> str:
        reasons = self.chain.unavailable()
        return ("; " + "; ".join(reasons)) if reasons else ""
