"""The merged print file: every handout drawn into one ReportLab document (printfile.py), and a batch that
holds a few PDFs at a time whatever its length (batch.in_order, batch.build). No timings here."""
import datetime as dt
import io
import re
import shutil
import subprocess
import tracemalloc
from concurrent.futures import Future
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinic_handout import batch, batch_input
from clinic_handout.printfile import PrintFile, merge

from .conftest import SAMPLE
from .pdf_glyphs import glyphs

DAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def content():
    from clinic_handout.pipeline import open_content

    return open_content(SAMPLE)


def _handout(content, name: str = "山田 花子", area: str = "both", large_print: bool = False):
    from clinic_handout.compose import compose
    from clinic_handout.prescription import Patient, Prescription

    prescription = Prescription(source=Path("p"), patient=Patient(name, None), date=DAY, practitioner="田中 健",
                                area=area, stretches=None, note=None)
    return compose(content, prescription, DAY, large_print)


@pytest.fixture(scope="module")
def handouts(content) -> dict:
    """(handout, its single file, its layout): two pages; rare names in the fallback font; three pages in large
    print; three pages in large print where rule 3 moved a card onto the safety notice's page (render.py)."""
    from clinic_handout.render import render_with_layout

    made = {"standard": _handout(content), "rare": _handout(content, "𠮷田 髙﨑 葛󠄀飾"),
            "large": _handout(content, "鈴木 美和子", "lower", large_print=True),
            "upper": _handout(content, "佐藤 一郎", "upper", large_print=True)}
    return {key: (handout, *render_with_layout(handout)) for key, handout in made.items()}


ORDER = ["standard", "rare", "large", "upper"]


@pytest.fixture(scope="module")
def printed(handouts) -> bytes:
    return merge([(handouts[key][0], handouts[key][2]) for key in ORDER])


def _fonts(pdf: bytes) -> list[str]:
    """The embedded font programs' names (a subset's name: its tag + the font's)."""
    return sorted(m.decode() for m in re.findall(rb"/FontName /([A-Z]{6}\+[\w-]+)", pdf))


def test_each_handout_is_drawn_as_its_own_file_with_a_blank_after_an_odd_count(handouts, printed, tmp_path):
    """Per handout: its pages in order, each with the text of the same page of its own file (its name, its
    page numbers `n / N`, its footer) and every glyph where its own file draws it; a blank page after a
    handout with an odd page count (duplex: the next one starts on a new sheet)."""
    merged_path = tmp_path / "print.pdf"
    merged_path.write_bytes(printed)
    merged = PdfReader(merged_path)
    at = 0
    for key in ORDER:
        handout, pdf, layout = handouts[key]
        single_path = tmp_path / f"{key}.pdf"
        single_path.write_bytes(pdf)
        single = PdfReader(single_path)
        count = len(single.pages)
        assert layout.pages == count
        for number in range(count):
            text = merged.pages[at + number].extract_text()
            assert text == single.pages[number].extract_text()
            assert f"{number + 1} / {count}" in text  # its own page numbers, counting its own pages
            assert glyphs(merged_path, at + number) == glyphs(single_path, number)  # same characters, same places
        assert handout.patient_name + " 様" in merged.pages[at].extract_text()
        at += count
        if count % 2:
            blank = merged.pages[at]
            assert blank.extract_text() == "" and b"Do" not in blank.get_contents().get_data()
            assert "/XObject" not in blank["/Resources"]
            at += 1
    assert at == len(merged.pages) == 2 + 2 + 4 + 4  # the large-print handouts: 3 pages and a blank each
    assert handouts["upper"][2].room is not None  # laid out again with rule 3's room, as its own file was


def test_a_rare_name_draws_in_its_fallback_font(handouts, printed):
    """𠮷, 髙, 﨑 and 葛󠄀 (a variation sequence) are in IPAmj Mincho only: embedded once, and the name is read
    back from the print file exactly as typed."""
    assert "𠮷田 髙﨑 葛󠄀飾 様" in PdfReader(io.BytesIO(printed)).pages[2].extract_text()
    assert [name for name in _fonts(printed) if "IPAmj" in name] == ["AAAAAA+IPAmjMincho"]


def test_fonts_and_figures_are_embedded_once_for_the_whole_file(content):
    """Eight handouts carry the same font subsets and the same figures as two: fonts subset once for the
    file, each figure and QR code one form XObject drawn by every page that shows it. Each handout adds
    only its pages (about 9 KB: the single file is 130 KB, most of it its own font subsets)."""
    names = ["山田 花子", "佐藤 一郎", "鈴木 美和子", "高橋 健太", "田中 直子", "伊藤 誠", "渡辺 陽子", "中村 翔"]
    two, eight = (merge([_handout(content, name) for name in names[:count]]) for count in (2, 8))
    assert _fonts(two) == _fonts(eight)
    forms = [len(re.findall(rb"/Subtype /Form", pdf)) for pdf in (two, eight)]
    assert forms[0] == forms[1] >= 5  # the clinic's QR code and the stretches' figures
    for pdf in (two, eight):
        for page in PdfReader(io.BytesIO(pdf)).pages:  # every page draws its figures from the shared forms
            assert len(page.get_contents().get_data()) < 20_000
    assert len(eight) - len(two) < 6 * 12_000, (len(two), len(eight))


def test_the_print_file_is_byte_deterministic_and_a_valid_untagged_pdf(handouts, printed, tmp_path):
    again = merge([(handouts[key][0], handouts[key][2]) for key in ORDER])
    assert printed == again
    found_here = merge([handouts[key][0] for key in ORDER])  # no layout given: found by building the single file
    assert found_here == printed
    reader = PdfReader(io.BytesIO(printed), strict=True)
    assert reader.metadata.title == "印刷用ハンドアウト (handouts for printing)"
    assert "/StructTreeRoot" not in reader.trailer["/Root"]  # for the printer; each handout's own file is tagged
    if shutil.which("qpdf"):
        (tmp_path / "m.pdf").write_bytes(printed)
        check = subprocess.run(["qpdf", "--check", str(tmp_path / "m.pdf")], capture_output=True, text=True)
        assert check.returncode == 0 and "No syntax or stream encoding errors found" in check.stdout, check.stdout


def test_a_layout_that_does_not_give_the_single_files_pages_is_refused(handouts):
    """The print file never silently differs from the single file: the pages drawn are counted."""
    from dataclasses import replace

    handout, _, layout = handouts["standard"]
    with pytest.raises(RuntimeError, match="3 in its own file"):
        merge([(handout, replace(layout, pages=3))])


class _Sink:
    """A file that keeps nothing: counts what is written."""

    def __init__(self):
        self.size = 0

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        pass


def _held(handout, layout, count: int) -> tuple[int, int]:
    """Bytes the print file holds after count handouts, before it is written (garbage collected), and the
    peak while drawing them and writing the file."""
    import gc

    gc.collect()
    tracemalloc.start()
    printfile = PrintFile(_Sink())
    for _ in range(count):
        printfile.add(handout, layout)
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    printfile.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return held, peak


HELD_PER_HANDOUT = 24 * 1024  # what the print file keeps of a two-page handout until it is written
PEAK_PER_HANDOUT = 80 * 1024  # what a two-page handout adds to the peak of writing the print file


def test_the_print_file_holds_a_few_kilobytes_a_handout(handouts):
    """ReportLab writes the file when it is closed: until then it holds each page (its content compressed as
    it is shown, rl_compat.compress_page), about 15 KB a handout, so 500 handouts hold about 7 MB; the
    uncompressed pages would hold about 42 KB a handout."""
    handout, _, layout = handouts["standard"]
    _held(handout, layout, 1)  # fonts loaded, figures cached
    (few, few_peak), (many, many_peak) = _held(handout, layout, 5), _held(handout, layout, 25)
    assert many - few < (25 - 5) * HELD_PER_HANDOUT, (few, many)
    # The peak: what is held, one handout being laid out, and the file as ReportLab formats it on close (it
    # makes the whole file's bytes, then writes them): about 56 KB a handout, 28 MB for 500.
    assert many_peak - few_peak < (25 - 5) * PEAK_PER_HANDOUT, (few_peak, many_peak)
    assert many_peak < 16 * 1024 * 1024, many_peak


def test_in_order_has_at_most_ahead_in_hand():
    submitted, yielded, most = [], [], 0

    def submit(item) -> Future:
        future = Future()
        future.set_result(item * 10)
        submitted.append(item)
        return future

    for result in batch.in_order(submit, list(range(20)), ahead=3):
        most = max(most, len(submitted) - len(yielded))
        yielded.append(result)
    assert yielded == [i * 10 for i in range(20)]  # input order
    assert most <= 3  # never the whole batch submitted at once
    assert list(batch.in_order(submit, [], ahead=3)) == []


def _prepared(tmp_path, count: int):
    from clinic_handout.pipeline import open_content

    rows = ["name,area,date"] + [f"患者 {i}号,both,2026-11-25" for i in range(count)]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    content = open_content(SAMPLE)
    return batch_input.prepare(tmp_path / "day.csv", content), content


def test_a_batch_writes_each_pdf_before_the_next_is_rendered(tmp_path, monkeypatch):
    """Each handout's file is written as it arrives, in input order; the print file is written whole at the end
    (a temporary beside it, renamed); no outcome keeps its bytes unless asked to (--send)."""
    prepared, content = _prepared(tmp_path, 5)
    out, merged = tmp_path / "out", tmp_path / "print.pdf"
    seen = []
    real = batch._render

    def render(prescription, today, large_print):
        written = sorted(out.glob("*.pdf")) if out.exists() else []
        parts = list(tmp_path.glob(".print.pdf.*.part"))
        seen.append((len(written), [part.stat().st_size for part in parts]))
        return real(prescription, today, large_print)

    monkeypatch.setattr(batch, "_render", render)
    outcomes = batch.build(prepared, content, out, DAY, jobs=1, merge_to=merged)
    assert [count for count, _ in seen] == [0, 1, 2, 3, 4]  # the one before is on disk
    assert [parts for _, parts in seen] == [[0]] * 5  # nothing of the print file written yet
    assert all(outcome.path and outcome.pdf is None for outcome in outcomes)
    merged_pages = PdfReader(str(merged)).pages
    assert len(merged_pages) == 5 * 2
    assert [page.extract_text() for page in merged_pages[::2]] == [
        PdfReader(str(outcome.path)).pages[0].extract_text() for outcome in outcomes]  # input order
    assert not list(tmp_path.glob(".*.part"))
    kept = batch.build(prepared, content, tmp_path / "kept", DAY, jobs=1, keep_pdfs=True)
    assert all(outcome.pdf == (outcome.path.read_bytes()) for outcome in kept)


def test_an_interrupted_batch_leaves_no_print_file(tmp_path, monkeypatch):
    prepared, content = _prepared(tmp_path, 4)
    merged = tmp_path / "print.pdf"
    calls = []
    real = batch._render

    def render(prescription, today, large_print):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(prescription, today, large_print)

    monkeypatch.setattr(batch, "_render", render)
    with pytest.raises(KeyboardInterrupt):
        batch.build(prepared, content, tmp_path / "out", DAY, jobs=1, merge_to=merged)
    assert not merged.exists() and not list(tmp_path.glob(".*.part"))


def test_a_large_print_batch_prints_each_handout_as_its_own_file(tmp_path):
    """The batch draws each handout into the print file as its worker rendered it (large print too): page for
    page the text of the files it wrote, in input order, a blank after each odd count."""
    prepared, content = _prepared(tmp_path, 3)
    merged = tmp_path / "print.pdf"
    outcomes = batch.build(prepared, content, tmp_path / "out", DAY, jobs=1, large_print=True, merge_to=merged)
    printed = PdfReader(str(merged)).pages
    at = 0
    for outcome in outcomes:
        own = PdfReader(str(outcome.path)).pages
        assert [page.extract_text() for page in printed[at:at + len(own)]] == [page.extract_text() for page in own]
        at += len(own)
        if len(own) % 2:
            assert printed[at].extract_text() == ""
            at += 1
    assert at == len(printed) and len(printed) > 2 * len(outcomes)  # large print: more than two pages each


# -- the print file is what each patient is sent: pictures and notes too; content changed during a batch ----------
def _pictured_clinic(folder: Path) -> Path:
    """A copy of the sample content with a logo and a photo for the first stretch (small, distinct images)."""
    from PIL import Image

    from .conftest import edit

    shutil.copytree(SAMPLE, folder)
    Image.new("RGB", (60, 24), (200, 40, 40)).save(folder / "logo.png")
    (folder / "photos").mkdir()
    photo = Image.new("RGB", (64, 48), (30, 90, 160))
    photo.paste((240, 220, 0), (10, 10, 40, 30))
    photo.save(folder / "photos" / "first.jpg", quality=90)
    edit(folder / "clinic.yaml", "# logo: logo.png", "logo: logo.png")
    text = (folder / "stretches.yaml").read_text(encoding="utf-8")
    (folder / "stretches.yaml").write_text(
        text.replace("    hold_seconds: ", "    image: photos/first.jpg\n    hold_seconds: ", 1), encoding="utf-8")
    return folder


def _images(page) -> list[tuple[str, int, int]]:
    """The images a page draws (through its forms too), in drawing order: digest of the decoded pixels, size."""
    import hashlib

    found = []

    def walk(resources, stream: bytes) -> None:
        xobjects = resources.get("/XObject", {}) if resources else {}
        for name in re.findall(rb"/([^\s/]+)\s+Do\b", stream):
            xobject = xobjects["/" + name.decode()].get_object()
            if xobject["/Subtype"] == "/Image":
                found.append((hashlib.sha256(xobject.get_data()).hexdigest(), xobject["/Width"], xobject["/Height"]))
            else:
                walk(xobject.get("/Resources"), xobject.get_data())

    walk(page["/Resources"], page.get_contents().get_data())
    return found


def test_a_handout_with_a_note_a_logo_and_a_photo_prints_as_its_own_file(tmp_path):
    """Each page of the print file draws the images of the same page of the handout's own file (the logo on page 1,
    the photo where the stretch is) and has its text (the note too); pixels alike when pdftoppm is here."""
    from clinic_handout.pipeline import open_content
    from clinic_handout.render import render_with_layout

    content = open_content(_pictured_clinic(tmp_path / "clinic"))
    note = "朝と夜に1回ずつ。痛みが強い日は休みましょう。"
    handouts = [_handout(content), _noted(content, note), _handout(content, "鈴木 美和子", "lower", large_print=True)]
    rendered = [(handout, *render_with_layout(handout)) for handout in handouts]
    printed = tmp_path / "print.pdf"
    printed.write_bytes(merge([(handout, layout) for handout, _, layout in rendered]))
    merged = PdfReader(printed).pages
    at, drawn = 0, []
    for number, (_, pdf, _) in enumerate(rendered):
        own_path = tmp_path / f"own{number}.pdf"
        own_path.write_bytes(pdf)
        own = PdfReader(own_path).pages
        for index, page in enumerate(own):
            assert _images(merged[at + index]) == _images(page), (number, index)
            assert merged[at + index].extract_text() == page.extract_text(), (number, index)
            if shutil.which("pdftoppm"):
                assert _pixels(printed, at + index, tmp_path) == _pixels(own_path, index, tmp_path), (number, index)
            drawn += [size for _, *size in _images(page)]
        at += len(own) + len(own) % 2
    assert at == len(merged)
    # What is compared is there: the logo on each handout's first page; the photo in the two handouts for both
    # areas (the first stretch is not one for the lower back alone); the note in the second handout.
    assert drawn.count([60, 24]) == 3 and drawn.count([64, 48]) == 2, drawn
    assert note in merged[2].extract_text() + merged[3].extract_text()


def _noted(content, note: str):
    from clinic_handout.compose import compose
    from clinic_handout.prescription import Patient, Prescription

    prescription = Prescription(source=Path("p"), patient=Patient("高橋 健太", None), date=DAY, practitioner="田中 健",
                                area="both", stretches=None, note=note)
    return compose(content, prescription, DAY, False)


def _pixels(pdf: Path, index: int, tmp_path: Path) -> bytes:
    """Page index (0-based) of pdf drawn at 40 dpi: its RGB pixels."""
    from PIL import Image

    stem = tmp_path / f"px-{pdf.stem}-{index}"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(index + 1), "-l", str(index + 1), "-singlefile",
                    str(pdf), str(stem)], check=True)
    with Image.open(f"{stem}.png") as image:
        return image.convert("RGB").tobytes()


def _day(tmp_path, folder: Path, count: int = 3):
    from clinic_handout.pipeline import open_content

    rows = ["name,area,date"] + [f"患者 {i}号,both,2026-11-25" for i in range(count)]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    content = open_content(folder)
    return batch_input.prepare(tmp_path / "day.csv", content), content


def _no_print_file(tmp_path, merged: Path, prepared, outcomes, count: int) -> str:
    """No print file and no part of one; every row's own file written; the one message about the print file."""
    assert not merged.exists() and not list(tmp_path.glob(".*.part")) and not list(tmp_path.glob("*.part"))
    assert len(outcomes) == count and all(outcome.path and outcome.path.exists() for outcome in outcomes)
    failed = [failure for failure in prepared.failed if failure.label == "--merge"]
    assert len(failed) == 1 and len(prepared.failed) == 1
    return str(failed[0].problems[0])


def test_content_changed_while_a_worker_read_it_gives_no_print_file(tmp_path, monkeypatch):
    """The owner edits stretches.yaml after the batch read the content folder and before a worker (which reads
    the folder itself) draws the second handout, then undoes the edit: that handout's own file has the new title,
    the print file would show the old one, and the folder at the end is as it was. So there is no print file,
    every own file is written, and the message says why."""
    from clinic_handout.pipeline import open_content

    folder = _pictured_clinic(tmp_path / "clinic")
    prepared, content = _day(tmp_path, folder)
    merged, calls = tmp_path / "print.pdf", []
    real = batch._render

    def render(prescription, today, large_print):  # as a worker process starting after the edit
        calls.append(1)
        if len(calls) == 2:
            from .conftest import edit

            before = (folder / "stretches.yaml").read_bytes()
            edit(folder / "stretches.yaml", "股関節の前のストレッチ", "股関節の前のストレッチ（改）")
            batch._worker_content = open_content(folder)
            try:
                return real(prescription, today, large_print)
            finally:
                (folder / "stretches.yaml").write_bytes(before)  # undone: only the worker saw the edit
        return real(prescription, today, large_print)

    monkeypatch.setattr(batch, "_render", render)
    outcomes = batch.build(prepared, content, tmp_path / "out", DAY, jobs=1, merge_to=merged)
    message = _no_print_file(tmp_path, merged, prepared, outcomes, 3)
    assert "（改）" in PdfReader(str(outcomes[1].path)).pages[0].extract_text()  # the edit reached the own file
    assert message.index("作成中に内容フォルダ（stretches.yaml）が変わった") < message.index("content folder changed")
    assert "印刷用 PDF は作りませんでした" in message and "もう一度" in message
    assert str(folder / "stretches.yaml") in message


def test_a_photo_changed_during_the_batch_gives_no_print_file(tmp_path, monkeypatch):
    """A photo is read when a page is drawn: by the worker, and again by the batch for the print file. One replaced
    after the workers drew every handout, while the print file is drawn, would be printed but not sent."""
    from PIL import Image

    from clinic_handout import printfile

    folder = _pictured_clinic(tmp_path / "clinic")
    prepared, content = _day(tmp_path, folder)
    merged, calls = tmp_path / "print.pdf", []
    real = printfile.PrintFile.add

    def add(self, handout, layout=None):
        calls.append(1)
        if len(calls) == 3:  # the last handout: every own file is already drawn
            Image.new("RGB", (64, 48), (0, 160, 0)).save(folder / "photos" / "first.jpg", quality=90)
        return real(self, handout, layout)

    monkeypatch.setattr(printfile.PrintFile, "add", add)
    outcomes = batch.build(prepared, content, tmp_path / "out", DAY, jobs=1, merge_to=merged)
    message = _no_print_file(tmp_path, merged, prepared, outcomes, 3)
    assert "作成中に内容フォルダ（photos/first.jpg）が変わった" in message


def test_unchanged_content_read_by_workers_gives_the_print_file(tmp_path, monkeypatch):
    """Two worker processes, each reading the content folder (logo and photo included) itself: nothing changed,
    so the print file is made, page for page the files written."""
    folder = _pictured_clinic(tmp_path / "clinic")
    prepared, content = _day(tmp_path, folder, 3)
    merged = tmp_path / "print.pdf"
    monkeypatch.setattr(batch, "PER_WORKER", 1)  # this process and two workers, for three handouts
    outcomes = batch.build(prepared, content, tmp_path / "out", DAY, jobs=3, merge_to=merged)
    assert not prepared.failed and len(outcomes) == 3
    assert len(PdfReader(str(merged)).pages) == 6


def test_pages_that_differ_from_the_own_file_drop_the_print_file_and_the_batch_goes_on(tmp_path, monkeypatch):
    """A handout that does not give its own file's pages in the print file: no print file (said in Japanese
    first, naming the patient), but every row is still written and reported."""
    from dataclasses import replace

    prepared, content = _day(tmp_path, SAMPLE, 3)
    merged = tmp_path / "print.pdf"
    real = batch._render

    def render(prescription, today, large_print):
        pdf, layout, used = real(prescription, today, large_print)
        return pdf, (replace(layout, pages=3) if "1号" in prescription.patient.name else layout), used

    monkeypatch.setattr(batch, "_render", render)
    outcomes = batch.build(prepared, content, tmp_path / "out", DAY, jobs=1, merge_to=merged)
    message = _no_print_file(tmp_path, merged, prepared, outcomes, 3)
    assert "患者 1号 様: 印刷用 PDF では 2 ページ、本人の PDF では 3 ページ" in message
    assert message.index("印刷用 PDF は作りませんでした") < message.index("the print file was not made")


def test_content_changed_while_the_batch_read_it_is_not_printed_as_sent(tmp_path, monkeypatch):
    """The owner saves stretches.yaml just after the batch parsed it: the batch holds the old titles, every
    worker the new ones. The print file must not show the old titles beside own files with the new ones."""
    from clinic_handout import content as contents
    from clinic_handout.pipeline import open_content

    folder = _pictured_clinic(tmp_path / "clinic")
    real_check = contents.check_file

    def check_file(path, kind, glyphs=None, **options):
        value = real_check(path, kind, glyphs, **options)
        if path.name == "stretches.yaml" and "（改）" not in path.read_text(encoding="utf-8"):
            from .conftest import edit

            edit(path, "股関節の前のストレッチ", "股関節の前のストレッチ（改）")  # saved right after it was read
        return value

    monkeypatch.setattr(contents, "check_file", check_file)
    prepared, content = _day(tmp_path, folder)
    monkeypatch.setattr(contents, "check_file", real_check)
    merged, real = tmp_path / "print.pdf", batch._render

    def render(prescription, today, large_print):  # a worker process: it reads the folder itself
        batch._worker_content = open_content(folder)
        return real(prescription, today, large_print)

    monkeypatch.setattr(batch, "_render", render)
    outcomes = batch.build(prepared, content, tmp_path / "out", DAY, jobs=1, merge_to=merged)
    assert all("（改）" in PdfReader(str(o.path)).pages[0].extract_text() for o in outcomes)  # what is sent
    assert "stretches.yaml" in _no_print_file(tmp_path, merged, prepared, outcomes, 3)
