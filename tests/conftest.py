import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from clinic_handout.cli import cli

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "handouts"

STANDARD = """\
patient:
  name: 山田 花子
date: 2026-11-25
area: both
"""


# A ruby group as the README states it, {base|reading}: the tests' own reading of the syntax (not ruby.py's)
RUBY_GROUP = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")


def ruby_base(text: str) -> str:
    """What the line shows and copying gives: each group's base (the reading is set above the line)."""
    return RUBY_GROUP.sub(r"\1", text)


def ruby_fits(base: str, reading: str, body: float = 12, reading_size: float = 10.5) -> bool:
    """The README's rule, for full-width text: a group is ruby when its reading is at most one reading
    character wider than its base (股/また: 2 x 10.5 = 21 <= 12 + 10.5); else base（reading）."""
    return len(reading) * reading_size <= len(base) * body + reading_size


def ruby_shown(text: str, body: float = 12, reading_size: float = 10.5) -> str:
    """What the line shows and copying gives: a group that fits (ruby_fits) as its base (its reading above
    the line), any other as base（reading）."""
    return RUBY_GROUP.sub(lambda m: m[1] if ruby_fits(m[1], m[2], body, reading_size) else f"{m[1]}（{m[2]}）",
                          text)


def ruby_brackets(text: str) -> str:
    """What the mail and the terminal show: each group as base（reading）."""
    return RUBY_GROUP.sub(r"\1（\2）", text)


def pdf_text(path: Path) -> str:
    """All text of a PDF as pypdf extracts it, whitespace removed (lines break anywhere in Japanese)."""
    reader = PdfReader(str(path))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


@pytest.fixture(autouse=True)
def _no_content_env(monkeypatch):
    monkeypatch.delenv("HANDOUT_CONTENT", raising=False)


@pytest.fixture(autouse=True)
def _history_of_the_test(monkeypatch, tmp_path_factory):
    """Each test's handouts are recorded in a history of its own (set in os.environ, so the processes a
    test starts inherit it), never beside the repository's handouts/ or in the user's data folder."""
    monkeypatch.setenv("HANDOUT_DATA", str(tmp_path_factory.mktemp("handout-data")))


@pytest.fixture(scope="session", autouse=True)
def _caches_of_the_tests(tmp_path_factory):
    """The tests' parsed fonts and cached results (cache.py) go to folders of their own, never to the user's
    cache (~/.cache); set here in os.environ, so the processes the tests start inherit them. A test may set
    its own."""
    import os

    names = {"HANDOUT_FONT_CACHE": "font-cache", "HANDOUT_CACHE": "result-cache"}
    saved = {name: os.environ.get(name) for name in names}
    for name, folder in names.items():
        os.environ[name] = str(tmp_path_factory.mktemp(folder))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Runs `handout ARGS` in an empty folder (tmp_path); returns click's Result."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def write(tmp_path):
    """Writes text (UTF-8) to a file in tmp_path; returns its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def build(run, write, tmp_path):
    """Builds a prescription given as YAML text; returns (result, pdf path)."""

    def _build(yaml_text: str, *extra):
        source = write("p.yaml", yaml_text)
        out = tmp_path / "out.pdf"
        return run("build", source, "-o", out, "--overwrite", *extra), out  # each call replaces the last

    return _build


@pytest.fixture
def clinic(tmp_path):
    """A copy of the sample content folder, as a clinic's own folder: to edit or to break."""
    folder = tmp_path / "clinic"
    shutil.copytree(SAMPLE, folder)
    return folder


def edit(path, old, new):
    """Replaces text in a file; the old text must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")
