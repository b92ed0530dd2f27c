"""Two handouts made at once in one process, as the desk does: waitress serves previews from 4 threads and a day's
list is made in a thread of its own. ReportLab's registered fonts and our caches of its results (the kept figure
drawings, whose canvas ReportLab sets and deletes while it draws one; the kept subsets) are shared by the process,
so a PDF is made one at a time (one_pdf.py). No timings here."""
import datetime as dt
import sys
import threading
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from clinic_handout import fonts
from clinic_handout.pipeline import build_pdf, open_content

from .conftest import REPO

DAY = dt.date(2026, 11, 25)
NAMES = ["山田 花子", "佐藤 一郎", "鈴木 次郎", "高橋 三郎", "田中 四郎", "伊藤 五郎"]


def prescriptions(folder: Path) -> list[Path]:
    paths = []
    for i, name in enumerate(NAMES):  # the three areas: every figure is drawn by two patients at least
        path = folder / f"p{i}.yaml"
        path.write_text(f"patient:\n  name: {name}\ndate: 2026-11-25\narea: {('both', 'upper', 'lower')[i % 3]}\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


def test_handouts_made_in_three_threads_at_once_are_the_ones_made_one_by_one(tmp_path):
    """Before the lock, 5 of 72 desk previews made by three threads failed with AttributeError ('CachedDrawing'
    object has no attribute '_parent' / 'canv'): a figure drawing kept between handouts was drawn by two at once.
    Each PDF must be the very bytes the same prescription gives when made alone, and none may fail."""
    content = open_content(REPO / "handouts")
    paths = prescriptions(tmp_path)
    alone = [build_pdf(path, content, DAY)[1] for path in paths]
    outcomes: list[tuple[int, bytes | BaseException]] = []

    def receptionist(first: int) -> None:
        for _ in range(3):
            for i in range(first, len(paths), 3):
                try:
                    outcomes.append((i, build_pdf(paths[i], content, DAY)[1]))
                except BaseException as exc:  # noqa: BLE001  (what the test reports)
                    outcomes.append((i, exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # threads change hands often, as a busy desk makes them
    try:
        threads = [threading.Thread(target=receptionist, args=(k,)) for k in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    failed = [f"{NAMES[i]}: {type(got).__name__}: {got}" for i, got in outcomes if isinstance(got, BaseException)]
    assert failed == []
    assert len(outcomes) == 3 * len(paths)
    assert [i for i, pdf in outcomes if pdf != alone[i]] == []


def test_a_font_file_is_one_face_whatever_fonts_yaml_calls_it(tmp_path):
    """The desk reads fonts.yaml again after the clinic edits it: an entry whose name or install note changed is a
    new FallbackFont for the same file. Each made a Face of its own under the one ReportLab name of the file
    (Fallback-<file stem>); ReportLab then drew that name with the newest font while a variation sequence's stand-in
    went into the tables of whichever entry the text asked (after an undo, the first): a box in a patient's name.
    The rule: one Face per font file, and ReportLab's font of its name is that Face's."""
    file = str(fonts.fonts_dir() / "BIZUDGothic-Regular.ttf")
    first = fonts._load_fallback(fonts.FallbackFont(name="代わりの字体", file=file))
    edited = fonts._load_fallback(fonts.FallbackFont(name="代わりの字体", file=file, install="入れ方を書き足した"))
    renamed = fonts._load_fallback(fonts.FallbackFont(name="別の名前", file=file))
    assert isinstance(first, fonts.Face)
    assert edited is first and renamed is first
    assert pdfmetrics.getFont(first.pdf_name) is first.fonts[0]
    # a stand-in made through one entry is in the font ReportLab draws the name with
    code = ord(edited.stand_in("葛", "\U000E0100"))
    assert code in pdfmetrics.getFont(first.pdf_name).face.charToGlyph

    # another file of the same stem (another folder) is a face of its own, under a name of its own
    other = tmp_path / "BIZUDGothic-Regular.ttf"
    other.write_bytes(Path(file).read_bytes())
    copy = fonts._load_fallback(fonts.FallbackFont(name="代わりの字体", file=str(other)))
    assert isinstance(copy, fonts.Face) and copy is not first and copy.pdf_name != first.pdf_name
    assert pdfmetrics.getFont(first.pdf_name) is first.fonts[0]
    assert pdfmetrics.getFont(copy.pdf_name) is copy.fonts[0]


@pytest.mark.parametrize("entry", [lambda: fonts.primary(), lambda: fonts._load_fallback(
    fonts.FallbackFont(name="x", file=str(fonts.fonts_dir() / "BIZUDGothic-Bold.ttf")))])
def test_a_face_asked_for_by_two_threads_at_once_is_made_once(entry):
    faces = []
    threads = [threading.Thread(target=lambda: faces.append(entry())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(faces) == 4 and all(face is faces[0] for face in faces)
