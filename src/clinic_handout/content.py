"""The clinic's content folder: clinic.yaml, texts.yaml and stretches.yaml, checked into typed objects."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from .errors import InputError, Problem
from .figures import POSES
from .fonts import FallbackFont, GlyphCheck, font_chain
from .model import (
    DEFAULT_CHECKLIST,
    AreaCause,
    Cause,
    Checklist,
    Clinic,
    Content,
    Dose,
    Safety,
    Section,
    Stretch,
    Texts,
)
from .resources import sample_content_dir
from .schema import INVALID, At, Email, Field, FileBytes, Kind, ListOf, OneOf, Record, Text, Whole, check_file

AREAS = ("upper", "lower", "both")


AREA_NAMES = {"upper": "腰の上のほう", "lower": "腰の下のほう", "both": "腰の上と下の両方"}


SIDES = ("left", "right", "both")


HOLD = Whole(1, 120)


REPS = Whole(1, 50)


SETS = Whole(1, 10)


class ImageFile(Kind):
    """A PNG or JPEG file inside the content folder."""

    expected = "内容フォルダの中の PNG か JPEG の画像 (a PNG or JPEG file inside the content folder)"
    doc = "image file (PNG/JPEG), relative to the content folder"

    def convert(self, value, at: At):
        text = Text().convert(value, at)
        if text is INVALID:
            return INVALID
        folder = at.reader.file.parent.resolve()
        path = (folder / text).resolve()
        if not path.is_relative_to(folder):
            return at.fail(f"\"{text}\" (内容フォルダの外 / outside the content folder)", self.expected)
        if not path.is_file():
            return at.fail(f"\"{text}\" (ファイルがありません / no such file)", self.expected)
        from .inputs import IMAGE_LIMIT, MB, read_limited

        try:
            head = read_limited(path, IMAGE_LIMIT)[:8]
        except InputError as error:
            return at.fail(f"\"{text}\" ({error.problems[0].found})", f"{self.expected}、{IMAGE_LIMIT // MB} MB まで")
        if not (head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8")):
            return at.fail(f"\"{text}\" (PNG でも JPEG でもない / not a PNG or JPEG)", self.expected)
        import warnings

        from PIL import Image, UnidentifiedImageError

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    pixels = image.width * image.height  # from the header, before anything is decoded
                    if pixels > MAX_PHOTO_PIXELS:
                        return at.fail(f"\"{text}\" ({image.width}×{image.height} = {pixels / 1e6:.0f} メガピクセル / "
                                       "megapixels)", f"{MAX_PHOTO_PIXELS // 1_000_000} メガピクセルまでの写真 "
                                       f"(a photo of at most {MAX_PHOTO_PIXELS // 1_000_000} megapixels: a handout "
                                       "prints it a few centimetres wide)")
                    image.load()  # decodes the whole file: a truncated or corrupt image is caught here
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:
            return at.fail(f"\"{text}\" (読めない画像 / cannot be read: {exc})", self.expected)
        return path


class PageTemplate(Text):
    """Text holding {page} once, and no other braces: the page number is put in when the handout is laid out."""

    def __init__(self):
        super().__init__()
        self.expected = ("{page} を1回だけ含む文 "
                         "(text with {page} once, e.g. 始める前に、{page}ページの注意をお読みください)")
        self.doc = "text with {page} once"

    def convert(self, value, at):
        text = super().convert(value, at)
        if text is INVALID:
            return INVALID
        rest = text.replace("{page}", "", 1)
        if "{page}" not in text or "{" in rest or "}" in rest:
            return at.fail(f"\"{text[:40]}\"", self.expected)
        return text


# A photo is printed at most a few centimetres wide at 200 dpi (under a megapixel); 40 megapixels is
# any camera's full size. Larger is a mistake or a decompression bomb (Pillow itself warns at 89).
MAX_PHOTO_PIXELS = 40_000_000


URL = Text(pattern=r"https?://\S+", pattern_doc="http:// か https:// で始まるURL (a web address)")


CLINIC = Record([
    Field("name", Text(), "医院名 (the clinic's name, printed in the header and footer)", required=True),
    Field("phone", Text(), "電話番号 (phone number)", required=True),
    Field("address", Text(), "住所 (address, with 〒 postcode)", required=True),
    Field("hours_label", OneOf(["受付時間", "施術時間"]),
          "時間の見出し (label for the hours; 柔道整復 rules: never 診療時間)", default="受付時間"),
    Field("hours", ListOf(Text(), min_items=1), "受付時間の各行 (opening hours, one line each)", required=True),
    Field("url", URL, "ホームページ (web address)"),
    Field("email", Email(), "メールアドレス (the clinic's email, optional)"),
    Field("logo", ImageFile(), "ロゴ画像 (logo image, optional)"),
    Field("qr_url", URL, "QRコードの行き先 (the QR code's address, e.g. a booking or LINE page; "
                         "default: url; none without either)"),
    Field("qr_caption", Text(max_length=16), "QRコードの説明 (the words under the QR code)",
          default="ホームページ"),
    Field("practitioners", ListOf(Text(max_length=40)), "担当者の一覧 (the practitioners handout desk offers to "
                                                        "choose from; another name may still be typed)",
          default=()),
], make=Clinic)


_AREA_CAUSE = Record([
    Field("heading", Text(), "見出し (heading)", required=True),
    Field("text", Text(multiline=True), "本文 (text)", required=True),
], make=AreaCause, doc="`heading`, `text`")


TEXTS = Record([
    Field("title", Text(), "ハンドアウトの題名 (the handout's title, also the PDF title)", required=True),
    Field("for_whom", Text(multiline=True), "こんな方へ (who the handout is for, printed under the title)"),
    Field("cause", Record([
        Field("heading", Text(), "見出し (heading)", required=True),
        Field("paragraphs", ListOf(Text(multiline=True), min_items=1), "原因の説明 (why the pain comes back)",
              required=True),
        Field("upper", _AREA_CAUSE, "腰の上のほうが痛む方への説明 (for area upper)", required=True),
        Field("lower", _AREA_CAUSE, "腰の下のほうが痛む方への説明 (for area lower)", required=True),
        Field("closing", Text(multiline=True), "まとめ (closing words, optional)"),
    ], make=Cause, doc="`heading`, `paragraphs`, `upper`, `lower`, `closing`"),
          "原因の説明 (the cause explanation; `upper`/`lower` print for the patient's area)", required=True),
    Field("stretches_heading", Text(), "ストレッチ欄の見出し (heading above the stretch cards)", required=True),
    Field("rules", Record([
        Field("heading", Text(), "見出し (heading)", required=True),
        Field("items", ListOf(Text(multiline=True), min_items=1), "各項目 (each rule)", required=True),
        Field("setup", ListOf(Text()), "安全な準備 (safe set-up: a chair that cannot roll or tip, no slippery "
                                       "socks; printed beside the rules)", default=()),
    ], make=Section, doc="`heading`, `items`, `setup`"), "ストレッチの約束 (the general rules)", required=True),
    Field("note_heading", Text(), "担当者のメモの見出し (heading of the practitioner's note)", default="担当者より"),
    Field("safety", Record([
        Field("heading", Text(), "見出し (heading)", required=True),
        Field("pointer", PageTemplate(), "1ページ目の案内 (page 1's pointer to the notice; {page}: its page)",
              required=True),
        Field("items", ListOf(Text(multiline=True), min_items=1),
              "注意 (the notice: who asks first, strong pain, when to go on)", required=True),
        Field("next_day", Text(multiline=True), "次の日に痛みが増したとき (if it hurts more the next day)",
              required=True),
        Field("urgent_heading", Text(), "今すぐ病院へ、の見出し (stop now, go to a hospital: heading)",
              required=True),
        Field("urgent", ListOf(Text(multiline=True), min_items=1), "今すぐ病院へのサイン (red flags for now)",
              required=True),
        Field("soon_heading", Text(), "続ける前に医師へ、の見出し (see a doctor before going on: heading)",
              required=True),
        Field("soon", ListOf(Text(multiline=True), min_items=1), "続ける前に医師へのサイン (red flags for soon)",
              required=True),
    ], make=Safety, doc="`heading`, `pointer`, `items`, `next_day`, `urgent_heading`, `urgent`, `soon_heading`, "
                        "`soon`"),
          "安全のための注意 (the safety notice; always printed, in a box)", required=True),
    Field("checklist", Record([
        Field("heading", Text(), "見出し (heading)", default=DEFAULT_CHECKLIST.heading),
        Field("intro", Text(multiline=True), "使い方 (how to fill it in)", default=DEFAULT_CHECKLIST.intro),
        Field("pain_heading", Text(), "痛みの列の見出し (the pain-score column)",
              default=DEFAULT_CHECKLIST.pain_heading),
        Field("next_visit_label", Text(), "次回来院日の見出し (label of the next visit)",
              default=DEFAULT_CHECKLIST.next_visit_label),
        Field("days", Whole(0, 31), "日数 (days on every handout; 0: only when a prescription asks)",
              default=0),
    ], make=Checklist, doc="`heading`, `intro`, `pain_heading`, `next_visit_label`, `days`"),
          "記録表 (the adherence tick-sheet, optional)", default=DEFAULT_CHECKLIST),
], make=Texts)


STRETCH_FIELDS = [
    Field("id", Text(pattern=r"[a-z0-9]+(-[a-z0-9]+)*", pattern_doc="英小文字・数字・ハイフン (e.g. hip-flexor)"),
          "ID (what prescriptions name)", required=True),
    Field("title", Text(max_length=20), "名前 (the stretch's name)", required=True),
    Field("target", Text(max_length=24), "伸ばす場所 (what it stretches)", required=True),
    Field("areas", ListOf(OneOf(["upper", "lower"])),
          "どの痛みに標準で選ぶか (areas it is chosen for by default; both upper and lower for every patient)",
          default=()),
    # Limits keep every card within one page, so a card never splits.
    Field("steps", ListOf(Text(multiline=True, max_length=120), min_items=1, max_items=8),
          "やり方の手順 (the numbered steps)", required=True),
    Field("cautions", ListOf(Text(multiline=True, max_length=120), max_items=4),
          "注意 (cautions for this stretch)", default=()),
    Field("hold_seconds", HOLD, "標準の秒数 (default hold, seconds)", required=True),
    Field("reps", REPS, "標準の回数 (default repetitions)", required=True),
    Field("sets_per_day", SETS, "標準の1日のセット数 (default sets per day)", required=True),
    Field("figure", OneOf(POSES), "組み込みの図 (a built-in figure; default: the one named like the id, if any)"),
    Field("image", ImageFile(), "医院の写真 (the clinic's own photo, PNG or JPEG, shown instead of the figure)"),
    Field("image_side", OneOf(["right", "left"]), "写真で伸ばしている側 (the side the photo shows; it is "
                                                 "mirrored for the other)", default="right"),
    Field("video_url", URL, "動画のURL (a video of the stretch: printed as a QR code in its card)"),
    Field("per", OneOf(["side", "foot", "none"]),
          "量の数え方 (what the dose counts: side = each side, e.g. 左右それぞれ5回で1セット; foot = a massage of "
          "each foot for hold_seconds, e.g. 片足約1分ずつ; none = one for the whole body)", default="side"),
    Field("alt", Text(max_length=100), "図の説明 (the picture in words, read aloud by a screen reader; "
                                       "default: 名前 + をしている人の図)"),
]


def _make_stretch(hold_seconds, reps, sets_per_day, figure, **fields) -> Stretch:
    figure = figure or (fields["id"] if fields["id"] in POSES else None)
    return Stretch(dose=Dose(hold_seconds, reps, sets_per_day), figure=figure, **fields)


class Catalogue(ListOf):
    """The stretch list: each stretch checked, and every id used once."""

    def __init__(self):
        super().__init__(Record(STRETCH_FIELDS, make=_make_stretch), min_items=1)
        self.doc = "list of stretches (fields below)"

    def convert(self, value, at):
        stretches = super().convert(value, at)
        if stretches is INVALID:
            return INVALID
        seen = {}
        for i, stretch in enumerate(stretches):
            if stretch.id in seen:
                return at.child(i + 1, value.item_lines[i]).fail(
                    f"id \"{stretch.id}\" が2回目 (used again; first at item {seen[stretch.id]})",
                    "それぞれ違う id (each id once)")
            seen[stretch.id] = i + 1
        return {s.id: s for s in stretches}


STRETCHES = Record([Field("stretches", Catalogue(), "ストレッチの一覧 (the stretch catalogue)", required=True)])


FILES = {"clinic.yaml": CLINIC, "texts.yaml": TEXTS, "stretches.yaml": STRETCHES}


FALLBACK_FONT = Record([
    Field("name", Text(max_length=60), "フォントの名前 (the font's name, used in messages)", required=True),
    Field("file", Text(), "フォントファイル (a TrueType .ttf/.ttc file: a path, or a file name looked for in "
                          "the content folder and the computer's font folders)", required=True),
    Field("bold_file", Text(), "太字のファイル (its bold, if there is one; else the regular is used)"),
    Field("install", Text(multiline=True), "入手方法 (how to install it: said when a character needs it)"),
], make=FallbackFont, doc="`name`, `file`, `bold_file`, `install`")


FONTS = Record([
    Field("fallback", ListOf(FALLBACK_FONT), "予備のフォント (fallback fonts, tried in order for characters "
                                             "BIZ UD Gothic lacks)", default=()),
])


def content_folder(option: str | os.PathLike | None) -> Path:
    """The contract's order: --content, else $HANDOUT_CONTENT, else ./handouts, else the built-in sample."""
    if option:
        return Path(option)
    if os.environ.get("HANDOUT_CONTENT"):
        return Path(os.environ["HANDOUT_CONTENT"])
    if Path("handouts").is_dir():
        return Path("handouts")
    return sample_content_dir()


def catalogue_ids(folder: Path) -> list[str] | None:
    """The stretch ids of a content folder, or None when its stretches.yaml has problems."""
    value, problems = check_file(folder / "stretches.yaml", STRETCHES)
    return None if problems or value is INVALID else list(value["stretches"])


def fallback_fonts(folder: Path, files: dict[str, FileBytes] | None = None) -> tuple[tuple[FallbackFont, ...],
                                                                                    list[Problem]]:
    """The font chain of fonts.yaml (optional: without it, BIZ UD Gothic alone). files: the folder's files as
    read_files read them (else fonts.yaml is read here)."""
    if files is None:
        files = {"fonts.yaml": FileBytes(folder / "fonts.yaml")} if (folder / "fonts.yaml").exists() else {}
    if "fonts.yaml" not in files:
        return (), []
    value, problems = check_file(folder / "fonts.yaml", FONTS, cached=True, read=files["fonts.yaml"])
    if problems or value is INVALID:
        return (), problems
    return tuple(replace(font, folder=folder.resolve()) for font in value["fallback"]), []


def load_content(folder: Path, allow_missing_glyphs: bool | None = None,
                 files: dict[str, FileBytes] | None = None) -> Content:
    """Reads and checks the files of a content folder; raises InputError with every problem.

    With allow_missing_glyphs given (True or False), every character is checked against the font
    chain; a character no font has is then a warning (True) or a problem (False).
    files: the folder's YAML files as read_files read them (the desk keys its kept content by their
    digests first); else they are read here. Each is read and hashed once: what is parsed is what
    Content.digest says was read.
    """
    if not folder.is_dir():
        raise InputError([Problem(folder, None, "", "フォルダがありません (no such folder)",
                                  "内容フォルダ (a content folder: make one with `handout init DIR`)")])
    if files is None:
        files = read_files(folder)
    fallbacks, problems = fallback_fonts(folder, files)
    glyphs = None if allow_missing_glyphs is None else GlyphCheck(font_chain(fallbacks), allow_missing_glyphs)
    values = {}
    for name, kind in FILES.items():
        # parsed once per version of a file (cache.py)
        value, found = check_file(folder / name, kind, glyphs, cached=True, read=files[name])
        values[name], problems = value, problems + found
    if problems:
        raise InputError(problems)
    content = Content(folder=folder, clinic=values["clinic.yaml"], texts=values["texts.yaml"],
                      catalogue=values["stretches.yaml"]["stretches"], fallback_fonts=fallbacks, glyphs=glyphs)
    # The bytes as read, before they were parsed: an edit saved after this is seen by the batch (batch.py).
    read = tuple((_name(file.path, folder), file.sha256() or UNREADABLE) for file in files.values())
    return replace(content, digest=read + _digests(images(content), folder))


def read_files(folder: Path) -> dict[str, FileBytes]:
    """The content folder's YAML files (fonts.yaml only when it exists), each read once: name -> FileBytes."""
    return {path.name: FileBytes(path) for path in _yaml_files(folder)}


def _yaml_files(folder: Path) -> list[Path]:
    return [folder / name for name in (*FILES, "fonts.yaml") if name in FILES or (folder / name).exists()]


def images(content: Content) -> list[Path]:
    """The logo and the photos: read when a page is drawn."""
    return sorted({path for path in (content.clinic.logo, *(s.image for s in content.catalogue.values())) if path})


# path -> ((size, mtime, ctime, inode), sha256): a file is hashed again only when its stat says it changed
_hashed: dict[str, tuple[tuple[int, ...], str]] = {}


def file_digests(content: Content) -> tuple[tuple[str, str], ...]:
    """(name inside the content folder, sha256 of its bytes) for the files a handout of content is drawn from (its
    YAML files, the logo, the photos), as they are now."""
    return _digests(_yaml_files(content.folder) + images(content), content.folder)


UNREADABLE = "(読めません / cannot be read)"


_names: dict[tuple[str, str], str] = {}


def _name(path: Path, folder: Path) -> str:
    """A file's name in a fingerprint: its path inside the content folder, else the path as given. Worked out
    once a process for each path and folder (a batch fingerprints the files after every handout: resolving
    them each time was about 0.5 ms of a handout); a name only labels a digest, which is of the bytes."""
    where = (str(path), str(folder))
    if where not in _names:
        resolved, inside = path.resolve(), folder.resolve()
        _names[where] = os.path.relpath(resolved, inside) if resolved.is_relative_to(inside) else str(path)
    return _names[where]


def _digests(paths: list[Path], folder: Path) -> tuple[tuple[str, str], ...]:
    import hashlib

    result = []
    for path in paths:
        name = _name(path, folder)
        try:
            stat = path.stat()
            key = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
            if _hashed.get(str(path), ((), ""))[0] != key:
                _hashed[str(path)] = (key, hashlib.sha256(path.read_bytes()).hexdigest())
            result.append((name, _hashed[str(path)][1]))
        except OSError:
            result.append((name, UNREADABLE))
    return tuple(result)
