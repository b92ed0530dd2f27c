"""The picture in a stretch card: a built-in vector figure (figures.py) or the clinic's own photo."""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from reportlab.graphics.shapes import Circle, Drawing, Ellipse, Group, Line, Polygon, String
from reportlab.lib import colors
from reportlab.platypus import Flowable, Image

from . import fonts
from .figures import FLOOR, HEIGHT, POSES, WIDTH, Pose, Sole, Wall

NEAR = colors.Color(0.12, 0.12, 0.12)
FAR = colors.Color(0.62, 0.62, 0.62)
PROP = colors.Color(0.35, 0.35, 0.35)
MARK = colors.Color(0.80, 0.80, 0.80)  # the highlight's fill; its dashed outline carries it in black and white
PHOTO_DPI = 200  # photos are downsampled to this at their printed size
LABEL_PT = 11


def figure(name: str, width: float, height: float, label: str | None = None, mirror: bool = False,
           label_pt: float = LABEL_PT) -> Drawing:
    """The built-in figure `name`, fitted into width x height points, with an optional side label."""
    fonts.primary()  # the label's font
    pose = POSES[name].mirrored() if mirror else POSES[name]
    scale = min(width / WIDTH, height / HEIGHT)
    dx, dy = (width - WIDTH * scale) / 2, (height - HEIGHT * scale) / 2
    art = Group(transform=(scale, 0, 0, scale, dx, dy))
    for shape in _shapes(pose):
        art.add(shape)
    drawing = Drawing(width, height)
    # The graphics renderer starts each drawing in its default font (Helvetica) unless told otherwise.
    drawing.initialFontName, drawing.initialFontSize = fonts.REGULAR, LABEL_PT
    drawing.add(art)
    if label:
        x, y = pose.label
        drawing.add(String(dx + x * scale, dy + y * scale, label, fontName=fonts.BOLD, fontSize=label_pt,
                           fillColor=NEAR, textAnchor="middle"))
    return drawing


def _shapes(pose: Pose) -> list:
    """Floor, props, the highlight, far limbs, near limbs and head, the arrow: back to front."""
    shapes = [Line(2, FLOOR, WIDTH - 2, FLOOR, strokeColor=PROP, strokeWidth=1.2)] if pose.floor else []
    for prop in pose.props:
        shapes += _prop(prop)
    cx, cy, rx, ry = pose.highlight
    if rx and ry:
        shapes.append(Ellipse(cx, cy, rx, ry, fillColor=MARK, strokeColor=NEAR, strokeWidth=0.9,
                              strokeDashArray=[2.2, 1.6]))
    joints = pose.joints
    for chains, color, width in ((pose.far, FAR, 5.2), (pose.near, NEAR, 5.8)):
        for chain in chains:
            for a, b in zip(chain, chain[1:], strict=False):
                thick = 8.0 if {a, b} in ({"neck", "hip"}, {"neck", "pelvis"}) else width
                shapes.append(Line(*joints[a], *joints[b], strokeColor=color, strokeWidth=thick,
                                   strokeLineCap=1, strokeLineJoin=1))
    if "head" in joints:
        shapes.append(Circle(*joints["head"], 6.2, fillColor=NEAR, strokeColor=None))
    for wrist in ("wrist", "far_wrist"):  # a close-up's hands: a fist at the wrist end of each thumb
        if wrist in joints:
            shapes.append(Circle(*joints[wrist], 7.5, fillColor=NEAR, strokeColor=None))
    if pose.arrow:
        shapes += _arrow(*pose.arrow)
    return shapes


def _prop(prop) -> list:
    style = {"strokeColor": PROP, "strokeWidth": 1.6, "strokeLineCap": 1}
    if isinstance(prop, Sole):
        (hx, hy), (bx, by) = prop.heel, prop.ball
        band = [Line(hx, hy, bx, by, strokeColor=NEAR, strokeWidth=prop.width + 2.4, strokeLineCap=1),
                Line(hx, hy, bx, by, strokeColor=colors.white, strokeWidth=prop.width, strokeLineCap=1)]
        length = ((bx - hx) ** 2 + (by - hy) ** 2) ** 0.5
        ux, uy = (bx - hx) / length, (by - hy) / length  # along the foot
        px, py = -uy, ux  # across it
        toes = []  # an arc across the ball of the foot, the big toe first
        for across, size in zip((-0.78, -0.36, 0.02, 0.38, 0.70), (5.0, 3.8, 3.5, 3.2, 2.8), strict=True):
            reach = prop.width / 2 + size * 0.8 - 5.0 * across * across
            cx = bx + ux * reach + px * across * prop.width / 2
            cy = by + uy * reach + py * across * prop.width / 2
            toes.append(Circle(cx, cy, size, fillColor=colors.white, strokeColor=NEAR, strokeWidth=1.2))
        return band + toes
    if isinstance(prop, Wall):
        shapes = [Line(prop.x, FLOOR, prop.x, HEIGHT - 4, **style)]
        side = -1 if prop.x < WIDTH / 2 else 1
        shapes += [Line(prop.x, y, prop.x + side * 3, y + 3, strokeColor=PROP, strokeWidth=0.8)
                   for y in range(int(FLOOR) + 4, int(HEIGHT) - 6, 6)]  # hatching: a wall, not a pole
        return shapes
    front = prop.x + prop.facing * prop.depth
    shapes = [Line(prop.x, prop.seat, front, prop.seat, strokeColor=PROP, strokeWidth=3, strokeLineCap=1),
              Line(prop.x, FLOOR, prop.x, prop.seat, **style), Line(front, FLOOR, front, prop.seat, **style)]
    if prop.back:
        shapes.append(Line(prop.x, prop.seat, prop.x, prop.seat + prop.back, **style))
    return shapes


def _arrow(start, end) -> list:
    (x1, y1), (x2, y2) = start, end
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    head, half = 4.2, 2.8
    base = (x2 - ux * head, y2 - uy * head)
    wing = (-uy * half, ux * half)
    return [Line(x1, y1, *base, strokeColor=NEAR, strokeWidth=1.6, strokeLineCap=1),
            Polygon([x2, y2, base[0] + wing[0], base[1] + wing[1], base[0] - wing[0], base[1] - wing[1]],
                    fillColor=NEAR, strokeColor=NEAR, strokeWidth=0.5)]


class QrCode(Flowable):
    """A QR code for url, size x size points with its 4-module quiet zone, black on white.

    Encoded with ReportLab's own QR encoder. Its PDF operators (a rectangle for each run of dark
    modules in a row, one fill) are made once per address and size and reused by every handout:
    drawing ReportLab's QR widget cost about 25 ms a handout, most of it formatting numbers.
    """

    def __init__(self, url: str, size: float):
        super().__init__()
        self.url, self.size = url, size
        self.width = self.height = size

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        self.canv.addLiteral(_qr_operators(self.url, self.size))


def qr_code(url: str, size: float) -> QrCode:
    return QrCode(url, size)


@lru_cache(maxsize=32)
def _qr_operators(url: str, size: float) -> str:
    modules, runs = _qr_runs(url)
    unit = size / (modules + 8)
    rectangles = "".join(f"{(column + 4) * unit:.3f} {size - (row + 5) * unit:.3f} {length * unit:.3f} {unit:.3f} re\n"
                         for row, column, length in runs)
    return f"q\n0 g\n{rectangles}f\nQ"


@lru_cache(maxsize=32)
def _qr_runs(url: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The symbol's size in modules and its dark modules as (row, first column, length) runs."""
    from reportlab.graphics.barcode import qrencoder

    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    count = code.getModuleCount()
    runs = []
    for row in range(count):
        column = 0
        while column < count:
            if code.isDark(row, column):
                start = column
                while column < count and code.isDark(row, column):
                    column += 1
                runs.append((row, start, column - start))
            else:
                column += 1
    return count, tuple(runs)


def photo(path: Path, width: float, height: float, mirror: bool = False) -> Image:
    """The clinic's photo fitted into width x height points, its aspect kept, at most 200 dpi."""
    data, (draw_width, draw_height) = _prepared_photo(path, path.stat().st_mtime_ns, width, height, mirror)
    return Image(io.BytesIO(data), width=draw_width, height=draw_height)


@lru_cache(maxsize=64)
def _prepared_photo(path: Path, _mtime: int, width: float, height: float, mirror: bool):
    """JPEG bytes of the photo downsampled for its printed size (cached across a batch)."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    with PILImage.open(path) as source:
        image = ImageOps.exif_transpose(source).convert("RGB")
    scale = min(width / image.width, height / image.height)  # points per pixel
    draw = (image.width * scale, image.height * scale)
    pixels = (max(1, round(draw[0] / 72 * PHOTO_DPI)), max(1, round(draw[1] / 72 * PHOTO_DPI)))
    if pixels[0] < image.width:
        image = image.resize(pixels, PILImage.LANCZOS)
    if mirror:
        image = ImageOps.mirror(image)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), draw


def picture(figure_name: str | None, image: Path | None, width: float, height: float,
            label: str | None, mirror: bool, label_pt: float = LABEL_PT) -> Flowable | None:
    """What a card shows: the clinic's photo if it names one, else the built-in figure, else nothing."""
    if image is not None:
        return photo(image, width, height, mirror)
    if figure_name is not None:
        return figure(figure_name, width, height, label, mirror, label_pt)
    return None
