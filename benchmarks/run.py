"""Times the handout builder against a bare ReportLab script (the floor); prints a table, writes JSON.

    python benchmarks/run.py [--runs 7] [--warm 30] [--quick] [--out FILE]

Run by hand (never in tests), with the Python of the virtual environment that has `handout`.
Every number of issue 16 in one run, each ratio against the floor measured in the same run:
- cold `handout build` interleaved with benchmarks/floor.py (machine drift hits both alike);
- warm handouts/s in one process, interleaved with the floor (5 rounds; the ratio is the median of each
  round's, in wall time and in CPU time, which a shared machine disturbs less); the same with a rare-name
  patient (a character only the fallback font IPAmj Mincho has);
- the preview path: one handout of a new patient in a warm process, the content already open; and as
  the desk calls it (app.build_prescription: the content folder's files hashed, read and checked again only
  when they changed, pipeline.current_content);
- `handout batch` of 50 and 500 patients at --jobs 1 and 2; `--merge` of 50 and 500: the merged
  file's bytes and the peak memory (maximum resident set) of the batch process and of its workers;
  the CPU seconds of --jobs 1 and of --jobs 2's batch process and its worker, and from them the speed-up
  with two free cores (--jobs 1's CPU / the busier process's): on a shared machine the wall-time speed-up
  says how much of the second core the others left (busy moments made it 1.07 to 2.06), the CPU one
  what the batch itself does (it assumes neither process waits for the other, as on an idle machine);
- the cost of tagging and ruby (issue 17): ms and bytes of the sample handout as built (tagged, the
  readings as ruby), with the readings in brackets, and untagged with brackets.
--quick: 3 cold runs, 10 warm handouts, batches of 20 and 50 (a smoke run; not for the note).
Cold runs use compiled bytecode of our modules, as an installed wheel has (pip compiles it when it
installs): the benchmark compiles the package first. Without it, on a machine that sets
PYTHONDONTWRITEBYTECODE with an editable install, every start compiles all our modules again.
The floor renders the same texts on the same fonts the simplest way (no figures, no kinsoku).
The font cache (see fonts.load_ttfont) and the result cache (cache.py) are warmed once first, as they are
after a clinic's first build. Cold runs also report CPU time (user + system): on a shared machine it is
steadier than the wall time.
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
RARE_NAME = "𠮷田 花子"  # 𠮷 (U+20BB7): not in BIZ UD Gothic, drawn in IPAmj Mincho (handouts/fonts.yaml)
# Runs the CLI in this process and prints the peak resident memory of it (VmHWM: Linux keeps ru_maxrss
# across exec, so a child started by this big benchmark process would report this one's) and of its workers.
HWM = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"
PEAK = ("import resource,sys; sys.argv={argv!r}\n"
        "from clinic_handout.cli import cli\n"
        "try: cli(standalone_mode=False)\n"
        f"finally: print('PEAK', {HWM}, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
# Runs the CLI in this process and prints the CPU seconds of it and of its workers (with --jobs 2, one worker).
SPLIT = ("import resource,sys; sys.argv={argv!r}\n"
         "from clinic_handout.cli import cli\n"
         "try: cli(standalone_mode=False)\n"
         "finally:\n"
         "    own, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
         "    print('CPU', own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime)")
FLOOR_PEAK = ("import resource,sys,runpy; sys.argv={argv!r}; runpy.run_path(sys.argv[0], run_name='__main__');"
              f" print('PEAK', {HWM}, 0)")


def compile_package() -> None:
    """Our modules' bytecode, as pip writes it when it installs the wheel (an editable install writes it on
    first import, unless PYTHONDONTWRITEBYTECODE is set)."""
    import compileall
    from importlib.util import find_spec

    spec = find_spec("clinic_handout")
    assert spec is not None and spec.submodule_search_locations
    for folder in spec.submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)


def timed(command, cwd) -> float:
    return timed_cpu(command, cwd)[0]


def timed_cpu(command, cwd) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system) of the command and its children: on a shared machine the
    CPU time says what the command costs, the wall time also what the others took."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def peak_mib(code: str, cwd) -> tuple[float, float, float]:
    """Seconds, and peak MiB (ru_maxrss, KiB on Linux) of the process and of its largest worker."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    line = next(line for line in out.splitlines() if line.startswith("PEAK "))
    own, children = map(int, line.split()[1:])
    return seconds, own / 1024, children / 1024


SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
            "吉田", "山口", "松本", "井上", "木村", "清水", "山崎", "森", "池田", "橋本"]
GIVEN_NAMES = ["花子", "一郎", "美和子", "健太", "洋子", "誠", "裕子", "翔太",
               "恵美", "大輔", "和夫", "幸子", "正樹", "直美", "隆"]


def person(number: int) -> str:
    """A different name for each number, as a day's list has: different characters, not only a number
    after the same name (the bold font's subset, which has the name, then differs as it does in a clinic)."""
    return f"{SURNAMES[number % len(SURNAMES)]} {GIVEN_NAMES[number // len(SURNAMES) % len(GIVEN_NAMES)]}"


def split_cpu(argv: list[str], cwd) -> tuple[float, float, float]:
    """Wall seconds, and CPU seconds (user + system) of the batch process and of its workers (one with --jobs 2)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", SPLIT.format(argv=argv)], cwd=cwd, check=True, capture_output=True,
                         text=True).stdout
    seconds = time.perf_counter() - start
    own, workers = map(float, next(line for line in out.splitlines() if line.startswith("CPU ")).split()[1:])
    return seconds, own, workers


def prescriptions(folder: Path, count: int, tag: str, first: int = 0, rare: bool = False) -> list[Path]:
    """count prescriptions for the people person(first), person(first + 1) ...; rare: each name starting
    with 𠮷 (RARE_NAME's character that only the fallback font has)."""
    paths = []
    for i in range(count):
        path = folder / f"{tag}{i}.yaml"
        name = RARE_NAME[0] * rare + person(first + i)
        path.write_text(PRESCRIPTION.replace("山田 花子", name), encoding="utf-8")
        paths.append(path)
    return paths


def warm(count: int, folder: Path) -> dict[str, float]:
    """Handouts/s in one process, interleaved: ordinary names, rare names, the floor. Each handout has
    a different name (as a day's list has), so nothing is rendered twice."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import floor

    from clinic_handout.pipeline import build_pdf, open_content

    content = open_content(REPO / "handouts")
    ordinary = prescriptions(folder, count, "p")
    rare = prescriptions(folder, count, "r", rare=True)
    build_pdf(ordinary[0], content)
    build_pdf(rare[0], content)  # loads the fallback font once, as the first rare name of a day does
    from reportlab.pdfbase import pdfmetrics

    # the floor draws with its own fonts (registered first), never with ours and our kept subsets (fonts.Face)
    assert pdfmetrics.getFont("Gothic") is not pdfmetrics.getFont("BIZUDGothic")
    floor.render()
    rates: dict[str, list[float]] = {"handout": [], "rare": [], "floor": []}
    cpu: dict[str, list[float]] = {"handout": [], "rare": [], "floor": []}  # handouts per CPU second
    day = dt.date(2026, 11, 25)

    def timed_round(key: str, make) -> None:
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            make(i)
        rates[key].append(count / (time.perf_counter() - start))
        cpu[key].append(count / (time.process_time() - start_cpu))

    for _ in range(5):  # interleaved rounds: a busy moment of a shared machine hits one round of each
        timed_round("handout", lambda i: build_pdf(ordinary[i], content, day))
        timed_round("rare", lambda i: build_pdf(rare[i], content, day))
        timed_round("floor", lambda i: floor.render(person(i)))
    # The preview path: a new patient, one handout, the content already open (median of single calls).
    preview = []
    for path in prescriptions(folder, count, "v", first=100):
        start = time.perf_counter()
        build_pdf(path, content, day)
        preview.append(time.perf_counter() - start)
    # As the desk calls it (app.build_prescription): the content folder's files looked at, then the handout.
    from clinic_handout import app

    desk = []
    for i in range(count):
        start = time.perf_counter()
        made = app.build_prescription({"patient": {"name": f"鈴木 二郎{i}"}, "date": "2026-11-25", "area": "both"},
                                      content_dir=REPO / "handouts", today=day)
        desk.append(time.perf_counter() - start)
        assert made.failure is None and made.pdf
    result = {key: statistics.median(values) for key, values in rates.items()}
    # each round's ratio (the handouts and the floor a few seconds apart), then their median
    result["ratio"] = statistics.median(h / f for h, f in zip(rates["handout"], rates["floor"], strict=True))
    result["cpu_ratio"] = statistics.median(h / f for h, f in zip(cpu["handout"], cpu["floor"], strict=True))
    result["preview_ms"] = statistics.median(preview) * 1000
    result["desk_ms"] = statistics.median(desk) * 1000
    return result


def tagging_and_ruby(count: int, folder: Path) -> dict[str, float]:
    """ms per handout (median of 3 interleaved rounds of count, each a different name) and bytes of the
    sample handout: as built (tagged, ruby), readings in brackets, untagged (ReportLab's own canvas) with
    brackets. Brackets: the sample content with each {base|reading} written base（reading）."""
    import re
    import shutil

    from reportlab.pdfgen.canvas import Canvas

    from clinic_handout import render as render_module
    from clinic_handout.pipeline import build_pdf, open_content

    brackets = folder / "brackets"
    shutil.copytree(REPO / "handouts", brackets, dirs_exist_ok=True)
    for name in ("texts.yaml", "stretches.yaml"):
        path = brackets / name
        path.write_text(re.sub(r"\{([^{}|\n]+)\|([^{}|\n]+)\}", r"\1（\2）", path.read_text(encoding="utf-8")),
                        encoding="utf-8")
    ruby, plain = open_content(REPO / "handouts"), open_content(brackets)
    tagged = render_module.TaggingCanvas
    sources = prescriptions(folder, count, "t")
    day = dt.date(2026, 11, 25)
    times, sizes = {"ruby": [], "brackets": [], "untagged": []}, {}
    for _ in range(3):
        for kind, content in (("ruby", ruby), ("brackets", plain), ("untagged", plain)):
            if kind == "untagged":
                render_module.TaggingCanvas = Canvas  # ReportLab's own canvas: no marked content, no tree
            start = time.perf_counter()
            for path in sources:
                sizes[kind] = len(build_pdf(path, content, day)[1])
            times[kind].append((time.perf_counter() - start) / count * 1000)
            render_module.TaggingCanvas = tagged
    return {**{f"{kind} ms": statistics.median(values) for kind, values in times.items()},
            **{f"{kind} bytes": size for kind, size in sizes.items()}}


def batch_csv(folder: Path, count: int) -> Path:
    rows = ["name,area,date"] + [f"患者 {i}号,{('upper', 'lower', 'both')[i % 3]},2026-11-25" for i in range(count)]
    path = folder / f"day{count}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def batches(folder: Path, sizes: tuple[int, ...]) -> dict:
    """Seconds of `handout batch` at --jobs 1 and 2 (best of two for the small size), and for each size a
    --merge run (--jobs 2): the merged file's bytes, the peak memory of the batch process and its workers.
    First a day's list of 20, --jobs 1 and 2 interleaved, 3 rounds: median wall and CPU seconds."""
    out = {}
    day = batch_csv(folder, 20)
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for _ in range(3):
        for jobs in (1, 2):
            runs[jobs].append(timed_cpu([sys.executable, "-m", "clinic_handout", "batch", str(day), "-o", f"day-{jobs}",
                                         "--jobs", str(jobs), "--overwrite"], folder))
    for jobs in (1, 2):
        out[f"day's list of 20, --jobs {jobs}, median s (CPU s)"] = (
            f"{statistics.median(w for w, _ in runs[jobs]):.2f} ({statistics.median(c for _, c in runs[jobs]):.2f})")
    out["day's list of 20: speed-up --jobs 2 / --jobs 1"] = round(
        statistics.median(w for w, _ in runs[1]) / statistics.median(w for w, _ in runs[2]), 2)
    for count in sizes:
        source = batch_csv(folder, count)
        rounds = 2 if count <= 50 else 1
        cpu: dict[int, tuple[float, float]] = {}
        for jobs in (1, 2):
            best = min(split_cpu(["handout", "batch", str(source), "-o", f"out{count}-{jobs}", "--jobs", str(jobs),
                                  "--overwrite"], folder) for _ in range(rounds))
            out[f"batch of {count}, --jobs {jobs}, s"] = round(best[0], 2)
            cpu[jobs] = best[1:]
        out[f"batch of {count}: speed-up --jobs 2 / --jobs 1"] = round(
            out[f"batch of {count}, --jobs 1, s"] / out[f"batch of {count}, --jobs 2, s"], 2)
        out[f"batch of {count}, CPU s: --jobs 1; --jobs 2 batch process + worker"] = (
            f"{sum(cpu[1]):.2f}; {cpu[2][0]:.2f} + {cpu[2][1]:.2f}")
        out[f"batch of {count}: speed-up --jobs 2 / --jobs 1 on two free cores (CPU)"] = round(
            sum(cpu[1]) / max(cpu[2]), 2)
        merged = folder / f"print{count}.pdf"
        argv = ["handout", "batch", str(source), "-o", f"merge{count}", "--jobs", "2", "--merge", str(merged)]
        seconds, own, workers = peak_mib(PEAK.format(argv=argv), folder)
        out[f"batch of {count} --merge --jobs 2, s"] = round(seconds, 2)
        out[f"merged print file of {count}, bytes"] = merged.stat().st_size
        out[f"peak memory, batch of {count} --merge (main process), MiB"] = round(own, 1)
        out[f"peak memory, batch of {count} --merge (largest worker), MiB"] = round(workers, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warm", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer runs, batches of 20 and 50")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "last-run.json")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.warm = 3, 10
    sizes = (20, 50) if args.quick else (50, 500)
    handout = str(Path(sys.executable).with_name("handout"))
    os.environ.pop("HANDOUT_CONTENT", None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "p.yaml").write_text(PRESCRIPTION, encoding="utf-8")
        build = [handout, "build", "p.yaml", "-o", "p.pdf", "--overwrite"]
        floor = [sys.executable, str(REPO / "benchmarks" / "floor.py"), "floor.pdf"]
        subprocess.run(build, cwd=folder, check=True, capture_output=True)  # fills the font and result caches
        compile_package()
        cold: dict[str, list[float]] = {"build": [], "floor": [], "help": []}
        cpu: dict[str, list[float]] = {"build": [], "floor": []}
        for _ in range(args.runs):
            for key, command in (("build", build), ("floor", floor)):
                wall, used = timed_cpu(command, folder)
                cold[key].append(wall)
                cpu[key].append(used)
            cold["help"].append(timed([handout, "--help"], folder))
        size = (folder / "p.pdf").stat().st_size
        _, memory, _ = peak_mib(PEAK.format(argv=["handout", *build[1:]]), folder)
        _, floor_memory, _ = peak_mib(FLOOR_PEAK.format(argv=floor[1:]), folder)
        batch = batches(folder, sizes)
        rates = warm(args.warm, folder)
        cost = tagging_and_ruby(args.warm, folder)
    median = {k: statistics.median(v) for k, v in cold.items()}
    rows = {
        "cold handout build, median s": round(median["build"], 3),
        "cold floor (bare ReportLab), median s": round(median["floor"], 3),
        "cold ratio build / floor (target <= 1.0)": round(median["build"] / median["floor"], 2),
        "cold CPU, build / floor, median s": f"{statistics.median(cpu['build']):.3f} / "
                                             f"{statistics.median(cpu['floor']):.3f}",
        "cold CPU ratio build / floor": round(statistics.median(cpu["build"]) / statistics.median(cpu["floor"]), 2),
        "cold handout --help, median s": round(median["help"], 3),
        "warm handouts/s, one process": round(rates["handout"], 1),
        "warm floor/s, one process": round(rates["floor"], 1),
        "warm ratio handout / floor (target >= 1.0)": round(rates["ratio"], 2),
        "warm ratio handout / floor, CPU time": round(rates["cpu_ratio"], 2),
        "warm rare-name handouts/s": round(rates["rare"], 1),
        "rare-name ms / ordinary ms (target <= 1.2)": round(rates["handout"] / rates["rare"], 2),
        "preview: one new handout in a warm process, median ms": round(rates["preview_ms"], 1),
        "preview as the desk calls it (app.build_prescription), median ms": round(rates["desk_ms"], 1),
        **batch,
        "sample both PDF, bytes": size,
        "peak memory, handout build, MiB": round(memory, 1),
        "peak memory, floor, MiB": round(floor_memory, 1),
        "sample handout, tagged with ruby (as built): ms": round(cost["ruby ms"], 1),
        "sample handout, tagged, readings in brackets: ms": round(cost["brackets ms"], 1),
        "sample handout, untagged, readings in brackets: ms": round(cost["untagged ms"], 1),
        "sample handout, tagged with ruby: bytes": cost["ruby bytes"],
        "sample handout, tagged, readings in brackets: bytes": cost["brackets bytes"],
        "sample handout, untagged, readings in brackets: bytes": cost["untagged bytes"],
    }
    width = max(map(len, rows))
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}, {args.runs} cold runs, {args.warm} warm handouts", "(quick)" * args.quick)
    for name, value in rows.items():
        print(f"{name:<{width}}  {value}")
    result = {"date": dt.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(),
              "load": round(os.getloadavg()[0], 1), "quick": args.quick, **rows}
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
