"""Issue 10, item 4: a stopped batch leaves nothing behind. Ctrl-C (SIGINT), a plain kill (SIGTERM)
and the parent's death (SIGKILL) leave no worker process running, read from /proc, and no temp file."""
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads processes from Linux's /proc")

ROWS = 150  # 60 finished once before the stop reached it (a busy machine, faster batches): exit 0


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the task ended meanwhile
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def running(pid: int) -> bool:
    """The process exists and is not a zombie (a zombie has ended; it waits only to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(condition, limit=120.0):
    """Polls until condition() holds; a guard against a hang, not a measurement."""
    deadline = time.monotonic() + limit
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def day(tmp_path):
    path = tmp_path / "day.csv"
    path.write_text("name,area,date\n" + "".join(f"患者 {i}号,both,2026-11-25\n" for i in range(ROWS)),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["INT", "TERM", "KILL"])
def test_a_stopped_batch_leaves_no_worker_and_no_temp_file(tmp_path, how):
    out = tmp_path / "out"
    # --jobs 3: this process and two workers
    command = [sys.executable, "-m", "clinic_handout", "batch", str(day(tmp_path)), "-o", str(out), "--jobs", "3"]
    # Ctrl-C as a terminal gives it: a test run started in the background (`pytest &`) ignores SIGINT, and
    # its children inherit that, so the batch would rightly go on (seen: exit 0 after SIGINT).
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    workers: set[int] = set()
    try:
        assert wait_for(lambda: len(children(process.pid)) >= 2 and len(list(out.glob("*.pdf"))) >= 2), \
            "the batch never started its workers"
        workers = children(process.pid)
        process.send_signal(how)
        process.wait(timeout=60)
        assert len(list(out.glob("*.pdf"))) < ROWS, "the batch finished before the stop reached it"
        assert process.returncode != 0
        assert wait_for(lambda: not any(running(pid) for pid in workers), 30), \
            f"workers still running after {signal.Signals(how).name}: {[p for p in workers if running(p)]}"
        written = list(out.glob("*.pdf"))
        assert len(written) < ROWS  # it was stopped, not finished
        if how != signal.SIGKILL:  # nothing can clean up in the instant of a SIGKILL ...
            assert not list(out.glob(".*.part"))
            # what it says is what is on disk (review-16 S1: it said a bare 中止しました)
            assert f"中止しました。PDF は {len(written)} 件書きました" in process.stderr.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
        for pid in workers:  # a failed test leaves no orphans behind either
            if running(pid):
                os.kill(pid, signal.SIGKILL)
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert len(list(out.glob("*.pdf"))) == ROWS
    assert not list(out.glob(".*.part"))  # ... but the next run removes what a killed one left


HALF_A_RESULT = """
import os, struct, sys, time
from concurrent.futures import ProcessPoolExecutor
from clinic_handout.batch import stop_workers

if __name__ == "__main__":
    pool = ProcessPoolExecutor(max_workers=2)
    futures = [pool.submit(time.sleep, 60) for _ in range(2)]
    while len(pool._processes) < 2:
        time.sleep(0.01)
    # What a worker killed while sending a PDF leaves: a length header for 1 MB and the first 10 bytes of it.
    os.write(pool._result_queue._writer.fileno(), struct.pack("!i", 1 << 20) + b"x" * 10)
    time.sleep(0.5)  # the pool's manager thread reads the header and waits for the rest
    stop_workers(pool)
    print("stopped", flush=True)
"""


def test_a_batch_stopped_while_a_worker_was_sending_its_pdf_still_exits(tmp_path):
    # Seen once in about 15 Ctrl-C stops under load: the batch printed 中止しました and never exited, its main
    # thread joining the pool's manager thread at exit, which waited in recv() for the rest of a result that a
    # killed worker had half sent. Made here without timing luck: half a message put into the pipe by hand.
    script = tmp_path / "half.py"
    script.write_text(HALF_A_RESULT, encoding="utf-8")
    try:
        run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the process did not exit within 60 s of stop_workers(): it waits for the half-sent result")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "stopped"


def test_a_temp_file_of_a_killed_run_is_removed_and_one_of_a_live_run_kept(tmp_path):
    from clinic_handout.deliver import remove_stale_parts

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".2026-11-25_患者.pdf.{dead.pid}.abc123.part"
    live = tmp_path / f".2026-11-25_患者.pdf.{os.getpid()}.def456.part"
    other = tmp_path / ".notes.part"  # not one of ours: left alone
    for path in (stale, live, other):
        path.write_bytes(b"%PDF-1.4 half")
    assert remove_stale_parts(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists()


@pytest.mark.parametrize("writer", ["write_atomically", "PartFile"])
def test_an_interrupt_inside_mkstemp_leaves_no_temporary_file(tmp_path, monkeypatch, writer):
    # Ctrl-C or SIGTERM (made KeyboardInterrupt) can land after mkstemp made the file and before it said
    # its name: seen once in the batch stop test above as a leftover .NAME.PID.XXXX.part.
    import tempfile

    from clinic_handout import deliver

    real = tempfile.mkstemp

    def made_then_interrupted(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        os.close(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(tempfile, "mkstemp", made_then_interrupted)
    target = tmp_path / "2026-11-25_山田花子.pdf"
    with pytest.raises(KeyboardInterrupt):
        if writer == "write_atomically":
            deliver.write_atomically(target, b"%PDF-")
        else:
            deliver.PartFile(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
