"""Times the handout builder against a bare ReportLab script (the floor); prints a table, writes JSON.

    python benchmarks/run.py [--runs 7] [--warm 30] [--batch 50]

Run by hand (never in tests), with the Python of the virtual environment that has `handout`.
Cold runs interleave `handout build` and benchmarks/floor.py so that machine drift hits both alike.
The floor renders the same texts on the same fonts the simplest way (no figures, no kinsoku).
The font cache (see fonts.load_ttfont) is warmed once first, as it is after a clinic's first build.
"""
import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRESCRIPTION = "patient:\n  name: 山田 花子\ndate: 2026-11-25\narea: both\n"
PEAK = "import resource,sys,runpy; sys.argv={argv!r}; {run}; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def timed(command, cwd) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def peak_mib(code: str, cwd) -> float:
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True, capture_output=True, text=True).stdout
    return int(out.split()[-1]) / 1024


def warm(count: int, folder: Path) -> tuple[float, float]:
    """Handouts/s in one process: the library with a different name each time, then the floor."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import floor

    from clinic_handout.pipeline import build_pdf, open_content

    content = open_content(REPO / "handouts")
    sources = []
    for i in range(count):
        path = folder / f"p{i}.yaml"
        path.write_text(PRESCRIPTION.replace("山田 花子", f"山田 花子{i}"), encoding="utf-8")
        sources.append(path)
    build_pdf(sources[0], content)
    floor.render()
    rates = {"handout": [], "floor": []}
    for _ in range(3):  # interleaved rounds
        start = time.perf_counter()
        for path in sources:
            build_pdf(path, content, dt.date(2026, 11, 25))
        rates["handout"].append(count / (time.perf_counter() - start))
        start = time.perf_counter()
        for i in range(count):
            floor.render(f"山田 花子{i}")
        rates["floor"].append(count / (time.perf_counter() - start))
    return statistics.median(rates["handout"]), statistics.median(rates["floor"])


def tagging_cost(count: int, folder: Path) -> tuple[float, float, int, int]:
    """Warm ms a handout with and without the tags (tagging.py), and the PDF's bytes each way.

    Without: render.py's TaggingCanvas and finish swapped for ReportLab's Canvas and nothing, the
    same story drawn untagged (what tests/test_tagging.py checks draws the same)."""
    from reportlab.pdfgen.canvas import Canvas

    from clinic_handout import render
    from clinic_handout.pipeline import build_pdf, open_content

    content = open_content(REPO / "handouts")
    path = folder / "cost.yaml"
    path.write_text(PRESCRIPTION, encoding="utf-8")
    tagged = (render.TaggingCanvas, render.finish)
    untagged = (Canvas, lambda pdf, *_: pdf)
    times, sizes = {"with": [], "without": []}, {}
    for _ in range(3):  # interleaved rounds
        for name, (canvas, finish) in (("with", tagged), ("without", untagged)):
            render.TaggingCanvas, render.finish = canvas, finish
            start = time.perf_counter()
            for _ in range(count):
                _, pdf = build_pdf(path, content, dt.date(2026, 11, 25))
            times[name].append((time.perf_counter() - start) / count * 1000)
            sizes[name] = len(pdf)
    render.TaggingCanvas, render.finish = tagged
    return statistics.median(times["with"]), statistics.median(times["without"]), sizes["with"], sizes["without"]


def batch_csv(folder: Path, count: int) -> Path:
    rows = ["name,area,date"] + [f"患者 {i}号,{('upper', 'lower', 'both')[i % 3]},2026-11-25" for i in range(count)]
    path = folder / "day.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warm", type=int, default=30)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    handout = str(Path(sys.executable).with_name("handout"))
    os.environ.pop("HANDOUT_CONTENT", None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "p.yaml").write_text(PRESCRIPTION, encoding="utf-8")
        build = [handout, "build", "p.yaml", "-o", "p.pdf"]
        floor = [sys.executable, str(REPO / "benchmarks" / "floor.py"), "floor.pdf"]
        subprocess.run(build, cwd=folder, check=True, capture_output=True)  # fills the font cache
        cold = {"build": [], "floor": [], "help": []}
        for _ in range(args.runs):
            cold["build"].append(timed(build, folder))
            cold["floor"].append(timed(floor, folder))
            cold["help"].append(timed([handout, "--help"], folder))
        size = (folder / "p.pdf").stat().st_size
        memory = peak_mib(PEAK.format(argv=["handout", *build[1:]],
                                      run="from clinic_handout.cli import cli; cli(standalone_mode=False)"), folder)
        floor_memory = peak_mib(PEAK.format(argv=floor[1:], run=f"runpy.run_path({floor[1]!r}, run_name='__main__')"),
                                folder)
        source = batch_csv(folder, args.batch)
        batch = {}
        for _ in range(2):
            for jobs in (1, 2):
                seconds = timed([handout, "batch", str(source), "-o", f"out{jobs}", "--jobs", str(jobs)], folder)
                batch[jobs] = min(batch.get(jobs, seconds), seconds)
        warm_handout, warm_floor = warm(args.warm, folder)
        tag_ms, untagged_ms, tag_bytes, untagged_bytes = tagging_cost(args.warm, folder)
    median = {k: statistics.median(v) for k, v in cold.items()}
    rows = {
        "cold handout build, median s": round(median["build"], 3),
        "cold floor (bare ReportLab), median s": round(median["floor"], 3),
        "cold ratio build / floor (target <= 0.6)": round(median["build"] / median["floor"], 2),
        "cold handout --help, median s (target < 0.15)": round(median["help"], 3),
        "warm handouts/s, one process": round(warm_handout, 1),
        "warm floor/s, one process": round(warm_floor, 1),
        "warm ratio handout / floor (target >= 2)": round(warm_handout / warm_floor, 2),
        f"batch of {args.batch}, --jobs 1, s": round(batch[1], 2),
        f"batch of {args.batch}, --jobs 2, s": round(batch[2], 2),
        "batch speed-up jobs 2 / jobs 1 (target >= 1.7)": round(batch[1] / batch[2], 2),
        "sample both PDF, bytes (target <= 100 KB)": size,
        "peak memory, handout build, MiB": round(memory, 1),
        "peak memory, floor, MiB": round(floor_memory, 1),
        "warm ms a handout, tagged": round(tag_ms, 1),
        "warm ms a handout, untagged (the same story)": round(untagged_ms, 1),
        "sample both PDF untagged, bytes": untagged_bytes,
        "sample both PDF tagged, bytes": tag_bytes,
    }
    width = max(map(len, rows))
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"{args.runs} cold runs, {args.warm} warm handouts")
    for name, value in rows.items():
        print(f"{name:<{width}}  {value}")
    result = {"date": dt.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(), **rows}
    (REPO / "benchmarks" / "last-run.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
