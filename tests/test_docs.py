"""The README says what the code does: its format tables are generated, its commands are real."""
import re
import subprocess

from clinic_handout.cli import cli
from clinic_handout.docs import tables

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_format_tables_match_the_code():
    for name, markdown in tables().items():
        block = re.search(rf"<!-- {name}-fields -->\n(.*?)\n<!-- /{name}-fields -->", README, re.S)
        assert block, f"README lacks the {name} table markers"
        fix = "python -m clinic_handout.docs --update README.md"
        assert block.group(1) == markdown, f"README's {name} table is stale: run {fix}"


def test_every_command_is_documented():
    for command in cli.commands:
        assert f"`handout {command}" in README, command
    assert "--allow-missing-glyphs" in README


def test_ci_runs_the_readme_commands():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for marker in ("setup-command", "test-command"):
        assert f"<!-- {marker} -->\n```bash\n" in README
        assert marker in ci


def test_readme_commands_are_printed_by_the_extractor():
    out = subprocess.run(["bash", str(REPO / ".ci" / "readme-command"), "test-command"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out.startswith("python3 -m venv .venv") and "pytest" in out
