"""The merged print file written as handouts arrive (printfile.py), and a batch that holds a few PDFs at a
time whatever its length (batch.in_order, batch.build). No timings here."""
import datetime as dt
import io
import tracemalloc
from concurrent.futures import Future
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinic_handout import batch, batch_input
from clinic_handout.printfile import PrintFile, merge
from clinic_handout.tagging import Content, read_structure

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def singles() -> dict[str, bytes]:
    """Two pages, two pages with fallback fonts, three pages in large print: real handouts."""
    from clinic_handout.compose import compose
    from clinic_handout.pipeline import build_pdf, open_content
    from clinic_handout.prescription import Patient, Prescription
    from clinic_handout.render import render

    content = open_content(SAMPLE)
    day = dt.date(2026, 11, 25)
    rare = Prescription(source=Path("r"), patient=Patient("𠮷田 葛󠄀飾", None), date=day, practitioner="田中 健",
                        area="both", stretches=None, note=None)
    return {"standard": build_pdf(SAMPLE / "patients" / "yamada-hanako.yaml", content, day)[1],
            "rare": render(compose(content, rare, day)),
            "large": build_pdf(SAMPLE / "patients" / "lower-sample.yaml", content, day, large_print=True)[1]}


def _elements(node, out=None) -> list:
    """A structure tree as a flat list: each element's role, alt, actual text, attributes; each content's page."""
    out = [] if out is None else out
    if isinstance(node, Content):
        out.append(("content", node.page, node.mcid))
        return out
    out.append((node.role, node.alt, node.actual_text, tuple(sorted(node.attributes.items()))))
    for kid in node.kids:
        _elements(kid, out)
    return out


def test_the_print_file_is_each_handout_as_it_is_with_a_blank_after_an_odd_count(singles):
    order = ["standard", "rare", "large"]
    merged = PdfReader(io.BytesIO(merge([singles[name] for name in order])))
    at, parts = 0, read_structure(merged).kids
    assert [part.role for part in parts] == ["Part"] * 3
    for name, part in zip(order, parts, strict=True):
        single = PdfReader(io.BytesIO(singles[name]))
        count = len(single.pages)
        for page, own in zip(merged.pages[at:at + count], single.pages, strict=True):
            assert page.get_contents().get_data() == own.get_contents().get_data()  # drawn the same, byte for byte
            assert page.extract_text() == own.extract_text()  # its text, its page numbers `1 / 2`, its footer
        # Its structure: the single file's tree, with its pages counted from where it starts in the print file.
        own_tree = read_structure(single)
        own_tree.role = "Part"
        expected = [("content", e[1] + at, e[2]) if e[0] == "content" else e for e in _elements(own_tree)]
        assert _elements(part) == expected
        at += count
        if count % 2:  # duplex: a blank back, so the next handout starts on a new sheet
            blank = merged.pages[at]
            assert blank.get_contents() is None and not blank.extract_text()
            at += 1
    assert at == len(merged.pages) == 2 + 2 + 4
    assert [page.get("/StructParents") for page in merged.pages] == [0, 1, 2, 3, 4, 5, 6, None]


def test_the_print_file_is_byte_deterministic_and_a_valid_pdf(singles, tmp_path):
    once, again = merge(list(singles.values())), merge(list(singles.values()))
    assert once == again
    assert merge([singles["standard"]]) != merge([singles["rare"]])  # the file ID follows the handouts
    reader = PdfReader(io.BytesIO(once), strict=True)
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"])
    assert reader.trailer["/Root"]["/Lang"] == "ja-JP"
    assert reader.metadata.title == "印刷用ハンドアウト (handouts for printing)"
    import shutil
    import subprocess

    if shutil.which("qpdf"):
        (tmp_path / "m.pdf").write_bytes(once)
        check = subprocess.run(["qpdf", "--check", str(tmp_path / "m.pdf")], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


class _Sink:
    """A file that keeps nothing: counts what is written."""

    def __init__(self):
        self.size = 0

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size


def _writing(pdf: bytes, count: int) -> tuple[int, int]:
    """Bytes kept once the print file is written (its garbage collected), and the peak while writing."""
    import gc

    gc.collect()
    tracemalloc.start()
    printfile = PrintFile(_Sink())
    for _ in range(count):
        printfile.add(pdf)
    printfile.close()
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return kept, peak


KEPT_PER_HANDOUT = 4096  # what the print file keeps of a handout (each object's offset, its pages' numbers)


def test_writing_the_print_file_keeps_no_handout(singles):
    """Memory flat: 120 handouts keep no more than 15 but a few numbers a handout; pypdf's PdfWriter kept
    every handout's objects (a 500-patient merge peaked at 732 MB). The peak is one handout being copied
    and the garbage the collector has not reached yet, whatever the count."""
    pdf = singles["standard"]
    _writing(pdf, 1)  # pypdf's modules loaded
    (few, few_peak), (many, many_peak) = _writing(pdf, 15), _writing(pdf, 120)
    assert many - few < (120 - 15) * KEPT_PER_HANDOUT, (few, many)
    assert max(few_peak, many_peak) < 32 * 1024 * 1024, (few_peak, many_peak)


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


def test_a_batch_writes_each_pdf_before_the_next_is_rendered(tmp_path, monkeypatch, singles):
    """Each handout's file and its pages in the print file are written as it arrives, in input order,
    and no outcome keeps its bytes unless asked to (--send)."""
    prepared, content = _prepared(tmp_path, 5)
    out, merged = tmp_path / "out", tmp_path / "print.pdf"
    seen = []

    def render(prescription, today, large_print):
        written = sorted(out.glob("*.pdf")) if out.exists() else []
        parts = list(tmp_path.glob(".print.pdf.*.part"))
        seen.append((len(written), parts[0].stat().st_size if parts else 0))
        return singles["standard"]

    monkeypatch.setattr(batch, "_render", render)
    outcomes = batch.build(prepared, content, out, dt.date(2026, 11, 25), jobs=1, merge_to=merged)
    assert [count for count, _ in seen] == [0, 1, 2, 3, 4]  # the one before is on disk
    sizes = [size for _, size in seen]
    assert sizes[1] > 0 and sizes == sorted(sizes) and len(set(sizes[1:])) == 4  # the print file grows as it goes
    assert all(outcome.path and outcome.pdf is None for outcome in outcomes)
    assert len(PdfReader(str(merged)).pages) == 5 * 2
    assert not list(tmp_path.glob(".*.part"))
    kept = batch.build(prepared, content, tmp_path / "kept", dt.date(2026, 11, 25), jobs=1, keep_pdfs=True)
    assert all(outcome.pdf == (outcome.path.read_bytes()) for outcome in kept)


def test_an_interrupted_batch_leaves_no_print_file(tmp_path, monkeypatch, singles):
    prepared, content = _prepared(tmp_path, 4)
    merged = tmp_path / "print.pdf"
    calls = []

    def render(prescription, today, large_print):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return singles["standard"]

    monkeypatch.setattr(batch, "_render", render)
    with pytest.raises(KeyboardInterrupt):
        batch.build(prepared, content, tmp_path / "out", dt.date(2026, 11, 25), jobs=1, merge_to=merged)
    assert not merged.exists() and not list(tmp_path.glob(".*.part"))
