"""What the speed work of issue 16 must never change: the bytes of a handout. No timings here."""
import subprocess
import sys
from importlib.util import find_spec

import pytest

from .conftest import REPO

RENDER = """
import sys, hashlib, datetime as dt
{block}
from pathlib import Path
from clinic_handout.pipeline import build_pdf, open_content
content = open_content(Path({sample!r}))
for large in (False, True):
    _, pdf = build_pdf(Path({sample!r}) / "patients" / "yamada-hanako.yaml", content, dt.date(2026, 11, 25), large)
    print(hashlib.sha256(pdf).hexdigest())
from reportlab.lib import rl_accel
print(rl_accel.fp_str.__module__)
"""


@pytest.mark.skipif(find_spec("_rl_accel") is None, reason="rl-accel is not installed here")
def test_rl_accel_gives_the_same_bytes_as_pure_python_reportlab():
    """The C accelerator is a dependency for speed only: a handout is byte for byte the one pure-Python
    ReportLab makes (checked in a process where `_rl_accel` cannot be imported)."""
    def run(block: str) -> list[str]:
        code = RENDER.format(block=block, sample=str(REPO / "handouts"))
        return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()

    accelerated = run("")
    pure = run("sys.modules['_rl_accel'] = None  # import _rl_accel fails: ReportLab's Python fallbacks")
    assert accelerated[-1] == "_rl_accel" and pure[-1] == "reportlab.lib.rl_accel"  # each ran as it says
    assert accelerated[:2] == pure[:2]
    assert accelerated[0] != accelerated[1]  # standard and large print differ: the hashes are of real output
