"""Is the layout of a long note linear? Times the handout with a note of 200, 400 and 800 lines.

    python benchmarks/long_note.py

Each line is 「N日目：よし」-like (at most 5000 characters in all: the note's limit). Linear layout
gives a time ratio near 2 from 400 to 800 lines; quadratic would give near 4.
"""
import datetime as dt
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from clinic_handout.compose import compose  # noqa: E402
from clinic_handout.pipeline import open_content  # noqa: E402
from clinic_handout.prescription import Patient, Prescription  # noqa: E402
from clinic_handout.render import render  # noqa: E402


def timed(content, lines: int, repeat: int = 3) -> float:
    note = "\n".join(f"{i}日目よし" for i in range(lines))[:5000]
    prescription = Prescription(source=Path("bench"), patient=Patient("山田 花子", None), date=dt.date(2026, 11, 25),
                                practitioner=None, area="both", stretches=None, note=note)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        render(compose(content, prescription, prescription.date))
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    content = open_content(REPO / "handouts")
    timed(content, 10, 1)  # warm: fonts, figures
    times = {lines: timed(content, lines) for lines in (200, 400, 800)}
    for lines, seconds in times.items():
        print(f"{lines:4d} note lines: {seconds:.3f} s")
    print(f"800/400 = {times[800] / times[400]:.2f} (linear: ~2, quadratic: ~4)")


if __name__ == "__main__":
    main()
