"""The built-in stretch figures: each a pose as data, all drawn by one renderer in one style.

A pose places joints in a 100 x 75 box (y up, the floor at y = 8). Side views face right, so the
limbs nearer the viewer (drawn dark) are the patient's right side; the front view shows the
patient's right leg on the viewer's left. Mirroring a pose shows the left side.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 100.0, 75.0
FLOOR = 8.0

Point = tuple[float, float]


@dataclass(frozen=True)
class Chair:
    """A chair seen from the side (or the front): back at x, seat from x to x + depth."""

    x: float
    depth: float = 18.0
    seat: float = 28.0
    back: float = 24.0  # height of the back above the seat; 0 for a stool
    facing: int = 1  # +1: the seat extends to the right of the back


@dataclass(frozen=True)
class Wall:
    x: float


@dataclass(frozen=True)
class Sole:
    """A close-up of a foot's sole: a rounded band from the heel to the ball, and five toes."""

    heel: Point
    ball: Point
    width: float = 22.0


@dataclass(frozen=True)
class Pose:
    """One figure: joints, the limbs between them (near ones dark, far ones grey), props and marks."""

    joints: dict[str, Point]
    near: tuple[tuple[str, ...], ...]  # chains of joints drawn dark, in front
    far: tuple[tuple[str, ...], ...] = ()  # chains drawn grey, behind
    props: tuple = ()
    highlight: tuple[float, float, float, float] = (0, 0, 0, 0)  # ellipse: centre x, y, radius x, y
    arrow: tuple[Point, Point] | None = None  # the direction of movement
    label: Point = (0, 0)  # where the side label (右 / 左) goes
    caption: str = ""  # what the highlight marks, for the gallery
    floor: bool = True

    def mirrored(self) -> Pose:
        def flip(point: Point) -> Point:
            return (WIDTH - point[0], point[1])

        def flip_prop(prop):
            if isinstance(prop, Chair):
                return Chair(WIDTH - prop.x, prop.depth, prop.seat, prop.back, -prop.facing)
            if isinstance(prop, Sole):
                return Sole(flip(prop.heel), flip(prop.ball), prop.width)
            return Wall(WIDTH - prop.x)

        cx, cy, rx, ry = self.highlight
        return Pose({k: flip(v) for k, v in self.joints.items()}, self.near, self.far,
                    tuple(map(flip_prop, self.props)), (WIDTH - cx, cy, rx, ry),
                    tuple(map(flip, self.arrow)) if self.arrow else None, flip(self.label), self.caption,
                    self.floor)


SIDE_VIEW_NEAR = (("neck", "hip"), ("hip", "knee", "ankle", "toe"), ("neck", "shoulder", "elbow", "hand"))
SIDE_VIEW_FAR = (("hip", "far_knee", "far_ankle", "far_toe"), ("shoulder", "far_elbow", "far_hand"))

POSES: dict[str, Pose] = {
    # Kneeling lunge, hands on a chair back: the right knee down behind, the hips moving forward.
    "hip-flexor": Pose(
        joints={"head": (49, 57), "neck": (48, 48), "shoulder": (48, 46), "hip": (46, 26),
                "knee": (32, 10), "ankle": (12, 10), "toe": (8, 13),
                "far_knee": (66, 29), "far_ankle": (66, 10), "far_toe": (73, 9),
                "elbow": (61, 46), "hand": (74, 48), "far_elbow": (60, 44), "far_hand": (73, 46)},
        near=SIDE_VIEW_NEAR, far=SIDE_VIEW_FAR, props=(Chair(76, depth=16, back=21),),
        highlight=(42, 20, 7, 7), arrow=((50, 36), (62, 36)), label=(28, 24),
        caption="股関節の前"),
    # Standing, front view, holding a chair: the right leg out to the side, heel down, toes up.
    "inner-thigh": Pose(
        joints={"head": (56, 68), "neck": (56, 60), "shoulder": (50, 57), "far_shoulder": (62, 57),
                "pelvis": (55, 37), "hip": (51, 36), "far_hip": (60, 36),
                "knee": (37, 23), "ankle": (22, 10), "toe": (20, 17),
                "far_knee": (64, 23), "far_ankle": (62, 10), "far_toe": (67, 9),
                "elbow": (44, 48), "hand": (46, 39), "far_elbow": (70, 52), "far_hand": (80, 51)},
        near=(("neck", "pelvis"), ("hip", "knee", "ankle", "toe"), ("shoulder", "elbow", "hand"),
              ("far_hip", "far_knee", "far_ankle", "far_toe"), ("far_shoulder", "far_elbow", "far_hand"),
              ("shoulder", "far_shoulder"), ("hip", "far_hip")),
        props=(Chair(80, depth=14, facing=1),),
        highlight=(43, 29, 8, 5), arrow=((62, 44), (74, 36)), label=(26, 28),
        caption="太ももの内側"),
    # Seated, the right ankle on the left knee (figure 4), back straight, leaning forward from the hips.
    "buttock": Pose(
        joints={"head": (55, 60), "neck": (51, 52), "shoulder": (51, 50), "hip": (38, 32),
                "knee": (54, 40), "ankle": (63, 34), "toe": (68, 35),
                "far_knee": (59, 31), "far_ankle": (59, 10), "far_toe": (66, 9),
                "elbow": (59, 45), "hand": (63, 38), "far_elbow": (57, 44), "far_hand": (56, 40)},
        near=SIDE_VIEW_NEAR, far=SIDE_VIEW_FAR, props=(Chair(24, depth=20),),
        highlight=(33, 33, 7, 6), arrow=((58, 69), (68, 61)), label=(14, 44),
        caption="お尻"),
    # On the front edge of a chair set against a wall: the right leg forward, heel down, leaning forward.
    "hamstring": Pose(
        joints={"head": (57, 62), "neck": (53, 55), "shoulder": (52, 53), "hip": (40, 31),
                "knee": (60, 24), "ankle": (80, 10), "toe": (82, 17),
                "far_knee": (57, 31), "far_ankle": (57, 10), "far_toe": (64, 9),
                "elbow": (58, 44), "hand": (62, 33), "far_elbow": (60, 45), "far_hand": (64, 35)},
        near=SIDE_VIEW_NEAR, far=SIDE_VIEW_FAR, props=(Chair(22, depth=20), Wall(17)),
        highlight=(56, 22, 10, 5), arrow=((59, 69), (69, 61)), label=(70, 28),
        caption="太ももの裏"),
    # A close-up of the right sole, toes up: both thumbs slide along it from the heel to the toes.
    "foot-sole": Pose(
        joints={"wrist": (80, 14), "thumb": (56, 24), "far_wrist": (82, 36), "far_thumb": (57, 40)},
        near=(("wrist", "thumb"), ("far_wrist", "far_thumb")), props=(Sole(heel=(46, 12), ball=(46, 48)),),
        highlight=(46, 30, 8, 17), arrow=((24, 12), (24, 52)), label=(78, 62), caption="足の裏", floor=False),
}
