"""Stretch pictures: every built-in figure draws, mirrors for the left side, and photos stay small."""
import io
import random
import shutil

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing, String

from clinic_handout.content import load_content
from clinic_handout.figures import HEIGHT, POSES, WIDTH, Pose
from clinic_handout.pictures import _prepared_photo, figure

from .conftest import SAMPLE, STANDARD, pdf_text


def flat(drawing: Drawing) -> list:
    """Every shape in a drawing, groups opened, as (class name, points or position)."""
    out = []

    def walk(node):
        for child in getattr(node, "contents", []):
            if hasattr(child, "contents"):
                walk(child)
            else:
                out.append(child)

    walk(drawing)
    return out


@pytest.mark.parametrize("name", sorted(POSES))
def test_every_built_in_figure_draws_inside_its_box(name):
    drawing = figure(name, 96, 72, "右")
    x0, y0, x1, y1 = drawing.getBounds()
    assert x0 >= -2 and y0 >= -2 and x1 <= 98 and y1 <= 74, drawing.getBounds()
    shapes = flat(drawing)
    assert len(shapes) >= 8  # limbs, props, the highlight, the arrow: a figure, not an empty box
    assert [s.text for s in shapes if isinstance(s, String)] == ["右"]


@pytest.mark.parametrize("name", sorted(POSES))
def test_pose_data_is_complete_and_inside_the_box(name):
    pose: Pose = POSES[name]
    for chain in pose.near + pose.far:
        for joint in chain:
            assert joint in pose.joints, (name, joint)
    for x, y in pose.joints.values():
        assert 0 <= x <= WIDTH and 0 <= y <= HEIGHT
    assert pose.highlight[2] > 0 and pose.arrow is not None and pose.caption


@pytest.mark.parametrize("name", sorted(POSES))
def test_mirroring_shows_the_other_side(name):
    right, left = POSES[name], POSES[name].mirrored()
    assert right != left
    for joint, (x, y) in right.joints.items():
        assert left.joints[joint] == (WIDTH - x, y)
    assert left.mirrored() == right
    assert flat(figure(name, 96, 72)) != flat(figure(name, 96, 72, mirror=True))


def test_every_sample_stretch_has_a_picture():
    content = load_content(SAMPLE)
    assert all(stretch.figure == stretch.id for stretch in content.catalogue.values())


def test_side_label_is_printed_with_the_figure(build):
    result, out = build(STANDARD + "stretches:\n  - id: hamstring\n    side: left\n  - id: buttock\n    side: right\n")
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "左側" in text and "右側" in text  # the dose boxes
    assert text.count("左") >= 2 and text.count("右") >= 2  # and the figures' labels


def big_photo(path, size=(2400, 1800), seed=7):
    """A photo-like JPEG: noise does not compress, as a real photo would not (4.3 megapixels)."""
    random.seed(seed)
    image = PILImage.frombytes("RGB", size, random.randbytes(size[0] * size[1] * 3))
    image.save(path, "JPEG", quality=92)


@pytest.fixture
def clinic_with_photos(tmp_path):
    folder = tmp_path / "clinic"
    shutil.copytree(SAMPLE, folder)
    (folder / "photos").mkdir()
    catalogue = folder / "stretches.yaml"
    text = catalogue.read_text(encoding="utf-8")
    for number in range(5):  # five different photos: identical ones would be stored once
        big_photo(folder / "photos" / f"stretch{number}.jpg", seed=number)
        text = text.replace("    hold_seconds:", f"    image: photos/stretch{number}.jpg\n    hold_seconds :", 1)
    catalogue.write_text(text.replace("hold_seconds :", "hold_seconds:"), encoding="utf-8")
    return folder


def test_five_photos_keep_the_handout_under_one_megabyte(run, write, clinic_with_photos, tmp_path):
    out = tmp_path / "photos.pdf"
    result = run("build", write("p.yaml", STANDARD), "-o", out, "--content", clinic_with_photos)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size < 1_000_000, out.stat().st_size
    reader = PdfReader(str(out))
    assert len(reader.pages) <= 2
    images = [x.get_object() for page in reader.pages for x in page["/Resources"]["/XObject"].values()
              if x.get_object()["/Subtype"] == "/Image"]
    assert len(images) == 5
    for image in images:
        width, height = int(image["/Width"]), int(image["/Height"])
        assert width <= 270 and height <= 205  # 200 dpi at 34 x 25.5 mm
        assert width / height == pytest.approx(4 / 3, rel=0.02)  # the aspect ratio kept


def test_photo_is_downsampled_and_mirrored_for_the_other_side(tmp_path):
    path = tmp_path / "p.png"
    image = PILImage.new("L", (800, 400), 255)
    image.paste(0, (0, 0, 200, 400))  # a black band on the left
    image.save(path)
    plain, (w, h) = _prepared_photo(path, 0, 96.0, 72.0, False)
    mirrored, _ = _prepared_photo(path, 0, 96.0, 72.0, True)
    assert (w, h) == pytest.approx((96.0, 48.0))
    left_band = PILImage.open(io.BytesIO(plain)).convert("L")
    right_band = PILImage.open(io.BytesIO(mirrored)).convert("L")
    assert left_band.size == (267, 133)  # 96 x 48 pt at 200 dpi
    assert left_band.getpixel((5, 60)) < 60 and left_band.getpixel((260, 60)) > 200
    assert right_band.getpixel((5, 60)) > 200 and right_band.getpixel((260, 60)) < 60


@pytest.mark.parametrize("image, words", [
    ("photos/missing.jpg", ["no such file"]),
    ("../outside.jpg", ["outside the content folder"]),
    ("photos/notes.jpg", ["not a PNG or JPEG"]),
    ("photos/broken.jpg", ["cannot be read"]),
])
def test_bad_photo_paths_are_errors_naming_the_entry_and_the_path(run, clinic_with_photos, image, words):
    folder = clinic_with_photos
    big_photo(folder.parent / "outside.jpg", (40, 30))
    (folder / "photos" / "notes.jpg").write_text("not a photo", encoding="utf-8")
    (folder / "photos" / "broken.jpg").write_bytes((folder / "photos" / "stretch0.jpg").read_bytes()[:300])
    catalogue = folder / "stretches.yaml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace("image: photos/stretch0.jpg", f"image: {image}", 1), encoding="utf-8")
    result = run("validate", "--content", folder)
    assert result.exit_code == 1
    assert "stretches.yaml:" in result.output and "stretches[1].image" in result.output and image in result.output
    for word in words:
        assert word in result.output


def test_figures_command_writes_the_gallery(run, tmp_path):
    out = tmp_path / "figures.pdf"
    result = run("figures", "-o", out)
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    for stretch in load_content(SAMPLE).catalogue.values():
        assert stretch.title in text
    assert len(PdfReader(str(out)).pages) == 1
