"""The picture in a stretch card: a built-in vector figure (figures.py) or the clinic's own photo."""
from __future__ import annotations

import io
import itertools
import math
import sys
from functools import cache, lru_cache
from pathlib import Path

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Image

from . import fonts
from .figures import (
    BODY,
    FAR,
    FLOOR,
    FOREARM,
    HEIGHT,
    OTHER_SIDE,
    POSES,
    SHIN,
    STRETCH,
    THIGH,
    TORSO,
    WIDTH,
    Arrow,
    Chair,
    CloseUp,
    Frame,
    Pose,
    Sole,
    Towel,
    Wall,
    side_words,
)

INK = colors.Color(0.08, 0.08, 0.08)
WHITE = colors.white
FAR_FILL = colors.Color(0.80, 0.80, 0.80)  # limbs behind the body
GHOST = colors.Color(0.40, 0.40, 0.40)  # the start pose's dashed outline: lighter than ink, survives a home printer
PROP = colors.Color(0.42, 0.42, 0.42)
PROP_LIGHT = colors.Color(0.90, 0.90, 0.90)
TOWEL = colors.Color(0.74, 0.74, 0.74)  # a folded towel: a printed grey under the black knee (review 12: "faint")
HAIR = colors.Color(0.30, 0.30, 0.30)  # the back of a head: dark, but not the black of the leg to stretch
MARK = colors.Color(0.58, 0.58, 0.58)  # the stretched patch: mid grey, so it shows on the black leg and on white
OUTLINE = 0.75  # a limb's outline, box units
PHOTO_DPI = 200  # photos are downsampled to this at their printed size
LABEL_PT = 11  # the side label (右 / 左), bold
WORD_PT = 10.5  # an arrow's words
LEADER = 0.5  # the thin line from a word to the part it names (かかと), box units
LEADER_EDGE = 0.45  # the white edge each side of a word's line to its part
LEADER_DOT = 1.0  # the dot the line ends in, on the part (review 12: a bare line's end "points beside the heel")
LABEL_GAP_PT = 7.5  # the side label's box is at most this far (points) from the stretched leg's edge

Capsule = tuple[tuple[float, float], tuple[float, float], float]  # a segment and a radius: a shape's footprint


class Art:
    """A figure being drawn: ReportLab shapes in box units, and each solid shape's footprint as capsules
    (what a label must not touch). Texts are placed last, each where its box touches no footprint."""

    def __init__(self):
        self.shapes: list = []
        self.footprint: list[Capsule] = []
        self.stretched: list[Capsule] = []  # the leg to stretch
        self.texts: list[tuple[str, str, float, tuple[float, float, float, float]]] = []  # role, text, size, box

    def line(self, a, b, width, color, cap=1, solid=True, dash=None, stretched=False):
        self.shapes.append(Line(*a, *b, strokeColor=color, strokeWidth=width, strokeLineCap=cap, strokeLineJoin=1,
                                strokeDashArray=dash))
        if solid:
            self.footprint.append((a, b, width / 2))
        if stretched:
            self.stretched.append((a, b, width / 2))

    def circle(self, centre, radius, fill, stroke=INK, width=OUTLINE, solid=True):
        self.shapes.append(Circle(*centre, radius, fillColor=fill, strokeColor=stroke, strokeWidth=width))
        if solid:
            self.footprint.append((centre, centre, radius + width / 2))

    def polygon(self, points, fill, stroke=None, width=0.0, solid=True):
        flat = [c for p in points for c in p]
        self.shapes.append(Polygon(flat, fillColor=fill, strokeColor=stroke, strokeWidth=width))
        if solid:
            self.footprint += _polygon_footprint(points, width / 2)

    def rect(self, x0, y0, x1, y1, fill, stroke=None, width=0.0, solid=True):
        self.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], fill, stroke, width, solid)

    def text(self, role, text, size, spots, near=(), gap=6.0, font=None):
        """Writes text centred on the first spot where its box is free; else the nearest free spot found
        on a grid, searched outwards from the first spot. Raises ValueError if there is none. A "\n" in
        the text starts a second line (the lines centred, LINE_SPACING apart)."""
        font = font or fonts.BOLD
        lines = text.split("\n")
        width = max(stringWidth(line, font, size) for line in lines)
        half = size * (0.55 + LINE_SPACING * (len(lines) - 1) / 2)
        start = spots[0] if spots else (WIDTH / 2, HEIGHT / 2)
        # the grid's points made one at a time: most texts fit at a spot or near it (6,561 points otherwise)
        candidates = itertools.chain(spots, ((start[0] + dx, start[1] + dy) for dx, dy in _GRID))
        for cx, cy in candidates:
            box = (cx - width / 2 - 0.6, cy - half, cx + width / 2 + 0.6, cy + half)
            if not (box[0] >= 0 and box[2] <= WIDTH and box[1] >= 0 and box[3] <= HEIGHT):
                continue
            if near and min(_box_distance(box, c) for c in near) > gap:
                continue
            if any(_boxes_overlap(box, other[3]) for other in self.texts):
                continue
            if any(_box_touches(box, c) for c in self.footprint):
                continue
            self.texts.append((role, text, size, box))
            for i, line in enumerate(lines):
                y = cy + size * LINE_SPACING * ((len(lines) - 1) / 2 - i)
                self.shapes.append(String(cx, y - size * 0.36, line, fontName=font, fontSize=size, fillColor=INK,
                                          textAnchor="middle"))
            return box
        raise ValueError(f"no free place for {text!r} in the figure")


LINE_SPACING = 1.1  # a two-line word's lines, in font sizes


# Offsets tried after a text's own spots, nearest first: a 1.5-unit grid 60 units either way.
_GRID = sorted(((i * 1.5, j * 1.5) for i in range(-40, 41) for j in range(-40, 41)),
               key=lambda p: p[0] ** 2 + p[1] ** 2)


def _polygon_footprint(points, radius) -> list[Capsule]:
    """A convex polygon as capsules: its edges, and spokes from its centre so its inside counts too."""
    n = len(points)
    centre = (sum(p[0] for p in points) / n, sum(p[1] for p in points) / n)
    edges = [(points[i], points[(i + 1) % n], radius) for i in range(n)]
    spokes = [(centre, p, radius) for p in points]
    # the inside: segments across it, close enough that no box of a letter's size fits between them
    across = []
    for i in range(n):
        a, b = points[i], points[(i + 1) % n]
        for t in (0.25, 0.5, 0.75):
            across.append((centre, (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), radius))
    return edges + spokes + across


def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _point_segment(p, a, b) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def _point_box(p, box) -> float:
    x0, y0, x1, y1 = box
    dx = max(x0 - p[0], 0.0, p[0] - x1)
    dy = max(y0 - p[1], 0.0, p[1] - y1)
    return (dx * dx + dy * dy) ** 0.5


def _segments_cross(a, b, c, d) -> bool:
    def orient(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return (orient(a, b, c) * orient(a, b, d) < 0) and (orient(c, d, a) * orient(c, d, b) < 0)


def _box_distance(box, capsule: Capsule) -> float:
    """The gap between an axis-aligned box and a capsule (0 when they touch)."""
    a, b, radius = capsule
    x0, y0, x1, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if _point_box(a, box) == 0 or _point_box(b, box) == 0:
        return 0.0
    if any(_segments_cross(a, b, corners[i], corners[(i + 1) % 4]) for i in range(4)):
        return 0.0
    gap = min([_point_box(a, box), _point_box(b, box)] + [_point_segment(c, a, b) for c in corners])
    return max(0.0, gap - radius)


def _box_touches(box, capsule: Capsule, margin: float = 0.5) -> bool:
    (ax, ay), (bx, by), radius = capsule
    reach = radius + margin
    if (min(ax, bx) - reach > box[2] or max(ax, bx) + reach < box[0] or min(ay, by) - reach > box[3]
            or max(ay, by) + reach < box[1]):
        return False  # far apart: the capsule's bounding box does not reach the text's box
    return _box_distance(box, capsule) <= margin


def figure(name: str, width: float, height: float, label: str | None = None, mirror: bool = False,
           label_pt: float = LABEL_PT) -> Drawing:
    """The built-in figure `name`, fitted into width x height points, with an optional side label
    (右 / 左) beside the stretched leg. Word sizes are in points whatever the figure's size."""
    art, scale = figure_art(name, width, height, label, mirror, label_pt)
    dx, dy = (width - WIDTH * scale) / 2, (height - HEIGHT * scale) / 2
    group = Group(transform=(scale, 0, 0, scale, dx, dy))
    group.__dict__["operators_key"] = ("figure", name, width, height, label, mirror, label_pt)  # figure_art's args
    drawing = CachedDrawing(width, height)
    # The graphics renderer starts each drawing in its default font (Helvetica) unless told otherwise.
    drawing.initialFontName, drawing.initialFontSize = fonts.REGULAR, LABEL_PT  # type: ignore[attr-defined]
    drawing.add(group)
    for shape in art.shapes:
        if isinstance(shape, String):  # words at their real point size, not scaled: readers and checkers see 11 pt
            drawing.add(String(dx + shape.x * scale, dy + shape.y * scale, shape.text, fontName=shape.fontName,
                               fontSize=shape.fontSize * scale, fillColor=shape.fillColor, textAnchor="middle"))
        else:
            group.add(shape)
    return drawing


@lru_cache(maxsize=128)
def figure_art(name: str, width: float, height: float, label: str | None = None, mirror: bool = False,
               label_pt: float = LABEL_PT) -> tuple[Art, float]:
    """The figure's shapes and geometry in box units, and the scale (points per unit) it is drawn at.
    Cached: a batch draws the same few figures again and again (the shapes are only read). Kept on disk too
    (cache.py), keyed by these arguments, the label font's files (the words are placed by their widths),
    ReportLab's version and this program's code: drawing five figures took about 20 ms in every new process,
    most of it finding the words' places."""
    from reportlab import Version

    from . import cache

    face = fonts.primary()  # the label's font
    key = (f"figure {(name, width, height, label, mirror, label_pt)!r} fonts {face.identity()} reportlab {Version} "
           f"code {cache.code_version()}")
    stored = _art_from(cache.read("figure", key))
    if stored is not None:
        return stored
    pose = POSES[name].mirrored() if mirror else POSES[name]
    scale = min(width / WIDTH, height / HEIGHT)
    k = pose.text_scale / scale
    art = draw_pose(pose, label, label_pt * k, WORD_PT * label_pt / LABEL_PT * k, LABEL_GAP_PT / scale)
    stored_art = _art_data(art)
    if stored_art is not None:
        cache.write("figure", key, (stored_art, scale))
    return art, scale


# An Art on disk: each shape as (its class's name, its attributes), a colour as ("C", red, green, blue, alpha);
# the footprints and the texts' boxes as they are (numbers in tuples). A shape or value of another kind is not
# stored (the figure is then drawn every time).
_SHAPES = {kind.__name__: kind for kind in (Line, Circle, Polygon, PolyLine, String)}


def _art_data(art: Art) -> tuple | None:
    def value(item):
        if type(item) is colors.Color:
            return ("C", item.red, item.green, item.blue, item.alpha)
        if item is None or type(item) in (str, int, float, bool):
            return item
        if type(item) is list and all(type(n) in (int, float) for n in item):
            return item
        raise TypeError(type(item).__name__)

    try:
        shapes = []
        for shape in art.shapes:
            if _SHAPES.get(type(shape).__name__) is not type(shape):
                return None
            shapes.append((type(shape).__name__, {name: value(item) for name, item in vars(shape).items()}))
    except TypeError:
        return None
    return tuple(shapes), art.footprint, art.stretched, art.texts


def _art_from(stored) -> tuple[Art, float] | None:
    """The (art, scale) a cache file holds, or None when it holds anything else."""
    try:
        (shapes, footprint, stretched, texts), scale = stored
        art = Art()
        for kind, fields in shapes:
            shape = _SHAPES[kind].__new__(_SHAPES[kind])
            for name, item in fields.items():  # the attributes the constructor set, as they were
                if type(item) is tuple:
                    item = colors.Color(*item[1:])
                shape.__dict__[name] = item
            art.shapes.append(shape)
        art.footprint, art.stretched, art.texts = footprint, stretched, texts
        return art, float(scale)
    except (TypeError, ValueError, KeyError, AttributeError):  # None (no entry), or not what this code writes
        return None


def draw_pose(pose: Pose, label: str | None, label_size: float, word_size: float, label_gap: float) -> Art:
    """Back to front: floor, props, the ghosted start, far limbs, body, the black leg, the stretched patch,
    the near arm and hands, the head, a foot seen from its sole (with its hands), arrows; then the arrows'
    words, the words naming the sole's ends, the note and the side label."""
    art = Art()
    if pose.floor:  # up to a framed second view, not under it
        frames = [p.box for p in pose.props if isinstance(p, Frame | CloseUp)]
        start = max([2.0] + [x1 for x0, _, x1, _ in frames if x0 + x1 < WIDTH])
        end = min([WIDTH - 2] + [x0 for x0, _, x1, _ in frames if x0 + x1 > WIDTH])
        art.line((start, FLOOR), (end, FLOOR), 0.9, PROP)
    soles = [prop for prop in pose.props if isinstance(prop, Sole)]
    for prop in pose.props:
        if not isinstance(prop, Sole):
            _prop(art, prop)
    if pose.ghost:
        _ghost(art, pose)
    joints = pose.joints
    arm_limbs = [limb for limb in pose.limbs if limb.tone == BODY and limb.joints[-1] in pose.hands + ("hand",)]
    for limb in pose.limbs:
        if limb not in arm_limbs:
            _limb(art, [joints[j] for j in limb.joints], limb.radius, limb.tone, halo=limb.halo)
    body = [(joints[a], joints[b], r) for limb in pose.limbs if limb not in arm_limbs
            for a, b, r in zip(limb.joints, limb.joints[1:], limb.radius, strict=False)]
    if pose.from_behind:
        _back(art, joints, pose)
    if not soles:  # on a sole, the patch is drawn with it
        _region(art, pose.region, body)
    for limb in arm_limbs:
        _limb(art, [joints[j] for j in limb.joints], limb.radius, limb.tone)
    chairs = [p for p in pose.props if isinstance(p, Chair) and p.gripped]
    for hand in pose.hands:
        held = [c for c in chairs if _holds(joints[hand], c)]
        if held:
            _grip(art, joints[hand], held[0])
        else:
            art.circle(joints[hand], 1.9, WHITE)
    _head(art, joints["head"], pose.head, pose.facing, behind=pose.from_behind)
    for sole in soles:
        _sole(art, sole, pose)
    close_ups = [prop for prop in pose.props if isinstance(prop, CloseUp)]
    for close_up in close_ups:
        _close_up(art, close_up)
    for arrow in pose.arrows:
        _arrow(art, arrow)
    for arrow in pose.arrows + tuple(c.arrow for c in close_ups):
        art.text("word", side_words(arrow.word, pose.side), word_size, [arrow.word_at],
                 near=[(arrow.start, arrow.end, 0)], gap=arrow.word_gap, font=fonts.BOLD)
    for frame in (p for p in pose.props if isinstance(p, Frame) and p.title):  # what view it is, if it says
        art.text("title", frame.title, word_size, [frame.title_at], font=fonts.REGULAR)
    for sole in soles + [c.sole for c in close_ups]:  # かかと and つま先, each by its end of the foot
        for word, at, end in sole.words:
            spot = foot_point(sole, *PART_POINTS[end])
            box = art.text("part", word, word_size, [at], near=[(spot, spot, 0)], gap=sole.width * 1.6)
            corner = (min(max(spot[0], box[0]), box[2]), min(max(spot[1], box[1]), box[3]))
            if math.dist(corner, spot) > 2.5:  # from just off the word's box to the part it names
                off = 0.6 / math.dist(corner, spot)
                line_from = (corner[0] + (spot[0] - corner[0]) * off, corner[1] + (spot[1] - corner[1]) * off)
                # a white edge under it: drawn over the grey leg it is a line of its own, not part of that leg's
                # outline (review 13: it "crosses the shin outline, making an X", "looks like part of the grey leg")
                art.line(line_from, spot, LEADER + 2 * LEADER_EDGE, WHITE, solid=False)
                art.line(line_from, spot, LEADER, INK)
                art.circle(spot, LEADER_DOT, INK, None, 0)  # a dot on the part: the line ends there, not beside it
    if pose.note:
        art.text("note", side_words(pose.note, pose.side), word_size, [pose.note_at], font=fonts.REGULAR)
    if label:
        words = side_words(pose.label_words, label) if pose.label_words and label in OTHER_SIDE else label
        if pose.label_line is None:
            art.text("label", words, label_size, pose.label_spots, near=art.stretched, gap=label_gap)
        else:  # a thin line from beside the label to the part it names (右ひざ: the knee), the label by its start
            line_start, part = pose.label_line
            art.line(line_start, part, LEADER, INK)
            art.circle(part, LEADER_DOT, INK, None, 0)  # the line ends in a dot on the part, as the sole's words' do
            # the label's box ends 1 unit before the line's start, whatever its width, at the spots' heights
            width = max(stringWidth(line, fonts.BOLD, label_size) for line in words.split("\n"))
            away = 1 if part[0] >= line_start[0] else -1
            spots = [(line_start[0] - away * (width / 2 + 0.6 + 1.0), y) for _, y in pose.label_spots]
            art.text("label", words, label_size, spots, near=[(line_start, line_start, 0)], gap=LEADER_GAP)
    return art


LEADER_GAP = 2.0  # a label's box is at most this far (box units) from the start of its line


def _chair_top(chair: Chair) -> tuple[float, float]:
    """The top of a chair's back: where a hand holds it."""
    return (chair.x, FLOOR + chair.seat + chair.back)


def _holds(hand, chair: Chair) -> bool:
    """A hand at the top of a chair's back holds it (within 2.5 units of the top, as the poses place them)."""
    return math.dist(hand, _chair_top(chair)) <= 2.5


GRIP = 2.0  # a holding hand's palm, radius in box units


def _grip(art: Art, hand, chair: Chair):
    """A hand holding the top of a chair's back (review 12: a round hand on a thin post "reaches into nothing"):
    the palm over the top rail, the fingers curled down its far side, and the rail's ends showing either side
    of the hand: a hand round a bar."""
    x, top = _chair_top(chair)
    away = chair.facing  # the far side of the back, away from the person
    art.rect(x - 3.4, top - 1.4, x + 3.4, top + 0.8, PROP, INK, 0.4)  # the top rail, wider than the post
    palm = (x - away * 0.4, top + 1.3)
    fingers = ((x + away * 1.6, top + 0.4), (x + away * 1.9, top - 2.4))
    art.line(*fingers, 2 * 1.05 + 2 * OUTLINE, INK)
    art.line(*fingers, 2 * 1.05, WHITE, solid=False)
    art.circle(palm, GRIP, WHITE)


def _back(art: Art, joints, pose: Pose):
    """A person seen from behind: the seat of the trousers, two rounded buttocks over the tops of the legs with
    the waistband and the back seam (review 9: read as a front view unless the word うしろ姿 was noticed; back
    pockets too were read as the letters ロロ, review 10); the neck with the shirt's collar under the hair."""
    (px, py), ny = joints["pelvis"], joints["neck"][1]
    (torso,) = [limb for limb in pose.limbs if "neck" in limb.joints]
    r = torso.radius[0]
    waist = py + 3.4
    art.rect(px - r, py - 2, px + r, waist, WHITE, solid=False)  # the trunk's rounded end: square under the belt
    cheek = r / 2 + 0.3
    for side in (-1, 1):  # the seat of the trousers: two rounded cheeks over the tops of the legs
        art.circle((px + side * (r - cheek), py - 1.0), cheek, WHITE, INK, OUTLINE)
    art.rect(px - r + OUTLINE / 2, py - 1.0, px + r - OUTLINE / 2, waist, WHITE, solid=False)
    for side in (-1, 1):
        art.line((px + side * r, py - 1.0), (px + side * r, waist), OUTLINE, INK, cap=0, solid=False)
    art.line((px - r + 0.2, waist), (px + r - 0.2, waist), 0.55, INK, cap=0, solid=False)
    art.line((px, waist), (px, py - 1.0 - cheek * 0.6), 0.55, INK, cap=0, solid=False)  # the back seam
    hx, hy = joints["head"]
    top = ny + r  # the top of the trunk
    neck_top, neck_bottom, w = hy - pose.head + 0.8, top - 1.6, 2.0
    art.rect(hx - w, neck_bottom, hx + w, neck_top, WHITE)
    for side in (-1, 1):
        art.line((hx + side * w, neck_bottom), (hx + side * w, neck_top), OUTLINE, INK, cap=0)
    collar = [hx - w - 1.4, neck_bottom - 0.2, hx, neck_bottom - 0.9, hx + w + 1.4, neck_bottom - 0.2]
    art.shapes.append(PolyLine(collar, strokeColor=INK, strokeWidth=OUTLINE, strokeLineCap=1))  # the collar's edge


def _limb(art: Art, points, radii, tone, halo=False):
    """A rounded limb: a wide dark stroke, then the fill stroke inside it, so limbs never merge. With a halo,
    a white edge first, so a black shin lying over its own black thigh stays a shin."""
    fill = {STRETCH: INK, BODY: WHITE, FAR: FAR_FILL}[tone]
    segments = list(zip(points, points[1:], radii, strict=False))
    if halo:
        for a, b, r in segments:
            art.line(a, b, 2 * r + 2 * OUTLINE + 1.6, WHITE)
    for a, b, r in segments:
        art.line(a, b, 2 * r + 2 * OUTLINE, INK, stretched=tone == STRETCH)
    for a, b, r in segments:
        art.line(a, b, 2 * r, fill, solid=False)


def _head(art: Art, centre, radius, facing, ghost=False, behind=False):
    x, y = centre
    if behind and not ghost:  # the back of the head: an ear each side, hair down to the nape, no face
        for side in (-1, 1):
            art.circle((x + side * radius, y - 0.8), 1.3, WHITE, INK, OUTLINE)
        art.circle(centre, radius, WHITE, INK, OUTLINE * 1.2)
        hair = [(x + radius * math.cos(a), y + radius * math.sin(a))
                for a in (math.radians(-35 + i * 250 / 25) for i in range(26))]
        for i, dx in enumerate((-0.66, -0.44, -0.22, 0.0, 0.22, 0.44, 0.66)):  # the nape: tufts over the neck
            hair.append((x + dx * radius, y - radius * (1.08 if i % 2 == 0 else 0.78)))
        hair.sort(key=lambda p: math.atan2(p[1] - y, p[0] - x))
        art.polygon(hair, HAIR, INK, OUTLINE)
        return
    if ghost:
        art.shapes.append(Circle(x, y, radius, fillColor=WHITE, strokeColor=GHOST, strokeWidth=GHOST_WIDTH,
                                 strokeDashArray=GHOST_DASH))
        art.footprint.append((centre, centre, radius + GHOST_WIDTH / 2))
        return
    art.circle(centre, radius, WHITE, INK, OUTLINE * 1.2)
    if facing:  # profile: a nose and an eye on the side the person faces
        art.polygon([(x + facing * (radius - 0.4), y + 1.2), (x + facing * (radius + 1.7), y - 0.9),
                     (x + facing * (radius - 0.3), y - 1.3)], WHITE, INK, OUTLINE)
        art.circle((x + facing * radius * 0.45, y + 1.1), 0.7, INK, None, 0)
    else:  # facing the viewer: two eyes and a mouth
        for side in (-1, 1):
            art.circle((x + side * 1.9, y + 0.9), 0.7, INK, None, 0)
        art.line((x - 1.3, y - 2.0), (x + 1.3, y - 2.0), 0.6, INK)


def _ghost(art: Art, pose: Pose):
    """The start pose, faint and dashed: only the trunk and the head (the same person a moment earlier; ghost
    arms and legs tangled with the drawn ones and read as a second person, review 5)."""
    joints = {**pose.joints, **pose.ghost}
    for limb in pose.limbs:
        if limb.tone == BODY and "neck" in limb.joints and any(j in pose.ghost for j in limb.joints):
            for a, b, r in zip(limb.joints, limb.joints[1:], limb.radius, strict=False):
                if a in pose.ghost or b in pose.ghost:  # not a part that stays put (a seated buttock)
                    _ghost_capsule(art, joints[a], joints[b], r)
    if "head" in pose.ghost:
        _head(art, joints["head"], pose.head, pose.facing, ghost=True)


GHOST_DASH = [2.0, 1.2]  # box units: at card size dashes of about 2.5 pt, gaps of 1.5 pt
GHOST_WIDTH = OUTLINE * 1.7  # 1.6 pt on the card: a thinner dash vanished in a photocopy (review 6)


def _ghost_capsule(art: Art, a, b, radius):
    """A faint body part of the start pose: white inside, a dashed grey outline."""
    points = _capsule(a, b, radius)
    art.polygon(points, WHITE, solid=False)
    flat = [c for p in points + points[:1] for c in p]
    art.shapes.append(PolyLine(flat, strokeColor=GHOST, strokeWidth=GHOST_WIDTH, strokeDashArray=GHOST_DASH,
                               strokeLineJoin=1))
    art.footprint.append((a, b, radius + GHOST_WIDTH / 2))


def _capsule(a, b, radius, steps=10) -> list:
    """The outline of a rounded limb segment (a to b, `radius` thick), anticlockwise: a convex polygon."""
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    points = []
    for centre, start in ((b, angle - math.pi / 2), (a, angle + math.pi / 2)):
        for i in range(steps + 1):
            t = start + math.pi * i / steps
            points.append((centre[0] + radius * math.cos(t), centre[1] + radius * math.sin(t)))
    return points


def _clip(subject: list, clip: list) -> list:
    """Sutherland-Hodgman: the part of polygon `subject` inside the convex anticlockwise polygon `clip`."""
    out = subject
    for i in range(len(clip)):
        edge = (clip[i], clip[(i + 1) % len(clip)])
        points, out = out, []
        for j in range(len(points)):
            p, q = points[j - 1], points[j]
            if _inside(q, edge):
                if not _inside(p, edge):
                    out.append(_cut(p, q, edge))
                out.append(q)
            elif _inside(p, edge):
                out.append(_cut(p, q, edge))
        if not out:
            return []
    return out


def _inside(p, edge) -> bool:
    (ax, ay), (bx, by) = edge
    return (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) >= 0


def _cut(p, q, edge):
    """Where segment p-q crosses the line of `edge`."""
    (ax, ay), (bx, by) = edge
    dx, dy = q[0] - p[0], q[1] - p[1]
    den = (bx - ax) * dy - (by - ay) * dx
    t = ((p[0] - ax) * dy - (p[1] - ay) * dx) / den if den else 0.0
    return (ax + (bx - ax) * t, ay + (by - ay) * t)


def _ellipse(cx, cy, rx, ry, angle=0.0, steps=28) -> list:
    """An ellipse as polygon points, its x axis turned by angle degrees."""
    a = math.radians(angle)
    return [(cx + rx * math.cos(t) * math.cos(a) - ry * math.sin(t) * math.sin(a),
             cy + rx * math.cos(t) * math.sin(a) + ry * math.sin(t) * math.cos(a))
            for t in (i * 2 * math.pi / steps for i in range(steps))]


def _region(art: Art, region, body=()):
    """The part that stretches: a mid-grey patch hatched in ink, drawn only inside the body (`body`: the
    capsules of the limbs it lies on, their fill inside the outline), so it reads as a part of the body, never
    as a cushion or a seat beside it (review 5). Without `body`, the whole ellipse."""
    cx, cy, rx, ry, angle = region
    if not (rx and ry):
        return
    ellipse = _ellipse(cx, cy, rx, ry, angle)
    pieces = [ellipse] if not body else [p for p in (_clip(ellipse, _capsule(a, b, r)) for a, b, r in body)
                                         if len(p) >= 3]
    for piece in pieces:
        art.polygon(piece, MARK)
    # hatching: ink lines across the patch, square to its x axis (so they mirror with it)
    reach = max(rx, ry) * 1.2
    a = math.radians(angle + 90)
    ux, uy = math.cos(a), math.sin(a)  # along a hatch line
    for k in range(-int(reach / HATCH), int(reach / HATCH) + 1):
        mx, my = cx - uy * k * HATCH, cy + ux * k * HATCH  # the line's middle, stepped across
        for piece in pieces:
            part = _clip_segment((mx - ux * reach, my - uy * reach), (mx + ux * reach, my + uy * reach), piece)
            if part and math.dist(*part) > 0.05:  # not a sliver at a tangent (it would break the mirror)
                art.line(part[0], part[1], HATCH_WIDTH, INK, cap=0, solid=False)


HATCH_WIDTH = 0.45  # the hatch lines: 0.57 pt on the card, they must survive a photocopy (review 6)
HATCH = 1.5  # box units between the patch's hatch lines
BRICK = 2.6  # a wall's brick course, box units


def _clip_segment(a, b, polygon):
    """The part of segment a-b inside the convex anticlockwise polygon, or None (Cyrus-Beck)."""
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for i in range(len(polygon)):
        (px, py), (qx, qy) = polygon[i], polygon[(i + 1) % len(polygon)]
        ex, ey = qx - px, qy - py
        num = ex * (a[1] - py) - ey * (a[0] - px)  # >= 0 inside
        den = ex * dy - ey * dx
        if den == 0:
            if num < 0:
                return None
            continue
        t = -num / den
        if den > 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return None
    return ((a[0] + dx * t0, a[1] + dy * t0), (a[0] + dx * t1, a[1] + dy * t1))


def _prop(art: Art, prop):
    if isinstance(prop, Chair):
        front = prop.x + prop.facing * prop.depth
        seat = FLOOR + prop.seat
        x0, x1 = min(prop.x, front), max(prop.x, front)
        art.rect(x0 - 0.3, seat - 1.1, x1 + 0.3, seat + 1.1, PROP)  # the seat
        for x in (prop.x, front):  # four legs straight to the floor: no casters
            art.rect(x - 0.7, FLOOR, x + 0.7, seat, PROP)
            art.rect(x - 1.4, FLOOR, x + 1.4, FLOOR + 0.7, PROP)
        art.rect(x0 + 1.5, FLOOR + 4.5, x1 - 1.5, FLOOR + 5.5, PROP)  # a rail: sturdy
        if prop.back:
            art.rect(prop.x - 0.8, seat, prop.x + 0.8, seat + prop.back, PROP)
            art.rect(prop.x - 1.2, seat + prop.back - 1.0, prop.x + 1.2, seat + prop.back + 0.6, PROP)
    elif isinstance(prop, Wall):
        top = prop.top
        art.rect(prop.x0, FLOOR, prop.x1, top, PROP_LIGHT, PROP, 0.6)
        room = prop.x1 if prop.x0 < WIDTH / 2 else prop.x0  # the face towards the room: a heavier line
        art.line((room, FLOOR), (room, top), 1.2, PROP)
        other = prop.x0 + prop.x1 - room
        y, course = FLOOR, 0
        while y + BRICK < top:  # brick courses: a wall, not a pole, and not the diagonal hatching of the patch
            y += BRICK
            art.line((prop.x0, y), (prop.x1, y), 0.45, PROP, cap=0, solid=False)
            joint = room + (other - room) * (0.35 if course % 2 else 0.65)  # from the room's face: it mirrors
            art.line((joint, y), (joint, min(y + BRICK, top)), 0.45, PROP, cap=0, solid=False)
            course += 1
    elif isinstance(prop, Frame):
        _frame(art, prop)
    elif isinstance(prop, Towel):  # a folded towel, soft: a rounded pad, its fold a line in from the folded end
        h = prop.height
        y = FLOOR + h / 2
        a, b = (prop.x0 + h / 2, y), (prop.x1 - h / 2, y)
        art.line(a, b, h + 0.9, INK)
        art.line(a, b, h, TOWEL, solid=False)  # review 12: a very light pad "is faint"
        for layer in (-h / 6, h / 6):  # folded in three: two lines in from the open end
            fold = (prop.x1 - h * 0.6, y + layer) if prop.fold > 0 else (prop.x0 + h * 0.6, y + layer)
            open_end = (prop.x0 + h * 0.5, y + layer) if prop.fold > 0 else (prop.x1 - h * 0.5, y + layer)
            art.line(open_end, fold, 0.45, INK, solid=False)


def _box(art: Art, box):
    """A second view's rounded box: white, thinly outlined; texts keep off its edge but may sit inside."""
    x0, y0, x1, y1 = box
    c = 2.0  # the corners' radius
    corners = [(x1 - c, y1 - c, 0), (x0 + c, y1 - c, 90), (x0 + c, y0 + c, 180), (x1 - c, y0 + c, 270)]
    outline = [(x + c * math.cos(math.radians(a + i * 30)), y + c * math.sin(math.radians(a + i * 30)))
               for x, y, a in corners for i in range(4)]
    art.polygon(outline, WHITE, INK, 0.6, solid=False)
    art.footprint += [(a, b, 0.3) for a, b in zip(outline, outline[1:] + outline[:1], strict=True)]


def _frame(art: Art, frame: Frame):
    """A small second view from the front: a rounded box (texts keep off its edge but may sit inside), a chair seen
    from the front (its back's two posts and top rail behind the person, the seat a band, two front legs down to the
    box's foot), the person on it back to front, the hands, and the head facing the reader (eyes and a mouth)."""
    x0, y0, x1, y1 = frame.box
    _box(art, frame.box)
    s0, t0, s1, t1 = frame.seat
    for x in (s0 + 1.2, s1 - 1.2):  # the back's posts, seen between the person's arms
        art.rect(x - 0.8, t1, x + 0.8, t1 + 16, PROP)
    art.rect(s0, t1 + 14.5, s1, t1 + 16.5, PROP)  # its top rail
    for x in (s0 + 1.2, s1 - 1.2):  # the front legs
        art.rect(x - 0.8, y0 + 1.0, x + 0.8, t0, PROP)
    art.rect(s0, t0, s1, t1, PROP_LIGHT, PROP, 0.6)  # the seat's front edge
    pose = frame.pose
    joints = pose.joints
    for limb in pose.limbs:
        _limb(art, [joints[j] for j in limb.joints], limb.radius, limb.tone, halo=limb.halo)
    for hand in pose.hands:
        art.circle(joints[hand], 1.7, WHITE)
    _head(art, joints["head"], pose.head, 0)


# The foot seen from its sole (figures.Sole), in the foot's own units: a along it (0 the heel's end, 1 the toes'
# end), b across it in half widths of the ball (+1 the big toe's edge, up in the figure). The outline of a
# sole: the heel round, the outer edge nearly straight, the inner edge drawn in at the arch, the wide ball;
# five toes beyond it as round pads along a slant, the big toe's the largest and the farthest.
SOLE_OUTLINE = [(0.0, 0.0), (0.015, -0.42), (0.06, -0.68), (0.14, -0.8), (0.3, -0.82), (0.48, -0.86), (0.62, -0.94),
                (0.72, -1.0), (0.78, -0.96), (0.81, -0.72), (0.84, -0.4), (0.87, -0.05), (0.88, 0.3),
                (0.86, 0.78), (0.8, 1.0), (0.72, 1.02), (0.62, 0.9), (0.5, 0.6), (0.38, 0.48), (0.26, 0.52),
                (0.15, 0.66), (0.06, 0.6), (0.015, 0.4)]
TOE_PADS = [(0.925, 0.6, 0.42), (0.915, 0.05, 0.26), (0.895, -0.36, 0.24), (0.865, -0.7, 0.22), (0.82, -0.98, 0.2)]
PART_POINTS = {0.0: (0.09, 0.0), 1.0: (0.93, -0.2)}  # where a word's line ends: on the heel (off its edge), in the toes
HANDS = {"hand": (0.2, 0.38), "far_hand": (0.46, 0.64)}  # each hand on the upper edge at a, its thumb's tip at a
THUMB = 1.75  # a thumb's radius, box units
NAIL = (1.25, 1.0)  # a thumb's nail: half its length along the thumb and half its width, box units
NAIL_LINE = 0.5  # the nail's outline
THUMB_TIP = 0.13  # across the foot (b) where a thumb's tip lies: along the sole, above the arrow


def foot_point(sole: Sole, a: float, b: float) -> tuple[float, float]:
    """A point of the foot (a along it from the heel, b across it in half widths, + the big toe's edge) in box units."""
    (hx, hy), (tx, ty) = sole.heel, sole.toe
    length = math.dist(sole.heel, sole.toe)
    vx, vy = -(ty - hy) / length * sole.sign, (tx - hx) / length * sole.sign  # across, towards the big toe
    half = sole.width / 2
    return (hx + a * (tx - hx) + b * half * vx, hy + a * (ty - hy) + b * half * vy)


def _upper_edge(a: float) -> float:
    """Where the sole's upper (big toe's) edge is across the foot (b) at a along it."""
    upper = sorted(p for p in SOLE_OUTLINE if p[1] > 0)
    for (a0, b0), (a1, b1) in zip(upper, upper[1:], strict=False):
        if a0 <= a <= a1:
            return b0 + (b1 - b0) * (a - a0) / (a1 - a0)
    raise ValueError(a)


def _sole(art: Art, sole: Sole, pose: Pose):
    """The foot seen from its sole, over the other thigh: the toes' pads, the sole over them (white, outlined),
    the patch along it, then both hands on the upper edge with their thumbs on the sole."""
    half = sole.width / 2
    for a, b, r in TOE_PADS:
        art.circle(foot_point(sole, a, b), r * half, WHITE, INK, OUTLINE)
        art.stretched.append(art.footprint[-1])  # the toes of the black leg's foot
    outline = [foot_point(sole, *p) for p in SOLE_OUTLINE]
    art.polygon(outline, WHITE, INK, 1.6)  # a heavy black edge: the black leg's foot
    art.stretched += _polygon_footprint(outline, 0.5)
    _region(art, pose.region)
    for hand, (at, tip_at) in HANDS.items():  # the hand over the upper edge (its fingers behind the foot)
        b = _upper_edge(at)
        edge, tip = foot_point(sole, at, b), foot_point(sole, tip_at, THUMB_TIP)
        _limb(art, [pose.joints[hand], edge], (FOREARM,), BODY)  # the wrist down to the hand
        base = foot_point(sole, at + 0.02, b - 0.1)
        # the hand mostly over the edge, then the whole thumb over it, outlined all round: two thumbs lying along
        # the sole towards the toes (review 12: a hand and its thumb drawn as one white shape read as a lump)
        art.polygon(_ellipse(*foot_point(sole, at, b + 0.35), 3.0, 2.3, 0), WHITE, INK, OUTLINE)
        art.line(base, tip, 2 * THUMB + 2 * OUTLINE, INK)
        art.line(base, tip, 2 * THUMB, WHITE, solid=False)
        # its nail at the tip, seen from above as the thumb presses the sole (review 13: without one "the thumbs are
        # not drawn as thumbs, the hands look like clouds"); an oblong along the thumb, thinly outlined
        length = math.dist(base, tip)
        ux, uy = (tip[0] - base[0]) / length, (tip[1] - base[1]) / length
        centre = (tip[0] - ux * NAIL[0] * 0.35, tip[1] - uy * NAIL[0] * 0.35)
        angle = math.degrees(math.atan2(uy, ux))
        art.polygon(_ellipse(*centre, NAIL[0], NAIL[1], angle), WHITE, INK, NAIL_LINE, solid=False)


CLOSE_THUMB = 2.3  # a close-up thumb's radius, box units
CLOSE_NAIL = (1.5, 1.25)  # its nail: half its length along the thumb and half its width


def _close_up(art: Art, close_up: CloseUp):
    """The close-up of the sole (figures.CloseUp): its box; behind the foot, each hand's fingers showing past the
    sole's edge by its thumb; the toes (five pads over the ball's end, the big toe's the largest) and the sole over
    them, a footprint outlined heavy in ink; the part worked on; both thumbs over the sole, each a rounded oblong
    outlined all round with its nail at the tip; the bold arrow from the heel towards the toes."""
    _box(art, close_up.box)
    sole = close_up.sole
    for base, tip in close_up.thumbs:  # the hand behind the foot: an oval past the edge, beyond the thumb's base
        length = math.dist(base, tip)
        ux, uy = (tip[0] - base[0]) / length, (tip[1] - base[1]) / length
        palm = (base[0] - ux * 2.2, base[1] - uy * 2.2)
        art.polygon(_ellipse(*palm, 3.4, 2.6, math.degrees(math.atan2(uy, ux))), WHITE, INK, OUTLINE)
    half = sole.width / 2
    for a, b, r in TOE_PADS:
        art.circle(foot_point(sole, a, b), r * half, WHITE, INK, OUTLINE)
    outline = [foot_point(sole, *p) for p in SOLE_OUTLINE]
    art.polygon(outline, WHITE, INK, 1.6)
    _region(art, close_up.region)
    for base, tip in close_up.thumbs:
        art.line(base, tip, 2 * CLOSE_THUMB + 2 * OUTLINE, INK)
        art.line(base, tip, 2 * CLOSE_THUMB, WHITE, solid=False)
        length = math.dist(base, tip)
        ux, uy = (tip[0] - base[0]) / length, (tip[1] - base[1]) / length
        centre = (tip[0] - ux * CLOSE_NAIL[0] * 0.4, tip[1] - uy * CLOSE_NAIL[0] * 0.4)
        art.polygon(_ellipse(*centre, *CLOSE_NAIL, math.degrees(math.atan2(uy, ux))), WHITE, INK, NAIL_LINE,
                    solid=False)
    _arrow(art, close_up.arrow)


def key_sample(kind: str, width: float, height: float) -> Drawing:
    """A small sample for the handout's key, drawn as in the figures and at about their scale (a 24 x 18 box):
    the black leg, the grey patch, the faint start pose with an arrow."""
    art = Art()
    if kind == "leg":
        _limb(art, [(2, 13), (11, 9), (21, 4)], (THIGH, SHIN), STRETCH)
    elif kind == "patch":
        _limb(art, [(2, 9), (22, 9)], (THIGH + 0.6,), BODY)
        _region(art, (12, 7.5, 6.5, 3.4, 0), [((2, 9), (22, 9), THIGH + 0.6)])
    else:
        _ghost_capsule(art, (5, 2), (5, 10), TORSO - 1.6)
        _head(art, (5, 14), 3.4, 0, ghost=True)
        _arrow(art, Arrow((10.5, 9), (23, 9), "", (0, 0)))
    scale = min(width / 24, height / 18)
    group = Group(transform=(scale, 0, 0, scale, (width - 24 * scale) / 2, (height - 18 * scale) / 2))
    group.__dict__["operators_key"] = ("key", kind, width, height)  # shapes checking refuses a new attribute
    for shape in art.shapes:
        group.add(shape)
    drawing = CachedDrawing(width, height)
    # not Helvetica 10: no text here
    drawing.initialFontName, drawing.initialFontSize = fonts.REGULAR, LABEL_PT  # type: ignore[attr-defined]
    drawing.add(group)
    return drawing


def _arrow(art: Art, arrow: Arrow):
    (x1, y1), (x2, y2) = arrow.start, arrow.end
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    if arrow.width:  # a shaft of its own width over a drawing: a head to match and a white edge
        thick = arrow.width - 1.3
        head, half, shaft = 3.6 + 1.5 * thick, 2.4 + thick, arrow.width
    else:
        head, half, shaft = (4.8, 3.2, 2.0) if arrow.bold else (3.6, 2.4, 1.3)
    base = (x2 - ux * head, y2 - uy * head)
    wing = (-uy * half, ux * half)
    tip = [(x2, y2), (base[0] + wing[0], base[1] + wing[1]), (base[0] - wing[0], base[1] - wing[1])]
    if arrow.width:
        art.line((x1, y1), base, shaft + 1.2, WHITE, solid=False)
        art.polygon(tip, WHITE, WHITE, 1.5, solid=False)
    art.line((x1, y1), base, shaft, INK)
    art.polygon(tip, INK, INK, 0.3)


# -- figures drawn from cached PDF operators ----------------------------------------------------------
# A handout draws the same few figures as every other handout; ReportLab's graphics renderer formats
# every coordinate again each time (about 40 ms a handout). A CachedDrawing draws a group that has an
# `operators_key` (the arguments its shapes were made from) once, keeps the operators the renderer wrote
# for it, and writes them again for the same key: the same bytes. Only groups without text are keyed
# (the side label and the arrows' words are drawn each time, in the document's own font subset), and
# operators naming a resource (a font, an ExtGState) are never kept. The group is balanced (q ... Q),
# so the canvas's state after it is the state before it either way.
# ReportLab's private names it needs (the renderer class, the page's operators, the transparency) are in rl_compat.py.
_OPERATORS: dict[tuple, tuple[str, ...]] = {}
OPERATORS_MAX = 256  # figures x sizes x sides of a content folder; emptied when full


class CachedDrawing(Drawing):
    """A Drawing whose keyed groups are drawn from cached operators (see above)."""

    def draw(self, showBoundary=None):
        from reportlab.graphics.renderbase import renderScaledDrawing

        _renderer()().draw(renderScaledDrawing(self), self.canv, 0, 0, showBoundary=False)


@cache
def _renderer():
    """The renderer class, made on first use (ReportLab's renderPDF loads only when a figure is drawn)."""
    from reportlab import rl_config

    from .rl_compat import page_code, pdf_renderer_class, renderer_canvas, transparency_set

    class CachingRenderer(pdf_renderer_class()):
        def drawNode(self, node):
            key = getattr(node, "operators_key", None)
            canvas = renderer_canvas(self)
            if key is None or transparency_set(canvas):  # not keyed, or a transparency is set
                return super().drawNode(node)
            # invariant: the order the renderer writes states in; a canvas that draws graphics its own way
            key = (*key, rl_config.invariant, _graphics_of(type(canvas)))
            cached = _OPERATORS.get(key)
            if cached is None and key[-1] is None:  # drawn by ReportLab's own canvas code: maybe on disk
                cached = _stored_operators(key)
                if cached is not None:
                    _keep_operators(key, cached)
            shared = getattr(canvas, "draw_shared", None)  # a print file's canvas: once, as a form (printfile.py)
            if cached is not None:
                if shared is not None:
                    shared(cached)
                else:
                    page_code(canvas).extend(cached)
                return None
            start = len(page_code(canvas))
            super().drawNode(node)
            written = tuple(page_code(canvas)[start:])
            if not any("/" in op or "BT" in op for op in written):  # no resource named, no text
                _keep_operators(key, written)
                if key[-1] is None:
                    _store_operators(key, written)
                if shared is not None:
                    del page_code(canvas)[start:]
                    shared(written)
            return None

    return CachingRenderer


def _keep_operators(key: tuple, operators: tuple[str, ...]) -> None:
    if len(_OPERATORS) >= OPERATORS_MAX:
        _OPERATORS.clear()
    _OPERATORS[key] = operators


def _operators_key(key: tuple) -> str:
    """A group's operators on disk (cache.py): its arguments and the invariant flag, ReportLab's version and
    whether its C accelerator formats the numbers, and this program's code."""
    from reportlab import Version

    from . import cache

    return (f"operators {key[:-1]!r} reportlab {Version} accel {sys.modules.get('_rl_accel') is not None} "
            f"code {cache.code_version()}")


def _stored_operators(key: tuple) -> tuple[str, ...] | None:
    from . import cache

    stored = cache.read("operators", _operators_key(key))
    if type(stored) is tuple and all(type(op) is str for op in stored):
        return stored
    return None


def _store_operators(key: tuple, operators: tuple[str, ...]) -> None:
    from . import cache

    cache.write("operators", _operators_key(key), operators)


# What our canvases override (tagging.py, render.py): none of it draws graphics.
NOT_GRAPHICS = frozenset({"__init__", "__doc__", "__module__", "__qualname__", "drawText", "showPage", "save"})


def _graphics_of(canvas_class) -> type | None:
    """None for a canvas that writes graphics as ReportLab's Canvas does (it overrides only NOT_GRAPHICS),
    else the class itself: its operators are cached apart."""
    from reportlab.pdfgen.canvas import Canvas

    own = {name for klass in canvas_class.__mro__[:canvas_class.__mro__.index(Canvas)] for name in vars(klass)}
    return canvas_class if (own & set(vars(Canvas))) - NOT_GRAPHICS else None


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
        shared = getattr(self.canv, "draw_shared", None)  # a print file's canvas: once, as a form (printfile.py)
        if shared is not None:
            shared((_qr_operators(self.url, self.size),))
        else:
            self.canv.addLiteral(_qr_operators(self.url, self.size))


def qr_code(url: str, size: float) -> QrCode:
    return QrCode(url, size)


@lru_cache(maxsize=32)
def _qr_operators(url: str, size: float) -> str:
    """Kept on disk too (cache.py): encoding the clinic's address took about 11 ms in every new process."""
    from reportlab import Version

    from . import cache

    key = f"qr {url!r} {size!r} reportlab {Version} code {cache.code_version()}"
    stored = cache.read("qr", key)
    if isinstance(stored, str):
        return stored
    operators = _encoded_qr_operators(url, size)
    cache.write("qr", key, operators)
    return operators


def _encoded_qr_operators(url: str, size: float) -> str:
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
        image = image.resize(pixels, PILImage.LANCZOS)  # type: ignore[attr-defined]  # every Pillow has it
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
