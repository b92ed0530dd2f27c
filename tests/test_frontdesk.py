"""Front-desk workflows: batch from CSV or YAML, merged printing, large print, tick-sheet, QR (the guided mode:
test_guided.py)."""
import os
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from clinic_handout.batch import unique_names
from clinic_handout.csv_input import decode_csv

from .conftest import SAMPLE, STANDARD, pdf_text

CSV = ("name,area,date,practitioner,email,stretches,note\n"
       "山田 花子,both,2026-11-25,大場 太郎,hanako@example.com,,\n"
       "髙橋 﨑子,lower,2026-11-25,,,buttock hamstring:20×3×2,右側を重点的に\n"
       "佐藤 一郎,upper,2026-11-25,,,hip-flexor:15x5x2 inner-thigh,\n")


def write_csv(tmp_path, text=CSV, encoding="utf-8", name="day.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_every_encoding_excel_writes(run, tmp_path, encoding):
    source = write_csv(tmp_path, encoding=encoding)
    result = run("batch", source, "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "3 built, 0 failed" in result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["2026-11-25_佐藤一郎.pdf", "2026-11-25_山田花子.pdf", "2026-11-25_髙橋﨑子.pdf"]
    text = pdf_text(tmp_path / "out" / "2026-11-25_髙橋﨑子.pdf")
    assert "髙橋﨑子様" in text and "20秒×3回・1日2セット" in text and "右側を重点的に" in text


def test_decode_csv_detects_shift_jis():
    assert decode_csv("髙橋,﨑".encode("cp932")) == "髙橋,﨑"
    assert decode_csv(b"\xef\xbb\xbfname") == "name"


def test_bad_rows_are_reported_and_the_good_ones_built(run, tmp_path):
    text = CSV + "木村 次郎,middle,2026-11-25,,,,\n中村 三郎,both,2026-11-25,,,hamstrings buttock:10x99x1,\n"
    result = run("batch", write_csv(tmp_path, text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    assert "3 built, 2 failed: 5行目 木村 次郎 (row 5), 6行目 中村 三郎 (row 6)" in result.output
    assert "day.csv 5行目 木村 次郎 (Excel row 5)  area" in result.output and '"middle"' in result.output
    assert "day.csv 6行目 中村 三郎 (Excel row 6)  stretches (stretches[1])" in result.output
    assert "'hamstring'" in result.output
    assert "stretches (stretches[2].reps)" in result.output and "1 to 50" in result.output
    assert len(list((tmp_path / "out").iterdir())) == 3


def test_unknown_column_is_one_warning_with_a_did_you_mean_and_the_batch_goes_on(run, tmp_path):
    result = run("batch", write_csv(tmp_path, CSV.replace("practitioner", "practioner")), "-o", tmp_path / "out",
                 "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert result.output.count("注意 (warning)") == 1
    assert "「practioner」" in result.output and "'practitioner'" in result.output
    assert len(list((tmp_path / "out").iterdir())) == 3


def test_names_are_unique_and_safe(run, tmp_path):
    assert unique_names(["a.pdf", "b.pdf", "A.pdf", "a.pdf"]) == ["a.pdf", "b.pdf", "A-2.pdf", "a-3.pdf"]
    text = CSV + "山田 花子,lower,2026-11-25,,,,\n\"a/b:c*?\",upper,2026-11-25,,,,\n"
    result = run("batch", write_csv(tmp_path, text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.output
    names = sorted(os.listdir(tmp_path / "out"))
    assert "2026-11-25_山田花子.pdf" in names and "2026-11-25_山田花子-2.pdf" in names
    assert "2026-11-25_a_b_c__.pdf" in names


def test_merge_keeps_order_and_starts_each_handout_on_a_new_sheet(run, tmp_path):
    folder = tmp_path / "patients"
    folder.mkdir()
    (folder / "a.yaml").write_text(STANDARD.replace("山田 花子", "一人目 花子"), encoding="utf-8")
    (folder / "b.yaml").write_text(STANDARD.replace("山田 花子", "二人目 花子") + "checklist_days: 7\n",
                                   encoding="utf-8")
    (folder / "c.yaml").write_text(STANDARD.replace("山田 花子", "三人目 花子"), encoding="utf-8")
    result = run("batch", folder, "-o", tmp_path / "out", "--merge", tmp_path / "print.pdf", "--jobs", "1")
    assert result.exit_code == 0, result.output
    people = ("一人目", "二人目", "三人目")
    counts = [len(PdfReader(str(tmp_path / "out" / f"2026-11-25_{n}花子.pdf")).pages) for n in people]
    assert counts[1] % 2 == 1, counts  # the tick-sheet makes an odd page count
    merged = PdfReader(str(tmp_path / "print.pdf")).pages
    assert len(merged) == counts[0] + counts[1] + 1 + counts[2]
    starts = [0, counts[0], counts[0] + counts[1] + 1]
    for start, name in zip(starts, people, strict=True):
        assert f"{name} 花子 様" in merged[start].extract_text()
    assert merged[starts[2] - 1].extract_text().strip() == ""  # the blank page


def test_jobs_1_and_2_give_identical_files(run, tmp_path, monkeypatch):
    from clinic_handout import batch

    monkeypatch.setattr(batch, "PER_WORKER", 1)  # a worker process even for these few rows
    source = write_csv(tmp_path)
    for jobs in ("1", "2"):
        result = run("batch", source, "-o", tmp_path / f"out{jobs}", "--merge", tmp_path / f"print{jobs}.pdf",
                     "--jobs", jobs)
        assert result.exit_code == 0, result.output
    for pdf in (tmp_path / "out1").iterdir():
        assert pdf.read_bytes() == (tmp_path / "out2" / pdf.name).read_bytes(), pdf.name
    assert (tmp_path / "print1.pdf").read_bytes() == (tmp_path / "print2.pdf").read_bytes()


def test_yaml_list_with_a_bad_item(run, tmp_path):
    source = tmp_path / "list.yaml"
    source.write_text("- patient: {name: 一人目}\n  date: 2026-11-25\n  area: upper\n"
                      "- patient: {name: 二人目}\n  date: 2026-11-25\n  area: top\n", encoding="utf-8")
    result = run("batch", source, "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    assert "1 built, 1 failed: 2人目 二人目 (item 2)" in result.output and "list.yaml:6  [2].area" in result.output


def font_sizes(pdf) -> list[float]:
    sizes = []
    reader = PdfReader(str(pdf))
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                sizes.append(float(operands[1]))
    return sizes


@pytest.mark.parametrize("how", ["flag", "key"])
def test_large_print_sets_body_text_to_14_pt(run, write, tmp_path, how):
    text = STANDARD + ("large_print: true\n" if how == "key" else "")
    out = tmp_path / "large.pdf"
    result = run("build", write("p.yaml", text), "-o", out, *(["--large-print"] if how == "flag" else []))
    assert result.exit_code == 0, result.output
    sizes = font_sizes(out)
    assert min(sizes) >= 12.2  # the footer, 10.5 pt at normal size
    assert max(set(sizes), key=sizes.count) == 14  # body text
    assert len(PdfReader(str(out)).pages) >= 2
    normal = font_sizes(run("build", write("n.yaml", STANDARD), "-o", tmp_path / "n.pdf") and tmp_path / "n.pdf")
    assert max(set(normal), key=normal.count) == 12


def test_tick_sheet_lists_the_days_and_the_next_visit(build):
    result, out = build(STANDARD + "checklist_days: 14\nnext_visit: 2026-12-09\n")
    assert result.exit_code == 0, result.output
    last = PdfReader(str(out)).pages[-1].extract_text()
    assert "ストレッチ記録表" in last
    days = re.findall(r"\d+月\d+日（.）", last)
    assert days[0] == "11月25日（水）" and days[13] == "12月8日（火）" and len(days) == 15  # + the next visit
    assert "次回のご来院：12月9日（水）" in last
    assert "痛み" in last


def test_no_tick_sheet_unless_asked(build):
    _, out = build(STANDARD)
    assert "ストレッチ記録表" not in pdf_text(out)


@pytest.mark.skipif(shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
                    reason="zbarimg (Debian zbar-tools) and pdftoppm (poppler-utils) are needed to decode the QR code")
def test_qr_codes_decode_to_the_clinic_and_video_urls(run, write, tmp_path):
    folder = tmp_path / "clinic"
    shutil.copytree(SAMPLE, folder)
    catalogue = folder / "stretches.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(
        "  - id: buttock\n", "  - id: buttock\n    video_url: https://example.com/videos/buttock\n"), encoding="utf-8")
    clinic = folder / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8").replace(
        "# qr_url: https://example.com/reserve", "qr_url: https://example.com/reserve"), encoding="utf-8")
    out = tmp_path / "qr.pdf"
    result = run("build", write("p.yaml", STANDARD.replace("both", "lower")), "-o", out, "--content", folder)
    assert result.exit_code == 0, result.output
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")],
                   check=True)
    page, = tmp_path.glob("page*.png")
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True).stdout.split()
    assert sorted(decoded) == ["https://example.com/reserve", "https://example.com/videos/buttock"]


def test_validate_checks_a_csv_row_by_row_before_the_batch(run, tmp_path):
    good = run("validate", write_csv(tmp_path))
    assert good.exit_code == 0, good.output
    bad = run("validate", write_csv(tmp_path, CSV + "木村 次郎,middle,2026-11-25,,,,\n", name="bad.csv"))
    assert bad.exit_code == 1
    assert "bad.csv 5行目 木村 次郎 (Excel row 5)  area" in bad.output and '"middle"' in bad.output
