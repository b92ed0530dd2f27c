"""Issue 10, item 3: bad input is a message naming file, line and field; never an internal error, a
hang or a silent change. The characters and limits are written out here, not taken from the code."""
import os
import subprocess
import sys

import pytest

from .conftest import STANDARD

# (what a test calls it, the character, its code point as the message must show it)
CONTROL = [
    ("VT (Word Shift+Enter)", "\x0b", "U+000B"),
    ("ESC", "\x1b", "U+001B"),
    ("FF", "\x0c", "U+000C"),
    ("NUL", "\x00", "U+0000"),
    ("NEL", "\x85", "U+0085"),
    ("LINE SEPARATOR", "\u2028", "U+2028"),
    ("PARAGRAPH SEPARATOR", "\u2029", "U+2029"),
    ("DEL", "\x7f", "U+007F"),
    ("C1 CSI", "\x9b", "U+009B"),
    ("RLO bidi", "\u202e", "U+202E"),
    ("RLI bidi", "\u2067", "U+2067"),
    ("RLM", "\u200f", "U+200F"),
    ("ALM", "\u061c", "U+061C"),
]
INVISIBLE_ONLY = ["\u200b", "\u200b\u200c\u200d", "\ufe0f", "\U000e0100", "\u2060", "\ufeff", "\u3000\u200b",
                  "\u3164", "\u115f"]


def prescription(name="山田 花子", note=None):
    text = f"patient:\n  name: \"{name}\"\ndate: 2026-11-25\narea: both\n"
    return text + (f"note: \"{note}\"\n" if note is not None else "")


@pytest.mark.parametrize("label,char,code", CONTROL, ids=[c[0] for c in CONTROL])
def test_a_control_character_typed_into_a_name_is_named_with_line_and_field(run, tmp_path, label, char, code):
    path = tmp_path / "p.yaml"
    path.write_text(prescription(name=f"山田{char}花子"), encoding="utf-8")  # the raw character in the file
    result = run("build", path)
    assert result.exit_code == 1 and "Traceback" not in result.output and "internal error" not in result.output
    assert "p.yaml:2  patient.name" in result.output and code in result.output, result.output
    assert "no glyph" not in result.output
    assert char not in result.output  # never echoed raw (an ESC would drive the terminal)
    assert not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize("label,char,code", CONTROL[:8], ids=[c[0] for c in CONTROL[:8]])
def test_a_control_character_at_the_end_of_a_note_is_not_silently_dropped(run, tmp_path, label, char, code):
    path = tmp_path / "p.yaml"
    path.write_text(prescription(note=f"朝に1回{char}"), encoding="utf-8")
    result = run("build", path)
    assert result.exit_code == 1 and "p.yaml:5  note" in result.output and code in result.output, result.output


@pytest.mark.parametrize("escape,code", [("\\ud800", "U+D800"), ("\\udfff", "U+DFFF"), ("\\v", "U+000B"),
                                         ("\\e", "U+001B"), ("\\0", "U+0000"), ("\\L", "U+2028"),
                                         ("\\N", "U+0085"), ("\\u202d", "U+202D")])
def test_a_yaml_escape_for_such_a_character_is_refused_too(run, write, escape, code):
    result = run("build", write("p.yaml", prescription(name=f"山田{escape}花子")))
    assert result.exit_code == 1 and "p.yaml:2  patient.name" in result.output and code in result.output, \
        result.output
    assert "no glyph" not in result.output  # refused as a character no field may hold, not as a font gap


@pytest.mark.parametrize("name", INVISIBLE_ONLY, ids=[f"U+{ord(n[0]):04X}" for n in INVISIBLE_ONLY])
def test_a_name_of_only_invisible_characters_is_refused(run, write, tmp_path, name):
    result = run("build", write("p.yaml", prescription(name=name)))
    assert result.exit_code == 1 and "p.yaml:2  patient.name" in result.output, result.output
    assert not list(tmp_path.glob("*.pdf"))


def test_a_csv_row_gets_the_same_character_checks(run, write, tmp_path):
    text = ("name,area,date\n一人目 花子,upper,2026-11-25\n二人目\x0b花子,lower,2026-11-25\n"
            "三人目\u202e花子,lower,2026-11-25\n\u200b,lower,2026-11-25\n")
    result = run("batch", write("day.csv", text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    assert "row 3" in result.output and "U+000B" in result.output and "Shift+Enter" in result.output
    assert "row 4" in result.output and "U+202E" in result.output and "row 5" in result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["2026-11-25_一人目花子.pdf"]


def test_no_bidi_control_reaches_a_file_name(run, write, tmp_path):
    result = run("build", write("p.yaml", prescription(name="山田\u202efdp.exe")))
    assert result.exit_code == 1
    assert not [p for p in tmp_path.iterdir() if "\u202e" in p.name]


@pytest.mark.parametrize("bom", [True, False])
def test_a_utf16_prescription_is_named_as_such(run, tmp_path, bom):
    path = tmp_path / "p.yaml"
    path.write_bytes(STANDARD.encode("utf-16" if bom else "utf-16-le"))
    result = run("build", path)
    assert result.exit_code == 1 and "UTF-16" in result.output and "UTF-8" in result.output, result.output


def test_a_prescription_over_1_mb_is_refused(run, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(STANDARD + "# " + "x" * (1024 * 1024) + "\n", encoding="utf-8")
    result = run("build", path)
    assert result.exit_code == 1 and "1 MB" in result.output


def test_a_prescription_just_under_1_mb_is_read(run, tmp_path):
    path = tmp_path / "p.yaml"
    padding = 1024 * 1024 - len(STANDARD.encode()) - 3
    path.write_text(STANDARD + "#" + "x" * padding + "\n", encoding="utf-8")
    assert path.stat().st_size == 1024 * 1024 - 1
    assert run("build", path).exit_code == 0


def test_a_csv_over_10_mb_is_refused(run, tmp_path):
    path = tmp_path / "day.csv"
    row = "山田 花子,upper,2026-11-25\n"
    path.write_text("name,area,date\n" + row * (10 * 1024 * 1024 // len(row.encode()) + 1), encoding="utf-8")
    result = run("batch", path, "-o", tmp_path / "out")
    assert result.exit_code == 1 and "10 MB" in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def handout(*args, cwd):
    """The real command in a child process: a hang fails the test instead of stopping the suite."""
    return subprocess.run([sys.executable, "-m", "clinic_handout", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, stdin=subprocess.DEVNULL)


def test_dev_zero_and_a_fifo_are_refused_without_reading_them(tmp_path):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)  # nobody ever writes to it: reading would wait forever
    csv_fifo = tmp_path / "day.csv"
    os.mkfifo(csv_fifo)
    for args in [("build", "/dev/zero"), ("build", fifo), ("validate", fifo), ("validate", csv_fifo),
                 ("batch", csv_fifo, "-o", tmp_path / "out"), ("batch", "/dev/zero", "-o", tmp_path / "out")]:
        result = handout(*args, cwd=tmp_path)
        assert result.returncode == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr and ("FIFO" in result.stderr or "device" in result.stderr), args


def test_a_folder_given_as_a_prescription_is_refused(run, tmp_path):
    (tmp_path / "p.yaml").mkdir()
    result = run("validate", tmp_path / "p.yaml")  # validate takes folders as batches: an empty one
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_note_has_a_limit_of_5000_characters(run, write):
    assert run("build", write("p.yaml", prescription(note="あ" * 5000))).exit_code == 0
    result = run("build", write("q.yaml", prescription(note="あ" * 5001)))
    assert result.exit_code == 1 and "5001" in result.output and "5000" in result.output


@pytest.mark.parametrize("field", ["date", "next_visit"])
def test_a_date_at_the_edge_of_the_calendar_is_a_message(run, write, field):
    text = STANDARD.replace("date: 2026-11-25\n", "date: 2026-11-25\nchecklist_days: 31\n")
    if field == "date":
        text = text.replace("date: 2026-11-25", "date: 9999-12-31")
    else:
        text += "next_visit: 9999-12-31\n"
    result = run("build", write("p.yaml", text))
    assert result.exit_code == 1 and field in result.output and "2199" in result.output, result.output


def test_the_last_allowed_date_with_a_full_tick_sheet_builds(run, write):
    text = STANDARD.replace("date: 2026-11-25", "date: 2199-12-31\nchecklist_days: 31")
    assert run("build", write("p.yaml", text)).exit_code == 0


@pytest.fixture
def content(clinic):
    return clinic  # conftest's copy of the sample folder


def _photo_content(content, image_name):
    text = (content / "stretches.yaml").read_text(encoding="utf-8")
    first = text.index("  - id:")
    line_end = text.index("\n", first)
    (content / "stretches.yaml").write_text(text[:line_end + 1] + f"    image: {image_name}\n" + text[line_end + 1:],
                                            encoding="utf-8")


def test_a_decompression_bomb_photo_is_a_message(run, content):
    from PIL import Image

    Image.new("1", (9000, 9000)).save(content / "bomb.png")  # 81 megapixels in a few kilobytes
    assert (content / "bomb.png").stat().st_size < 100_000
    _photo_content(content, "bomb.png")
    result = run("validate", "--content", content)
    assert result.exit_code == 1 and "bomb.png" in result.output and "megapixels" in result.output, result.output


def test_an_ordinary_photo_is_still_taken(run, content):
    from PIL import Image

    Image.new("RGB", (1200, 900), "white").save(content / "ok.jpg")
    _photo_content(content, "ok.jpg")
    assert run("validate", "--content", content).exit_code == 0


def _laughs(levels=40):
    """A few KB of YAML whose aliases stand for 2**levels values ("billion laughs")."""
    lines = ["  l0: &l0 [x, x]"] + [f"  l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, levels)]
    return "\n".join(["patient:", "  name: 山田 花子", "date: 2026-11-25", "area: both", "x:", *lines,
                      f"stretches: [hip-flexor, *l{levels - 1}]", ""])


def test_a_billion_laughs_prescription_is_refused_at_its_first_anchor(run, write):
    # Anchors and aliases are refused where they are written: line 6 holds the first '&'.
    result = run("validate", write("p.yaml", _laughs()))
    assert result.exit_code == 1
    assert "p.yaml:6" in result.output and "アンカー" in result.output and "anchor or alias" in result.output, \
        result.output


def test_a_billion_laughs_file_in_a_batch_folder_does_not_stop_the_others(run, write, tmp_path):
    folder = tmp_path / "day"
    folder.mkdir()
    (folder / "a.yaml").write_text(prescription(name="一人目 花子"), encoding="utf-8")
    (folder / "bomb.yaml").write_text(_laughs(), encoding="utf-8")
    result = run("batch", folder, "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1 and "bomb.yaml:6" in result.output, result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["2026-11-25_一人目花子.pdf"]


def test_an_alias_alone_is_refused_too(run, write):
    text = prescription() + "stretches: [hip-flexor, *x]\n"
    result = run("validate", write("p.yaml", text))
    assert result.exit_code == 1 and "p.yaml:5" in result.output and "'*'" in result.output, result.output


# Review finding 2: "invisible" is decided by Unicode category, not by a list of a few characters.
# Each of these leaves nothing on the page (written out: code point and what it is).
INVISIBLE_BY_CATEGORY = [
    "\u2061\u00ad",  # FUNCTION APPLICATION + SOFT HYPHEN (Cf)
    "\u00ad",  # SOFT HYPHEN (Cf)
    "\u034f",  # COMBINING GRAPHEME JOINER (Mn)
    "\u2062",  # INVISIBLE TIMES (Cf)
    "\u2063",  # INVISIBLE SEPARATOR (Cf)
    "\u2064",  # INVISIBLE PLUS (Cf)
    "\u2800",  # BRAILLE PATTERN BLANK (So, blank by design)
    "\ufff9",  # INTERLINEAR ANNOTATION ANCHOR (Cf)
    "\ufffa",  # INTERLINEAR ANNOTATION SEPARATOR (Cf)
    "\ufffb",  # INTERLINEAR ANNOTATION TERMINATOR (Cf)
    "\u3164",  # HANGUL FILLER (Lo, blank by design)
    "\u1160",  # HANGUL JUNGSEONG FILLER (Lo)
    "\uffa0",  # HALFWIDTH HANGUL FILLER (Lo)
    "\U000e0041",  # TAG LATIN CAPITAL LETTER A (Cf)
    "\u200a\u2009",  # HAIR SPACE + THIN SPACE (Zs)
]


@pytest.mark.parametrize("name", INVISIBLE_BY_CATEGORY,
                         ids=[f"U+{ord(n[0]):04X}-{len(n)}" for n in INVISIBLE_BY_CATEGORY])
def test_a_name_of_only_invisible_characters_by_category_is_refused_as_invisible(run, write, tmp_path, name):
    result = run("validate", write("p.yaml", prescription(name=name)))
    assert result.exit_code == 1 and "p.yaml:2  patient.name" in result.output, result.output
    assert "見えない文字だけ" in result.output and "only invisible characters" in result.output, result.output


def test_a_csv_cell_of_only_invisible_characters_is_refused(run, write, tmp_path):
    text = "name,area,date\n一人目 花子,upper,2026-11-25\n\u2061\u00ad,lower,2026-11-25\n\u2800,lower,2026-11-25\n"
    result = run("batch", write("day.csv", text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1, result.output
    assert result.output.count("only invisible characters") == 2, result.output
    assert "row 3" in result.output and "row 4" in result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["2026-11-25_一人目花子.pdf"]


@pytest.mark.parametrize("name", ["山田 花子", "ｱｲｳ", "Zoë", "김민준", "葛\U000e0100城"])
def test_a_name_with_visible_characters_is_still_taken(run, write, name):
    result = run("validate", write("p.yaml", prescription(name=name)))
    assert "only invisible characters" not in result.output, result.output


# Review finding 5: a control character at the edge of a CSV cell is refused as it is in YAML,
# not dropped by str.strip(). (row, character as the message must show it)
EDGE_CELLS = [("\x0b二人目 花子", 3, "U+000B"), ("三人目 花子\x0c", 4, "U+000C"), ("四人目 花子\x85", 5, "U+0085"),
              ("\x1c五人目 花子", 6, "U+001C"), ("六人目 花子\x1f", 7, "U+001F")]


def test_a_control_character_at_the_edge_of_a_csv_cell_is_refused(run, write, tmp_path):
    rows = "".join(f"{cell},lower,2026-11-25\n" for cell, _, _ in EDGE_CELLS)
    text = "name,area,date\n一人目 花子,upper,2026-11-25\n" + rows + "\u3000七人目 花子\t,lower,2026-11-25\n"
    result = run("batch", write("day.csv", text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1, result.output
    for _, row, code in EDGE_CELLS:
        assert f"row {row}" in result.output and code in result.output, (row, code, result.output)
    # spaces (also full-width) and tabs at the edges are still trimmed: rows 2 and 8 are built
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2026-11-25_一人目花子.pdf",
                                                                    "2026-11-25_七人目花子.pdf"]


def test_a_control_character_at_the_edge_of_a_csv_email_cell_is_refused(run, write, tmp_path):
    text = "name,area,date,email\n一人目 花子,upper,2026-11-25,hanako@example.com\x0c\n"
    result = run("validate", write("day.csv", text))
    assert result.exit_code == 1 and "row 2" in result.output and "U+000C" in result.output, result.output


def test_an_empty_yaml_list_in_a_batch_folder_is_a_message(run, tmp_path):
    # Review finding 8: `[]` said 「0 件の問題があります」 in batch and nothing in validate.
    folder = tmp_path / "day"
    folder.mkdir()
    (folder / "a.yaml").write_text(prescription(name="一人目 花子"), encoding="utf-8")
    (folder / "empty.yaml").write_text("[]\n", encoding="utf-8")
    for command in (("validate", folder), ("batch", folder, "-o", tmp_path / "out", "--jobs", "1")):
        result = run(*command)
        assert result.exit_code == 1, result.output
        assert "empty.yaml:1" in result.output and "患者が1人も書かれていません" in result.output, result.output
        assert "0 件の問題" not in result.output


def test_an_empty_yaml_list_given_as_the_batch_file_is_a_message(run, write, tmp_path):
    result = run("batch", write("day.yaml", "[]\n"), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1 and "day.yaml:1" in result.output and "患者が1人も" in result.output, result.output
