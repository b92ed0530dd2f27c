"""The commands as the front desk uses them: init → validate → build, help, the content folder's lookup."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinic_handout import __version__
from clinic_handout.deliver import write_atomically
from clinic_handout.errors import HandoutError

from .conftest import SAMPLE, STANDARD, pdf_text


def test_init_validate_build_from_a_fresh_folder(run, tmp_path):
    result = run("init", "my-clinic")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "my-clinic"
    assert {p.name for p in folder.iterdir()} >= {"clinic.yaml", "texts.yaml", "stretches.yaml", "patients"}
    assert not list(folder.rglob("*.py"))
    clinic = folder / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8").replace("サンプル接骨院", "みほん整骨院"), encoding="utf-8")
    assert run("validate", "--content", folder, *folder.glob("patients/*.yaml")).exit_code == 0
    result = run("build", folder / "patients" / "yamada-hanako.yaml", "--content", folder)
    assert result.exit_code == 0, result.output
    written = tmp_path / result.output.strip()
    assert written.name == "2026-11-25_山田花子.pdf"
    assert "みほん整骨院" in pdf_text(written)


def test_init_refuses_a_folder_that_is_not_empty(run, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "clinic.yaml").write_text("name: 既存", encoding="utf-8")
    result = run("init", "mine")
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert (tmp_path / "mine" / "clinic.yaml").read_text(encoding="utf-8") == "name: 既存"


def _clinic_named(folder: Path, name: str) -> Path:
    shutil.copytree(SAMPLE, folder)
    clinic = folder / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8").replace("サンプル接骨院", name), encoding="utf-8")
    return folder


def test_content_folder_lookup_order(run, write, tmp_path, monkeypatch):
    source = write("p.yaml", STANDARD)
    out = tmp_path / "out.pdf"

    def clinic_in_pdf():
        assert run("build", source, "-o", out, "--overwrite", *extra).exit_code == 0
        return pdf_text(out)

    extra = []
    assert "サンプル接骨院" in clinic_in_pdf()  # the built-in sample
    _clinic_named(tmp_path / "handouts", "カレント接骨院")
    assert "カレント接骨院" in clinic_in_pdf()  # ./handouts
    monkeypatch.setenv("HANDOUT_CONTENT", str(_clinic_named(tmp_path / "env", "環境接骨院")))
    assert "環境接骨院" in clinic_in_pdf()  # $HANDOUT_CONTENT
    extra = ["--content", _clinic_named(tmp_path / "option", "指定接骨院")]
    assert "指定接骨院" in clinic_in_pdf()  # --content


def test_missing_content_folder_is_reported(run, write):
    result = run("build", write("p.yaml", STANDARD), "--content", "no-such-folder")
    assert result.exit_code == 1
    assert "no-such-folder" in result.output and "handout init" in result.output


def test_stretches_lists_the_catalogue(run):
    result = run("stretches")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == ["hip-flexor", "inner-thigh", "buttock", "hamstring", "foot-sole"]
    assert "10秒 × 5回 ・ 1日2セット" in lines[0] and "股関節の前のストレッチ" in lines[0]


def test_stretches_json(run):
    rows = json.loads(run("stretches", "--json").output)
    assert [r["id"] for r in rows] == ["hip-flexor", "inner-thigh", "buttock", "hamstring", "foot-sole"]
    for row in rows:
        assert {"id", "title", "hold_seconds", "reps", "sets_per_day"} <= row.keys()
        assert all(isinstance(row[k], int) for k in ("hold_seconds", "reps", "sets_per_day"))


def test_help_has_examples_and_version(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("build", "validate", "stretches", "init"):
        assert command in result.output
        sub = run(command, "--help")
        assert sub.exit_code == 0 and "Example" in sub.output
    assert __version__ in run("--version").output


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "handout.pdf"
    target.write_bytes(b"old")

    def refuse(*_):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(HandoutError, match="cannot write"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["handout.pdf"]


def _console_script() -> str:
    found = Path(sys.executable).with_name("handout")
    return str(found) if found.exists() else shutil.which("handout")


@pytest.mark.skipif(not _console_script(), reason="the console script is not installed (pip install -e .)")
def test_installed_console_script(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HANDOUT_CONTENT"}

    def handout(*args):
        return subprocess.run([_console_script(), *map(str, args)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    assert handout("init", "mine").returncode == 0
    assert handout("validate", "--content", "mine").returncode == 0
    result = handout("build", "mine/patients/yamada-hanako.yaml", "--content", "mine", "-o", "hanako.pdf")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hanako.pdf"
    assert len(PdfReader(str(tmp_path / "hanako.pdf")).pages) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text(STANDARD + "stretches:\n  - id: buttock\n    reps: 0\n", encoding="utf-8")
    result = handout("build", bad)
    assert result.returncode == 1 and "reps" in result.stderr and "Traceback" not in result.stderr


def _closed_pipe(args: list[str]) -> tuple[int, str]:
    """Runs a command whose reader has gone (like `handout history | head -1` once head has its line)."""
    child = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # before the child has imported anything: every write it makes meets a closed pipe
    err = child.stderr.read().decode("utf-8", "replace")
    return child.wait(timeout=60), err


@pytest.mark.parametrize("args", [
    ["-m", "clinic_handout", "stretches"],  # a few lines: they meet the closed pipe when Python flushes at exit
    ["-c", "import click\nfrom clinic_handout import cli\n"  # more than the pipe's buffer: inside the command
           "@cli.cli.command('much')\ndef much():\n    for _ in range(20000): click.echo('あ' * 20)\n"
           "import sys\nsys.argv = ['handout', 'much']\ncli.main()\n"],
], ids=["flushed-at-exit", "written-in-the-command"])
def test_a_reader_that_stops_early_is_no_error(args):
    code, err = _closed_pipe(args)
    assert code == 1
    for noise in ("Traceback", "BrokenPipe", "内部エラー", "Exception ignored", "Errno"):
        assert noise not in err, err
