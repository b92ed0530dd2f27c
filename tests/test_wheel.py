"""The installed wheel carries the fonts and the sample content, and works away from this repository."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import REPO, STANDARD


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    (built,) = out.glob("clinic_handout-*.whl")
    return built


def test_wheel_holds_fonts_licence_and_sample(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("fonts/BIZUDGothic-Regular.ttf", "fonts/BIZUDGothic-Bold.ttf", "fonts/OFL.txt",
                 "sample/clinic.yaml", "sample/texts.yaml", "sample/stretches.yaml",
                 "sample/patients/yamada-hanako.yaml"):
        assert f"clinic_handout/{name}" in names, name
    assert any(n.endswith("entry_points.txt") for n in names)


def test_unpacked_wheel_builds_a_handout_outside_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "desk"
    work.mkdir()
    (work / "p.yaml").write_text(STANDARD, encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if k != "HANDOUT_CONTENT"}, "PYTHONPATH": str(site)}

    def python(*args):
        return subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=120)

    where = python("-c", "from clinic_handout import resources as r; print(r.fonts_dir(), r.sample_content_dir())")
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(site)) for line in where.stdout.split()), where.stdout
    result = python("-m", "clinic_handout", "build", "p.yaml", "-o", "p.pdf")
    assert result.returncode == 0, result.stderr
    assert len(PdfReader(str(work / "p.pdf")).pages) == 2
