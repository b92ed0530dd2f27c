"""A day's handouts in one go: render the checked entries of batch_input.py in parallel, write each file as
it arrives, and draw each handout into the print file (printfile.py) in input order.

A bad entry was reported by batch_input.prepare; here a row fails only when its file cannot be written.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch_input import Outcome, Prepared
from .content import Content
from .errors import Problem
from .prescription import Prescription

if TYPE_CHECKING:
    from .render import Layout


def unique_names(names: list[str]) -> list[str]:
    """Output names that never clash (two patients may share a name), in input order."""
    taken: set[str] = set()
    result = []
    for name in names:
        stem, suffix = name.rsplit(".", 1)
        candidate, number = f"{stem}.{suffix}", 1
        while candidate.lower() in taken:  # Windows and macOS ignore case
            number += 1
            candidate = f"{stem}-{number}.{suffix}"
        taken.add(candidate.lower())
        result.append(candidate)
    return result


# -- rendering in worker processes: the content is read once per process --------------------
_worker_content: Content | None = None


def _die_with_parent(parent: int) -> None:
    """A worker never outlives the batch: Linux kills it when the parent dies, even by SIGKILL
    (PR_SET_PDEATHSIG); Ctrl-C is the parent's to handle, so the worker ignores it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _start_worker(folder: Path, allow_missing_glyphs: bool, parent: int | None = None) -> None:
    global _worker_content
    from .pipeline import open_content

    _die_with_parent(parent if parent is not None else os.getppid())
    _worker_content = open_content(folder, allow_missing_glyphs)


Used = tuple[tuple[tuple[str, str], ...], ...]  # the content files' digests a handout was drawn from (content.py)


def _render(prescription: Prescription, today: dt.date, large_print: bool) -> tuple[bytes, Layout, Used]:
    """The PDF, its layout, and the digests of the content files it was drawn from: as this process read them,
    and as they are after the drawing (the photos and the logo are read while drawing)."""
    from .content import file_digests
    from .pipeline import handout_pdf_and_layout

    assert _worker_content is not None  # set by render_all or _start_worker
    pdf, layout = handout_pdf_and_layout(_worker_content, prescription, today, large_print=large_print)
    return pdf, layout, (content_digest(_worker_content), file_digests(_worker_content))


def content_digest(content: Content) -> tuple[tuple[str, str], ...]:
    """The digests of the files content was read from (a Content not made by load_content: as they are now)."""
    from .content import file_digests

    return content.digest if content.digest is not None else file_digests(content)


def changed_files(expected: tuple[tuple[str, str], ...], *used: tuple[tuple[str, str], ...]) -> list[str]:
    """The names of the files whose bytes differ between expected and any of used (in expected's order)."""
    names = [name for name, _ in expected]
    for digests in used:
        names += [name for name, _ in digests if name not in names]
    return [name for name in names if any(dict(expected).get(name) != dict(digests).get(name) for digests in used)]


def content_changed(files: list[str]) -> str:
    return (f"作成中に内容フォルダ（{'、'.join(files)}）が変わったため、印刷用 PDF は作りませんでした。"
            "患者さんごとの PDF は作りました。もう一度 batch を実行してください。 (the content folder changed while "
            "the batch ran, so the print file was not made: a printed page could differ from the patient's own "
            "file. Each patient's own file was made. Run the batch again.)")


def render_all(prescriptions: list[Prescription], content: Content, today: dt.date, jobs: int,
               large_print: bool, allow_missing_glyphs: bool,
               progress: Callable[[int], None]) -> Generator[tuple[bytes, Layout, Used], None, None]:
    """Each prescription's PDF, its layout (for the print file) and the content it was drawn from (_render), in
    order; in at most `jobs` processes at once: this one, and the worker processes workers_for() starts, each
    reading the content folder itself. This process renders whatever no worker has started yet whenever the
    next result is not ready (in_order), so it never waits idle while there is work, and the workers need not
    start for a few handouts."""
    global _worker_content
    _worker_content = content
    workers = workers_for(jobs, len(prescriptions))
    if workers == 0:
        for prescription in prescriptions:
            yield _render(prescription, today, large_print)
            progress(1)
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                               initargs=(content.folder, allow_missing_glyphs, os.getpid()))
    started: list[Future] = []

    def ready() -> bool:
        """Whether the workers are up: the first call starts them (a fork copies this process as it is then,
        with the first handout made: warm) by handing them a task that does nothing."""
        if not started:
            started.append(pool.submit(_up))
        return started[0].done() and started[0].exception() is None  # a worker that cannot start is never up

    try:
        for pdf in in_order(lambda p: pool.submit(_render, p, today, large_print), prescriptions,
                            AHEAD * (workers + 1), here=lambda p: _render(p, today, large_print), ready=ready):
            yield pdf
            progress(1)
    except BaseException:  # Ctrl-C, SIGTERM (made KeyboardInterrupt by the CLI), a failed render
        stop_workers(pool)
        raise
    else:
        pool.shutdown(wait=True)


AHEAD = 4  # handouts a worker may have finished or in hand before the batch has written them
# A worker process is started for every PER_WORKER handouts after the first: starting one costs about as much
# as a few handouts (on Windows, which can only spawn, it imports everything again: about 0.3 s of CPU; on
# Linux a fork, about 0.1 s), and this process renders too.
PER_WORKER = 8


def workers_for(jobs: int, count: int) -> int:
    """The worker processes for a batch of count handouts at --jobs jobs: this process is one of the jobs."""
    return max(0, min(jobs - 1, (count - 1) // PER_WORKER))


def in_order(submit: Callable[[Any], Future], items: list, ahead: int,
             here: Callable[[Any], Any] | None = None, ready: Callable[[], bool] | None = None) -> Iterator:
    """The results of submit(item) for each item, in order, with at most `ahead` submitted and not yet
    done with (the one being handed out counts): a batch holds a few PDFs at a time however long it is
    (memory flat), and the workers have the next ones in hand while the batch writes.

    here(item), if given, does an item's work in this process: the first item before anything is submitted
    (a worker forked from this process, as on Linux, starts warm); every item taken on while ready() says
    the workers are not up yet (on Windows a worker takes about half a second to start: an item handed to
    it would wait for it); and, while the next result is not ready, the furthest submitted item no worker has
    started yet (its future cancelled, so each item is done once).

    An item's failure is raised at its turn, after every item before it was handed out (an item made here
    ahead of its turn keeps its error until then). With here, workers that broke (BrokenProcessPool: one could
    not start, e.g. the content folder was saved half-edited while the batch ran, or one died) are not used
    again: what they had is made here."""
    pending: deque[list] = deque()  # [future, or None for this process's own; item; result or _END]
    queued = iter(items)
    broken = False

    def mine(item: Any) -> Any:
        assert here is not None  # only then are items made here
        try:
            return here(item)
        except Exception as error:  # raised at its turn (below), not before the items ahead of it
            return _Failed(error)

    def fill(limit: int) -> None:
        nonlocal broken
        while len(pending) < limit:
            item = next(queued, _END)
            if item is _END:
                return
            future = None
            if here is None or (not broken and (ready is None or ready())):
                try:
                    future = submit(item)
                except BrokenProcessPool:
                    if here is None:
                        raise
                    broken = True
            pending.append([future, item, _END])

    if here is not None and items:
        first = next(queued)
        pending.append([None, first, mine(first)])
    fill(ahead)
    while pending:
        head = pending[0]
        if head[0] is None and head[2] is _END:
            head[2] = mine(head[1])
        while here is not None and head[2] is _END and not head[0].done():
            idle = next((entry for entry in reversed(pending)
                         if entry[2] is _END and (entry[0] is None or entry[0].cancel())), None)
            if idle is None:  # every one is being worked on: wait for the head
                break
            idle[2] = mine(idle[1])
        pending.popleft()
        if head[2] is _END:
            try:
                head[2] = head[0].result()
            except BrokenProcessPool:
                if here is None:
                    raise
                broken = True
                head[2] = mine(head[1])
        fill(max(ahead - 1, 1))  # with the one handed out: ahead (and at least the next one)
        if isinstance(head[2], _Failed):
            raise head[2].error
        yield head[2]


class _Failed:
    """An item's failure while it waits for its turn (in_order)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _up() -> None:
    """A worker's first task: done, the workers are up (render_all's ready)."""


_END = object()


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Ends a pool now: queued work cancelled, running workers killed and reaped (no process left).

    A worker killed while it was sending a result (a PDF is larger than a pipe holds) leaves half a message
    in the result pipe; the pool's manager thread then waits for the rest for ever, and Python waits for that
    thread at exit: a batch stopped with Ctrl-C hung (seen about once in 15 stops under load). This process
    holds the pipe's last writing end: closing it once the workers are dead ends that wait (end of file), and
    the manager thread winds the pool up as broken."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)  # CPython 3.11-3.13; shutdown() forgets both
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=10)
    with contextlib.suppress(Exception):
        results._writer.close()  # type: ignore[union-attr]  # the result pipe's writing end


def default_jobs() -> int:
    return os.cpu_count() or 1


def build(prepared: Prepared, content: Content, out_dir: Path, today: dt.date, jobs: int = 1,
          large_print: bool = False, allow_missing_glyphs: bool = False, merge_to: Path | None = None,
          progress: Callable[[int], None] = lambda _: None, overwrite: bool = False,
          inputs: dict | None = None, stop: Callable[[], bool] | None = None,
          keep_pdfs: bool = False, into: list[Outcome] | None = None) -> list[Outcome]:
    """Renders and writes one PDF per good entry (and the merged print file); outcomes in input order.

    into: the list the outcomes are appended to as each file is written (returned), so that a caller stopped
    by Ctrl-C or SIGTERM (a KeyboardInterrupt out of here) still knows which files exist.

    Memory: each PDF is written as it arrives, in input order, with at most a few rendered ahead (in_order);
    only keep_pdfs (for `--send`, which attaches the bytes it wrote) keeps each PDF in its outcome. The
    print file (printfile.py) draws each handout again from the layout its worker sent, and holds its
    pages, compressed (about 15 KB a handout), until it is written whole at the end.

    A file already in out_dir with the same bytes (a re-run) is left as it is; one with other bytes is
    replaced only with overwrite, else that entry fails (its outcome has no path) and is in
    prepared.failed. The merged file follows the same rule. No entry's file may be one of inputs (the
    CSV, a YAML of the folder, a content file; also through a hard or symbolic link): that entry fails.
    The merged file holds only the entries whose own file was written. When stop() turns true, the
    entries not yet written are left (no outcome) and no merged file is made.

    What is printed is what is sent: a worker reads the content folder itself, and the photos and the logo
    are read again for the print file, so each handout's content digests (_render) and, at the end, the
    files as they are now are compared with what `content` was read from. On a difference, or when a
    handout's pages in the print file are not its own file's (render.PagesDiffer), no merged file is made
    (a "--merge" failure saying why); the entries' own files are still written."""
    from .compose import compose, filename_for
    from .content import file_digests
    from .deliver import (
        PartFile,
        check_outputs,
        check_target,
        existing_differs,
        refuse_existing,
        remove_stale_parts,
        write_atomically,
    )
    from .errors import HandoutError
    from .printfile import PrintFile
    from .render import PagesDiffer

    part: PartFile | None = None
    printfile: PrintFile | None = None

    def refused(label: str, path: Path, error: HandoutError, fix: str = "--overwrite を付ける、または別の出力先 "
                "(add --overwrite, or write elsewhere)") -> Outcome:
        prepared.failed.append(Outcome(label, problems=[Problem(path, None, "", str(error), fix)]))
        return Outcome(label)

    def drop_print_file(path: Path, found: str, fix: str) -> None:
        """No print file: what it holds so far is thrown away; the single files go on being written."""
        nonlocal printfile
        assert part is not None and merge_to is not None  # a print file is being written
        part.discard()
        printfile = None
        refused("--merge", path, HandoutError(found), fix)

    again = "もう一度 batch を実行する (run the batch again)"
    expected = content_digest(content)

    out_dir.mkdir(parents=True, exist_ok=True)
    prescriptions = [p for _, p in prepared.good]
    names = unique_names([filename_for(p.patient.name, p.date or today) for p in prescriptions])
    outcomes: list[Outcome] = into if into is not None else []
    pending: tuple[str, Path, bytes] | None = None
    remove_stale_parts(out_dir)
    if merge_to is not None:
        try:
            part = PartFile(merge_to)  # beside the print file; renamed over it only when whole
            printfile = PrintFile(part.file)
        except HandoutError as error:
            refused("--merge", merge_to, error)
    rendered = render_all(prescriptions, content, today, jobs, large_print, allow_missing_glyphs, progress)
    try:
        with contextlib.closing(rendered):  # an interrupt while a file is written still stops the workers at once
            pairs = list(zip(prepared.good, names, strict=True))
            for ((label, prescription), name), (pdf, layout, used) in zip(pairs, rendered, strict=True):
                if stop is not None and stop():
                    break
                path = out_dir / name
                try:
                    check_target(path)  # a symbolic link is refused as such, before it is compared with the inputs
                    check_outputs({"-o": path}, inputs or {})
                    if not overwrite and existing_differs(path, pdf):
                        raise refuse_existing(path)
                    pending = (label, path, pdf)  # an interrupt between the rename and the append: see below
                    outcomes.append(Outcome(label, write_atomically(path, pdf), pdf=pdf if keep_pdfs else None))
                    pending = None
                except HandoutError as error:  # this row's file only: the others are still written
                    outcomes.append(refused(label, path, error))
                    continue
                if printfile is not None and (changed := changed_files(expected, *used)):
                    drop_print_file(content.folder / changed[0], content_changed(changed), again)
                if printfile is not None:  # only a handout that was written goes into the print file
                    try:
                        printfile.add(compose(content, prescription, today, large_print), layout)
                    except PagesDiffer as error:
                        drop_print_file(path, f"{error}: 印刷用 PDF は作りませんでした (the print file was not made: "
                                        "its pages would differ from the patient's own file)", again)
        if printfile is not None and (changed := changed_files(expected, file_digests(content))):
            # this process read the photos and the logo again while drawing the print file
            drop_print_file(content.folder / changed[0], content_changed(changed), again)
        if printfile is not None and printfile.pages and len(outcomes) == len(pairs):
            assert part is not None and merge_to is not None  # a print file is being written
            try:
                printfile.close()  # ReportLab writes the whole file here
            except OSError as error:
                part.discard()
                refused("--merge", merge_to, HandoutError(f"{merge_to}: 保存できません (cannot write: "
                                                          f"{error.strerror or error})"))
            else:
                try:
                    part.commit(overwrite)
                except HandoutError as error:
                    refused("--merge", merge_to, error)
    except KeyboardInterrupt:  # the file being written when it came may be whole on disk already: then say so
        if pending is not None and not any(o.label == pending[0] for o in outcomes):
            label, path, pdf = pending
            with contextlib.suppress(OSError):
                if path.stat().st_size == len(pdf) and path.read_bytes() == pdf:
                    outcomes.append(Outcome(label, path, pdf=pdf if keep_pdfs else None))
        raise
    finally:
        if part is not None:
            part.discard()  # nothing written, stopped, or an interrupt: no half-written print file stays
    return outcomes
