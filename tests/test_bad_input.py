"""Bad input never gives a traceback, a half-written file or a wrong PDF: exit 1 and a message that helps."""
from pathlib import Path

import pytest

from .conftest import STANDARD

CASES = sorted((Path(__file__).parent / "bad_prescriptions").glob("*.yaml"))


def expectations(case: Path) -> list[str]:
    """The words a case's message must contain, from its first line: `# expect: a | b | c`."""
    first = case.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect:"), case.name
    return [word.strip() for word in first.removeprefix("# expect:").split(" | ")]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_bad_prescription_is_refused_with_a_helpful_message(case, run, tmp_path):
    out = tmp_path / "out.pdf"
    result = run("build", case, "-o", out)
    message = result.output
    assert result.exit_code == 1, message
    assert case.name in message
    for word in expectations(case):
        assert word in message, f"{case.name}: {word!r} missing from:\n{message}"
    assert "Traceback" not in message
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_validate_reports_the_same_problems(case, run):
    result = run("validate", case)
    assert result.exit_code == 1
    for word in expectations(case):
        assert word in result.output


def test_every_problem_in_a_file_is_reported_at_once(run):
    case = Path(__file__).parent / "bad_prescriptions" / "many-problems.yaml"
    result = run("build", case)
    # patinet is unknown and so patient is missing; area, reps and side are wrong
    assert "5 件" in result.output and "5 problem(s)" in result.output


def test_python_tag_is_never_executed(run, tmp_path):
    case = Path(__file__).parent / "bad_prescriptions" / "python-tag.yaml"
    marker = tmp_path / "owned"
    case_text = case.read_text(encoding="utf-8").replace("echo owned", f"touch {marker}")
    source = tmp_path / "tag.yaml"
    source.write_text(case_text, encoding="utf-8")
    assert run("build", source, "-o", tmp_path / "x.pdf").exit_code == 1
    assert not marker.exists()


def test_existing_output_is_left_untouched_when_the_build_fails(run, write, tmp_path):
    out = tmp_path / "handout.pdf"
    out.write_bytes(b"the old handout")
    source = write("bad.yaml", STANDARD + "stretches:\n  - id: buttock\n    reps: 0\n")
    assert run("build", source, "-o", out).exit_code == 1
    assert out.read_bytes() == b"the old handout"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "handout.pdf"]


def test_shift_jis_file_is_refused_with_the_fix(run, tmp_path):
    source = tmp_path / "sjis.yaml"
    source.write_bytes(STANDARD.encode("cp932"))
    result = run("build", source)
    assert result.exit_code == 1
    assert "sjis.yaml:2" in result.output and "UTF-8" in result.output


def test_byte_order_mark_is_accepted(run, tmp_path):
    source = tmp_path / "bom.yaml"
    source.write_bytes(b"\xef\xbb\xbf" + STANDARD.encode("utf-8"))
    result = run("build", source, "-o", tmp_path / "bom.pdf")
    assert result.exit_code == 0, result.output


def test_a_name_the_fonts_cannot_draw_is_refused_naming_the_character(run, write, tmp_path):
    source = write("rare.yaml", STANDARD.replace("山田 花子", "\U00013000田 花子"))  # no font has U+13000
    out = tmp_path / "rare.pdf"
    result = run("build", source, "-o", out)
    assert result.exit_code == 1
    assert "U+13000 '\U00013000' in patient.name has no glyph" in result.output
    assert "rare.yaml:2" in result.output
    assert not out.exists()


def test_missing_prescription_file_is_a_usage_error(run):
    result = run("build", "no-such-file.yaml")
    assert result.exit_code == 2
    assert "no-such-file.yaml" in result.output


def test_output_folder_that_does_not_exist_is_reported(run, write, tmp_path):
    source = write("p.yaml", STANDARD)
    result = run("build", source, "-o", tmp_path / "nowhere" / "out.pdf")
    assert result.exit_code == 1
    assert "nowhere" in result.output and "Traceback" not in result.output
