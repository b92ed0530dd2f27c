"""The built-in stretch figures: each a pose as data, all drawn by one renderer (pictures.py) in one style.

A pose places joints in a 100 x 60 box (y up, the floor at y = 6). Side views face right, so the limbs nearer
the viewer are the patient's right side (the sole massage faces left, the one view that shows the sole); the
view from behind (inner-thigh) shows the patient's right leg on the viewer's right, as the reader's own (a front
view is copied like a mirror). Every pose shows the right leg stretched; mirroring it shows the left.

How a figure reads (the handout's key says the same in words):
- the leg to stretch is solid black; the other leg light grey in every figure (side and front views);
  the rest of the body is white with a black outline, the arm behind it light grey;
- the part that stretches is a hatched mid-grey patch, drawn only inside the limbs (the region's ellipse cut
  to them), so it is on the body, never beside it;
- the start of the movement is a faint dashed outline of the trunk and head only (`ghost` may name other
  joints, they are not drawn); an arrow with a word or two shows the movement.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

WIDTH, HEIGHT = 100.0, 60.0
FLOOR = 6.0

Point = tuple[float, float]

STRETCH, BODY, FAR = "stretch", "body", "far"  # a limb's tone: the leg to stretch, the near body, behind it


def flip(point: Point) -> Point:
    return (WIDTH - point[0], point[1])


OTHER_SIDE = {"右": "左", "左": "右"}


def side_words(text: str, side: str) -> str:
    """Words that name a side, filled for the figure drawn: {side} becomes the stretched leg's side (右 or 左),
    {other} the other leg's. A word such as ひざを曲げる next to the label 右 read as "bend the RIGHT knee"
    (review 6), so the words that name a leg carry its side: "{other}ひざを曲げる" says 左ひざを曲げる on the
    right figure and 右ひざを曲げる on its mirror."""
    return text.replace("{side}", side).replace("{other}", OTHER_SIDE[side])


@dataclass(frozen=True)
class Limb:
    """A chain of joints drawn as one rounded, outlined body part; radius per segment."""

    joints: tuple[str, ...]
    radius: tuple[float, ...]
    tone: str = BODY
    halo: bool = False  # a thin white edge round it: it lies over another part of the same tone (a crossed shin)


@dataclass(frozen=True)
class Chair:
    """A chair without casters seen from the side: back at x, seat from x to x + facing * depth."""

    x: float
    depth: float = 16.0
    seat: float = 22.0  # seat height above the floor line
    back: float = 16.0  # height of the back above the seat
    facing: int = 1
    gripped: bool = False  # a hand at the top of its back is drawn gripping the top rail (pictures._grip)

    def mirrored(self) -> Chair:
        return replace(self, x=WIDTH - self.x, facing=-self.facing)


@dataclass(frozen=True)
class Wall:
    """A wall seen edge on: a band of bricks, x0 to x1, from the floor up to `top` (the box's top by default;
    lower where words need the room above it)."""

    x0: float
    x1: float
    top: float = HEIGHT - 1

    def mirrored(self) -> Wall:
        return Wall(WIDTH - self.x1, WIDTH - self.x0, self.top)


@dataclass(frozen=True)
class Towel:
    """A folded towel on the floor under a kneeling knee: x0 to x1, `height` thick."""

    x0: float
    x1: float
    height: float = 2.6
    fold: int = 1  # the folded edge: +1 at x1, -1 at x0

    def mirrored(self) -> Towel:
        return Towel(WIDTH - self.x1, WIDTH - self.x0, self.height, -self.fold)


@dataclass(frozen=True)
class Sole:
    """The black leg's foot seen from its sole, big, lying on the other thigh: a person sitting seen from the
    side of the other leg sees the sole of a foot put on that thigh (the sole turns to that side, the toes
    forward, the heel towards the body, the big toe up). Drawn (pictures.py, SOLE_OUTLINE) as a black foot
    with its sole white: the heel's round pad, the arch, the ball and five toe pads; both hands hold its upper
    edge with both thumbs on the sole. `words` name its ends on the drawing: (word, first spot, the end named:
    0 the heel, 1 the toes)."""

    heel: Point  # the heel's end
    toe: Point  # the far end of the toes: the foot is `heel` to `toe` long
    width: float  # across the ball of the foot
    sign: int = -1  # the big toe's side: -1 right of heel -> toe (up when the toes point left); mirrored +1
    words: tuple[tuple[str, Point, float], ...] = ()

    def mirrored(self) -> Sole:
        return Sole(flip(self.heel), flip(self.toe), self.width, -self.sign,
                    tuple((w, flip(at), end) for w, at, end in self.words))


@dataclass(frozen=True)
class CloseUp:
    """A framed close-up (box x0, y0, x1, y1) of the black leg's sole seen from below, big and upright: the heel at
    the bottom, the toes at the top, a footprint's shape (`sole`, its words かかと and つま先 at its ends); both
    thumbs on it (`thumbs`: each thumb's base at the sole's edge and its tip on the sole, the rest of each hand
    behind the foot, showing past its edge), the part worked on (`region`, an ellipse as Pose.region), and one
    bold arrow from the heel towards the toes with its words (親指で さする)."""

    box: tuple[float, float, float, float]
    sole: Sole
    thumbs: tuple[tuple[Point, Point], ...]
    region: tuple[float, float, float, float, float]
    arrow: Arrow

    def mirrored(self) -> CloseUp:
        x0, y0, x1, y1 = self.box
        cx, cy, rx, ry, angle = self.region
        return CloseUp((WIDTH - x1, y0, WIDTH - x0, y1), self.sole.mirrored(),
                       tuple((flip(a), flip(b)) for a, b in self.thumbs), (WIDTH - cx, cy, rx, ry, -angle),
                       self.arrow.mirrored())


@dataclass(frozen=True)
class Frame:
    """A small second view in a box (x0, y0, x1, y1): the person seen from the FRONT, drawn from `pose` (its joints
    in box units, at their drawn size; facing the reader, so their right is on the page's left), sitting on a chair
    seen from the front: its seat the band `seat` (x0, y0, x1, y1), its two front legs under it down to the box's
    foot, its back's posts and top rail above it, behind the person. An optional `title` is written at `title_at`."""

    box: tuple[float, float, float, float]
    pose: Pose
    seat: tuple[float, float, float, float]
    title: str = ""
    title_at: Point = (0.0, 0.0)

    def mirrored(self) -> Frame:
        x0, y0, x1, y1 = self.box
        s0, t0, s1, t1 = self.seat
        return Frame((WIDTH - x1, y0, WIDTH - x0, y1), self.pose.mirrored(), (WIDTH - s1, t0, WIDTH - s0, t1),
                     self.title, flip(self.title_at))


@dataclass(frozen=True)
class Arrow:
    """The movement, start to end, with its word or two written beside it (centred at `word_at`, its box at most
    `word_gap` units from the arrow)."""

    start: Point
    end: Point
    word: str
    word_at: Point
    word_gap: float = 10.0
    bold: bool = False  # a thicker shaft and a bigger head (a short arrow on a limb, review 10: "tiny, thin")
    width: float = 0.0  # else: a shaft this wide, drawn over a drawing (a white edge, its head to match)

    def mirrored(self) -> Arrow:
        return replace(self, start=flip(self.start), end=flip(self.end), word_at=flip(self.word_at))


@dataclass(frozen=True)
class Pose:
    """One figure: the end pose, its ghosted start, props, the stretched patch, arrows and label spots."""

    joints: dict[str, Point]
    limbs: tuple[Limb, ...]  # back to front
    head: float = 5.4  # radius of the head, drawn at joints["head"]
    facing: int = 1  # +1 faces right, -1 left, 0 the viewer
    hands: tuple[str, ...] = ()  # joints drawn as hands (they hold something)
    props: tuple = ()
    region: tuple[float, float, float, float, float] = (0, 0, 0, 0, 0)  # ellipse: centre x, y, radius x, y, degrees
    ghost: dict[str, Point] = field(default_factory=dict)  # the start pose: joints that differ from the end
    arrows: tuple[Arrow, ...] = ()
    label_spots: tuple[Point, ...] = ()  # where the side label may go, first choice first
    caption: str = ""  # what the patch marks, for the gallery
    floor: bool = True
    from_behind: bool = False  # facing 0 seen from behind: the head shows hair, the person's right on the right
    note: str = ""  # a short word in the picture that is not a movement (うしろ姿), written at note_at
    note_at: Point = (0.0, 0.0)
    side: str = "右"  # the stretched leg drawn: every pose shows the right one, its mirror the left
    label_words: str = ""  # what the side label says with 右 or 左 in it, e.g. "{side}ひざ" (the label alone if empty)
    label_line: tuple[Point, Point] | None = None  # a thin line from beside the side label to the part it names
    # (the label then ends 1 unit before the line's start, at the heights of label_spots)
    text_scale: float = 1.0  # its words and label this much larger than the standard sizes (where there is room)

    def mirrored(self) -> Pose:
        cx, cy, rx, ry, angle = self.region
        return Pose({k: flip(v) for k, v in self.joints.items()}, self.limbs, self.head, -self.facing, self.hands,
                    tuple(p.mirrored() for p in self.props), (WIDTH - cx, cy, rx, ry, -angle),
                    {k: flip(v) for k, v in self.ghost.items()}, tuple(a.mirrored() for a in self.arrows),
                    tuple(map(flip, self.label_spots)), self.caption, self.floor, self.from_behind, self.note,
                    flip(self.note_at), OTHER_SIDE[self.side], self.label_words,
                    None if self.label_line is None else (flip(self.label_line[0]), flip(self.label_line[1])),
                    self.text_scale)


# Limb thickness (radius, in box units): torso, upper arm, forearm, thigh, shin, foot.
TORSO, UPPER_ARM, FOREARM, THIGH, SHIN, FOOT = 4.6, 1.9, 1.6, 2.9, 2.3, 1.5

BUTTOCK = 4.9  # a seated person's buttock seen from the side: a round end behind the hip, the trunk's own outline

ARM = (UPPER_ARM, FOREARM)
LEG = (THIGH, SHIN, FOOT)


def side_view(far_arm: bool = True) -> tuple[Limb, ...]:
    """A person seen from their right: left limbs behind (grey), torso, the right leg (black), right arm."""
    limbs = [Limb(("far_hip", "far_knee", "far_ankle", "far_toe"), LEG, FAR)]
    if far_arm:
        limbs.append(Limb(("far_shoulder", "far_elbow", "far_hand"), ARM, FAR))
    limbs += [Limb(("hip", "neck"), (TORSO,)), Limb(("hip", "knee", "ankle", "toe"), LEG, STRETCH),
              Limb(("shoulder", "elbow", "hand"), ARM)]
    return tuple(limbs)


# The buttock stretch seen from the FRONT, beside the side view (round 13, both readers: the side view "reads as
# ordinary knee-over-knee crossing", the view from above "looks like an abstract shape"). The classic figure-4, as
# physiotherapy handouts draw it: the person faces the reader, so their right leg (black) is on the page's LEFT;
# the grey (left) thigh points at the reader (a short thigh, the knee just below the hip), its shin straight down;
# the black thigh goes out and down to the knee at the side, the black shin lies level across to the grey knee,
# the ankle ON it, the foot past it. The right hand rests on the black knee, the left on the black ankle.
FIGURE_FOUR_FRONT = Pose(
    joints={"head": (77, 53.8), "neck": (77, 47.5), "pelvis": (77, 33.5),
            "shoulder": (71.5, 44.8), "far_shoulder": (82.5, 44.8),
            "hip": (73, 31), "far_hip": (81, 31),
            "knee": (55.5, 16.0), "ankle": (79.5, 22.8), "toe": (90.5, 23.2),
            "far_knee": (81.5, 18.5), "far_ankle": (81.5, 6.0), "far_toe": (81.5, 3.4),
            "elbow": (63.0, 34.0), "hand": (57.0, 19.2), "far_elbow": (90.5, 37.0), "far_hand": (88.0, 26.8)},
    limbs=(Limb(("pelvis", "neck"), (TORSO + 1.0,)),
           Limb(("far_hip", "far_knee", "far_ankle", "far_toe"), LEG, FAR),
           Limb(("hip", "knee"), (THIGH,), STRETCH),
           Limb(("knee", "ankle", "toe"), (SHIN, FOOT), STRETCH, halo=True),
           Limb(("shoulder", "elbow", "hand"), ARM), Limb(("far_shoulder", "far_elbow", "far_hand"), ARM)),
    head=4.8, facing=0, hands=("hand", "far_hand"), floor=False)

# The foot-sole's close-up (round 14: at card size the whole foot was ~11 mm, "fingers and toes the same small
# circles", "the thumbs are not drawn", the arrow read as "slide the foot forward"): the RIGHT sole seen from below,
# upright, heel at the bottom, toes at the top. Seen from below with the toes up, a right sole has its big toe on
# the viewer's RIGHT (the right foot's big toe is on its inner side, towards the left foot; looking at the sole from
# below turns the foot's left and right round, as a right palm held up to the face has its thumb on the right), so
# sign -1 (the big toe right of heel -> toe); the mirror (the left sole) has it on the left. Both thumbs come in
# from the sole's edges near the heel, tips together towards the toes; the arrow goes on from their tips to the
# ball of the foot; 親指で さする beside it, かかと under the heel, つま先 over the toes.
SOLE_CLOSE_UP = CloseUp(
    box=(0.3, 0.3, 46.5, 59.7),
    sole=Sole((37.5, 12.4), (37.5, 47.8), 13.4, words=(("かかと", (32.5, 5.9), 0.0), ("つま先", (32.0, 54.2), 1.0))),
    thumbs=(((33.4, 17.4), (35.2, 27.6)), ((41.6, 17.4), (39.8, 27.6))),
    region=(37.2, 34.0, 3.6, 8.0, 0.0),
    arrow=Arrow((37.5, 30.6), (37.5, 42.3), "親指で\nさする", (14.0, 36.0), word_gap=14, width=2.4))

POSES: dict[str, Pose] = {
    # Half-kneeling lunge beside a chair: the right knee down behind on a folded towel (a soft pad), the left
    # foot flat ahead, its thigh sloping a little down to the knee (not a seat), the trunk upright, both hands
    # gripping the top of the back of a sturdy chair standing ahead (the fingers curled over its top rail; review
    # 12: a round hand on a thin post "reached into nothing"), its seat away from the person; the hips move
    # forward from the faint upright start over the knee (arrow behind the buttocks, お尻を前へ right over it; round
    # 13: higher, at the lower back, it "invites arching the lower back"). The thigh stands up from the knee (round
    # 13: "the kneeling leg looks almost straight"; thigh and shin at 133 degrees, were 143).
    # Review 12: お尻を前へ at head height and 右ひざを床に right by the arrow were paired wrongly, so the label
    # names the knee (右ひざ) over the black foot, well below the arrow, with a thin line to the knee on the
    # towel; the words are larger (label 12 pt, words 11.45 pt on the card) where the left side has the room.
    "hip-flexor": Pose(
        joints={"head": (61.5, 52.5), "neck": (60.5, 44), "hip": (60, 26), "far_hip": (60, 26),
                "knee": (54, 12.9), "ankle": (42.5, 9.0), "toe": (37, 7.0),
                "far_knee": (75, 22.5), "far_ankle": (78, 8.6), "far_toe": (84, 7.4),
                "shoulder": (60.5, 41), "elbow": (71, 39.2), "hand": (81.3, 39.6),
                "far_shoulder": (60.5, 41), "far_elbow": (70.6, 38.8), "far_hand": (81, 39.4)},
        limbs=side_view(), hands=("hand",),
        props=(Chair(82, depth=14, seat=18, back=14, gripped=True), Wall(96, 99.5), Towel(43.5, 65, 4.6)),
        region=(59, 22, 4.6, 2.4, 55),
        ghost={"head": (54, 54), "neck": (53, 45.5), "hip": (52.5, 28), "far_hip": (52.5, 28)},
        arrows=(Arrow((38, 30.6), (48.5, 30.6), "お尻を\n前へ", (25.5, 43.6), word_gap=3.5),),
        label_spots=((0, 15.5), (0, 15.8)),  # over the black foot, ending by its line to the knee (x from the line)
        caption="股関節の前", label_words="{side}ひざ", label_line=((36.6, 16.2), (52.9, 16.2)), text_scale=12 / 11),
    # Standing in a side lunge, seen from BEHIND (the page's right is the person's right, as the reader's own: a
    # front view was copied like a mirror), the bending leg's hand on the top of the back of a chair standing
    # beside them, seen from the side, wholly beyond the bending foot, its seat at knee height, well under the
    # hips (reviews 11-12: a chair seen from behind ahead of the person showed its posts between short legs under
    # the buttocks and read as "sitting astride the chair"; review 10, a chair beside, read "standing"). Long legs
    # (as long as the trunk and head): the right leg out to the side, straight, the foot flat and turned out; the
    # left knee bent out over its foot. The other hand on the waist, its elbow out. The start pose is the trunk
    # and head dashed, upright, higher and over the middle of the feet; a bold arrow from it down to the hip, under
    # the elbow and clear of the hand, says 腰を落とす (review 12: an arrow down the bending thigh with 左ひざを曲げる
    # read as "press the knee?"; review 13: one ending on the hand on the hip as "push the hip in"). The chair
    # stands against a wall (review 13: "it could slide or tip").
    # The side label 右足 by the black foot (右足を伸ばす did not fit beside it, clear of the arrow's words).
    # Back-view cues (review 5: a dark head alone read as a face in shadow or a helmet; review 9: read as a
    # front view unless the word うしろ姿 was noticed): hair over the whole head with tufts at the nape, ears, a
    # neck and collar, the seat of the trousers with its back seam (back pockets read as the letters ロロ,
    # review 10), and the word うしろ姿. The patch lies on the inner edge of the straight thigh, near the groin.
    "inner-thigh": Pose(
        joints={"head": (52.3, 51.2), "neck": (52.5, 41.5), "pelvis": (53, 29.5),
                "shoulder": (58.5, 39.4), "far_shoulder": (47.5, 39.4),
                "hip": (56.5, 27), "far_hip": (49.5, 27),
                "knee": (65.5, 17.6), "ankle": (74.5, 8.2), "toe": (80, 7.4),
                "far_knee": (37.5, 20.0), "far_ankle": (37, 8.2), "far_toe": (32, 7.4),
                "elbow": (64.5, 36.3), "hand": (59.2, 33.2), "far_elbow": (37.5, 37.0), "far_hand": (27, 35.6)},
        limbs=(Limb(("pelvis", "neck"), (TORSO + 0.6,)),
               Limb(("far_hip", "far_knee", "far_ankle", "far_toe"), LEG, FAR),
               Limb(("hip", "knee", "ankle", "toe"), LEG, STRETCH),
               Limb(("shoulder", "elbow", "hand"), ARM), Limb(("far_shoulder", "far_elbow", "far_hand"), ARM)),
        head=4.8, facing=0, hands=("hand", "far_hand"),
        props=(Chair(26, depth=15, seat=13.5, back=14.5, facing=-1), Wall(7.2, 10.8, top=44)),
        region=(58.5, 21.6, 7.0, 3.2, -46),
        ghost={"head": (60, 54.6), "neck": (60, 45), "pelvis": (60, 33)},
        arrows=(Arrow((70.8, 35.2), (60.6, 28.4), "腰を\n落とす", (84.5, 47.6), word_gap=10, bold=True),),
        label_spots=((88, 17), (87.5, 19)),
        caption="太ももの内側", from_behind=True, note="うしろ姿", note_at=(14, 52),
        label_words="{side}足", text_scale=12 / 11),
    # Seated, seen from the side: a figure-4. The right ankle rests on the left knee (the foot past it), the
    # right knee drops out to the seat's height, so the black thigh and shin make a V over the grey leg; hands on the
    # thigh and the ankle; the body leans forward with a straight back from the faint upright start (体を前へ).
    # The trunk ends in a round buttock on the seat, behind the hip; the patch covers it, wholly inside the trunk's
    # outline (review 12: small, "near the hip"). The grey knee shows in front of the black ankle resting on it
    # (review 12: "I can't see that the ankle rests on the knee"). The arrow starts right after its words.
    # Beside it, framed, the same person seen from the front (FIGURE_FOUR_FRONT: the classic figure-4; reviews 10-13
    # found the view from above "abstract", "a bench or a log", its 右足 "next to the head"), the side label under
    # its black knee, away from the grey leg. The side view's words no longer name the ankle and knee (右足首を
    # 左ひざに): the front view shows the ankle on the knee, and there is no room for the words beside it.
    "buttock": Pose(
        joints={"head": (36, 47.5), "neck": (31, 40.5), "hip": (21, 25), "far_hip": (21, 25), "buttock": (18.3, 26.3),
                "knee": (30.5, 18.8), "ankle": (37.6, 30.7), "toe": (44, 30.5),
                "far_knee": (40, 25.3), "far_ankle": (40.5, 8.4), "far_toe": (44.5, 7.5),
                "shoulder": (30, 38), "elbow": (29.5, 31.5), "hand": (26.5, 25.5),
                "far_shoulder": (30, 38), "far_elbow": (35.5, 34), "far_hand": (38.5, 34.2)},
        limbs=tuple(Limb(("neck", "hip", "buttock"), (TORSO, BUTTOCK)) if limb.joints == ("hip", "neck") else limb
                    for limb in side_view()), hands=("hand",),
        props=(Chair(6.5, depth=22, seat=14.5, back=19),
               Frame((47.0, 0.3, 99.8, 59.5), FIGURE_FOUR_FRONT, (68.6, 26.0, 92.0, 28.6))),
        region=(17.9, 26.3, 4.2, 4.3, -25),
        ghost={"head": (26, 52), "neck": (24, 43)},
        arrows=(Arrow((19.5, 58.6), (41, 53.4), "体を\n前へ", (9.0, 50.7), word_gap=3),),
        label_spots=((58.8, 6.7), (58.8, 6.4)),  # from the front: under the black knee
        caption="お尻", label_words="{side}足"),
    # On the front edge of a chair set against a wall: the right leg forward, heel down, leaning forward.
    "hamstring": Pose(
        joints={"head": (54, 46), "neck": (48, 39), "hip": (33, 24.5), "far_hip": (33, 24.5),
                "knee": (48.5, 17.5), "ankle": (64, 9.6), "toe": (66, 14.5),
                "far_knee": (49, 24), "far_ankle": (49, 7.5), "far_toe": (55.5, 7),
                "shoulder": (47, 36.5), "elbow": (44.5, 30), "hand": (42.5, 24.2),
                "far_shoulder": (47, 36.5), "far_elbow": (45.5, 30.5), "far_hand": (44, 24.8)},
        limbs=side_view(), hands=("hand",), props=(Chair(19, depth=19, seat=16.5, back=20), Wall(11, 16)),
        region=(40.5, 19.3, 6.0, 2.4, -24),
        ghost={"head": (38.5, 51.5), "neck": (37, 42)},
        arrows=(Arrow((41.5, 58.5), (53, 54.5), "体を前へ", (72, 54)),),
        # Beyond the black foot, away from the grey shin (review 8: above the black shin it floated between the legs).
        label_spots=((77, 16), (78, 18), (63.5, 22), (65.5, 23)),
        caption="太ももの裏", label_words="{side}足"),
    # Seated, seen from the side of the OTHER leg (facing left): the right foot put on the left thigh turns its
    # sole to that side, so this is the one view that shows the whole sole, toes forward, heel towards the body,
    # big toe up (reviews 6-9: a small figure and a round close-up seen from the patient's eyes were "a sole or
    # the top of the foot? which end is the heel?"). One picture, the foot drawn big: black with its sole white,
    # lying ON the grey thigh (the near leg) by its knee, at lap height, about the trunk's length (review 11: a foot 1.4
    # times the trunk held at chest height with straight arms read as "a straight leg held out"); its black leg
    # drawn IN FRONT of the trunk, from the hip up to the bent knee and down to the heel (review 12: with the
    # shin hidden behind the arm "the foot floats"); the trunk leaning over it, both elbows bent down to it, the
    # near one up over the knee; both hands on its upper edge with both thumbs on the sole; the arrow along the
    # sole from the heel to the base of the toes (親指で さする, the steps' words: review 12 asked for the thumbs
    # to read as thumbs); かかと and つま先 written at its ends, the heel's line ending in a dot on the white heel
    # (review 12: it "points beside the grey shin"). The person's far (right) arm is grey.
    # Round 14 (fresh readers 2 and 3 of 5: at card size the foot was ~11 mm, the toes and fingers "the same small
    # circles", the arrow alone read as "slide the foot forward"): the arrow, its words and かかと / つま先 moved to a
    # framed close-up of the sole on the side the person faces (SOLE_CLOSE_UP); the small foot is a little shorter
    # (20 units) to make room for it, its hands and thumbs stay, and 右足 sits just over its toes.
    "foot-sole": Pose(
        joints={"head": (75.5, 52.6), "neck": (82, 46.5), "hip": (88, 27.5), "far_hip": (88, 27.5),
                "knee": (76.5, 40.5), "ankle": (69.5, 36.5), "toe": (52.5, 34.4),
                "far_knee": (64.5, 28.2), "far_ankle": (71, 8.6), "far_toe": (64.5, 7.3),
                "shoulder": (82.5, 44), "elbow": (73.5, 47.5), "hand": (66.4, 38.4),
                "far_shoulder": (82.5, 44), "far_elbow": (70, 36), "far_hand": (60.5, 39.4)},
        limbs=(Limb(("far_shoulder", "far_elbow", "far_hand"), ARM, FAR),
               Limb(("hip", "neck"), (TORSO,)),
               Limb(("hip", "knee", "ankle"), (THIGH, SHIN), STRETCH),
               Limb(("far_hip", "far_knee", "far_ankle", "far_toe"), LEG, FAR),
               Limb(("shoulder", "elbow", "hand"), ARM)),
        facing=-1,
        props=(Chair(97.5, depth=14, seat=16.5, back=19, facing=-1), Sole((72.5, 33), (52.5, 34.4), 9.6),
               SOLE_CLOSE_UP),
        region=(62.6, 34.2, 5.4, 1.3, -4.2),  # along the small sole's middle
        label_spots=((56.0, 46.8), (55.5, 47.5), (56.5, 47.5)),  # over the small foot's toes
        caption="足の裏", label_words="{side}足"),
}
