"""The bundled BIZ UD Gothic fonts: registered with ReportLab once, on first use, never at import."""
from functools import lru_cache

from .resources import fonts_dir

REGULAR = "BIZUDGothic"
BOLD = "BIZUDGothic-Bold"
_FILES = {REGULAR: "BIZUDGothic-Regular.ttf", BOLD: "BIZUDGothic-Bold.ttf"}


@lru_cache(maxsize=None)
def register() -> dict[str, set[int]]:
    """Registers regular and real bold as one family; returns each font's set of code points."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    coverage = {}
    for name, filename in _FILES.items():
        font = TTFont(name, str(fonts_dir() / filename))
        pdfmetrics.registerFont(font)
        coverage[name] = set(font.face.charToGlyph)
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    return coverage


def can_draw(ch: str) -> bool:
    """True when both the regular and the bold face have a glyph for ch (names print in bold)."""
    code = ord(ch)
    return all(code in points for points in register().values())
