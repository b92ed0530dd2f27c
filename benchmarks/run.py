"""Times the handout builder on this machine; prints a table and writes benchmarks/last-run.json.

    python benchmarks/run.py [--runs 7] [--warm 30]

Run by hand (never in tests). Uses the `handout` next to this Python, and the sample `both`
prescription; a fixed `date` so every run renders the same handout.
"""
import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRESCRIPTION = "patient:\n  name: 山田 花子\ndate: 2026-11-25\narea: both\n"


def timed(command, cwd) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def warm_rate(count: int, folder: Path) -> tuple[float, int]:
    """Handouts per second in one process through the library, each with a different name."""
    from clinic_handout.pipeline import build_pdf, open_content

    content = open_content(REPO / "handouts")
    sources = []
    for i in range(count):
        path = folder / f"p{i}.yaml"
        path.write_text(PRESCRIPTION.replace("山田 花子", f"山田 花子{i}"), encoding="utf-8")
        sources.append(path)
    build_pdf(sources[0], content)  # fonts registered, caches filled
    start = time.perf_counter()
    for path in sources:
        build_pdf(path, content, dt.date(2026, 11, 25))
    return count / (time.perf_counter() - start), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warm", type=int, default=30)
    args = parser.parse_args()
    handout = str(Path(sys.executable).with_name("handout"))
    env = {k: v for k, v in os.environ.items() if k != "HANDOUT_CONTENT"}
    os.environ.clear()
    os.environ.update(env)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "p.yaml").write_text(PRESCRIPTION, encoding="utf-8")
        build, helps = [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            build.append(timed([handout, "build", "p.yaml", "-o", "p.pdf"], folder))
            helps.append(timed([handout, "--help"], folder))
        size = (folder / "p.pdf").stat().st_size
        rate, peak_kib = warm_rate(args.warm, folder)
    rows = {
        "cold handout build, median s": round(statistics.median(build), 3),
        "cold handout build, min s": round(min(build), 3),
        "cold handout --help, median s": round(statistics.median(helps), 3),
        "warm handouts/s, one process": round(rate, 1),
        "sample both PDF, bytes": size,
        "peak memory, warm run, MiB": round(peak_kib / 1024, 1),
    }
    width = max(map(len, rows))
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, runs={args.runs}")
    for name, value in rows.items():
        print(f"{name:<{width}}  {value}")
    result = {"date": dt.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(), **rows}
    (REPO / "benchmarks" / "last-run.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
