"""How a batch shares its handouts between this process and its workers (batch.render_all, batch.in_order): each
handout made once, in order, this process never idle while a handout waits that no worker has started, and
no worker started for a few handouts. No timings here (the speed is benchmarks/run.py's)."""
from concurrent.futures import Future

import pytest

from clinic_handout import batch


@pytest.mark.parametrize(("jobs", "count", "workers"), [
    (1, 500, 0),  # --jobs 1: this process alone
    (2, 1, 0), (2, 8, 0),  # up to 8 handouts: not worth a worker's start
    (2, 9, 1), (2, 50, 1), (2, 500, 1),  # --jobs 2: this process and one worker
    (4, 20, 2),  # one worker for each 8 handouts after the first
    (4, 50, 3), (8, 17, 2),
])
def test_workers_for_a_batch(jobs, count, workers):
    assert batch.workers_for(jobs, count) == workers


class Started(Future):
    """A future a worker has taken (it cannot be cancelled); the worker finishes it when its result is asked."""

    def __init__(self, item, log):
        super().__init__()
        self.item, self.log = item, log
        self.set_running_or_notify_cancel()

    def result(self, timeout=None):
        if not self.done():
            self.log.append(("worker", self.item))
            self.set_result(self.item * 10)
        return super().result(timeout)


class Waiting(Future):
    """A future no worker has started: only this process can do it (cancel, then make it itself)."""

    def result(self, timeout=None):
        assert self.done(), "waited for a handout no worker has started (it would wait for ever)"
        return super().result(timeout)


def test_this_process_takes_what_no_worker_has_started():
    log, submitted, handed = [], [], []
    most = 0

    def submit(item) -> Future:
        submitted.append(item)
        return Started(item, log) if item % 3 == 1 else Waiting()  # a worker took every third; the rest wait

    def here(item):
        log.append(("here", item))
        return item * 10

    for result in batch.in_order(submit, list(range(20)), ahead=4, here=here):
        most = max(most, len(submitted) + 1 - len(handed))  # + 1: the first, made here before any submit
        handed.append(result)
    assert handed == [i * 10 for i in range(20)]  # input order
    assert log[0] == ("here", 0) and 0 not in submitted  # the first made here, before a worker could start
    done = [item for _, item in log]
    assert sorted(done) == list(range(20))  # each exactly once
    assert all(item % 3 != 1 for who, item in log if who == "here")  # never one a worker had started
    assert all(item % 3 == 1 for who, item in log if who == "worker")  # the rest all made here
    assert most <= 4  # at most `ahead` in hand


def test_a_worker_that_finishes_first_is_used():
    """A result that is ready is handed out as it is: this process does not make it again."""
    made_here = []

    def submit(item) -> Future:
        future = Future()
        future.set_result(item * 10)
        return future

    results = list(batch.in_order(submit, list(range(10)), ahead=3, here=lambda item: made_here.append(item) or -1))
    assert results == [-1] + [i * 10 for i in range(1, 10)] and made_here == [0]


def test_a_few_handouts_start_no_worker_and_a_day_one(tmp_path, monkeypatch):
    from .test_printfile import DAY, SAMPLE, _day

    started = []

    class Pool(batch.ProcessPoolExecutor):
        def __init__(self, max_workers, **options):
            started.append(max_workers)
            super().__init__(max_workers, **options)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", Pool)
    prepared, content = _day(tmp_path, SAMPLE, 3)
    assert len(batch.build(prepared, content, tmp_path / "few", DAY, jobs=2)) == 3
    assert started == []
    prepared, content = _day(tmp_path, SAMPLE, 9)
    outcomes = batch.build(prepared, content, tmp_path / "day", DAY, jobs=2)
    assert started == [1] and len(outcomes) == 9 and all(o.path and o.path.exists() for o in outcomes)


def test_until_the_workers_are_up_this_process_makes_the_handouts():
    """Nothing is handed to a worker before it is up (on Windows that takes about half a second: a handout
    handed to it would wait); the first one is made here before the workers are even asked to start."""
    log, submitted, polls = [], [], []

    def ready() -> bool:
        polls.append(len(log))
        return len(polls) > 6  # up from the seventh look on

    def submit(item) -> Future:
        submitted.append(item)
        future = Future()
        future.set_result(item * 10)
        log.append(("worker", item))
        return future

    def here(item):
        log.append(("here", item))
        return item * 10

    results = list(batch.in_order(submit, list(range(12)), ahead=4, here=here, ready=ready))
    assert results == [i * 10 for i in range(12)]
    assert polls[0] == 1  # asked only after the first handout was made here
    made_here = [item for who, item in log if who == "here"]
    assert made_here == list(range(len(made_here))) and made_here[:7] == list(range(7))  # all before it was up
    assert submitted == [i for i in range(12) if i not in made_here] and submitted  # then handed to the worker
    assert sorted(made_here + submitted) == list(range(12))


class Fails(Exception):
    pass


def test_a_failure_made_ahead_here_is_raised_at_its_turn():
    """This process makes later handouts while it waits for a worker; one of them failing stops the batch only
    when its turn comes: every handout before it is handed out (review: rows 1-6 were lost behind row 7)."""
    made = []

    def here(item):
        made.append(item)
        if item == 5:
            raise Fails(item)
        return item * 10

    handed = []
    with pytest.raises(Fails):
        for result in batch.in_order(lambda item: Waiting(), list(range(9)), ahead=8, here=here):
            handed.append(result)
    assert made.index(5) < made.index(1)  # made ahead of its turn (the furthest first) ...
    assert handed == [0, 10, 20, 30, 40]  # ... yet raised only after 0-4 were handed out


@pytest.mark.parametrize("ahead", [1, 2, 5])
def test_every_item_is_handed_out_however_few_are_kept_ahead(ahead):
    def submit(item) -> Future:
        future = Future()
        future.set_result(item * 10)
        return future

    assert list(batch.in_order(submit, list(range(7)), ahead=ahead)) == [i * 10 for i in range(7)]
    assert list(batch.in_order(submit, list(range(7)), ahead=ahead, here=lambda item: item * 10)) == \
        [i * 10 for i in range(7)]


def test_what_broken_workers_had_is_made_here_and_nothing_more_is_handed_to_them():
    from concurrent.futures.process import BrokenProcessPool

    submitted, made = [], []

    def submit(item) -> Future:
        submitted.append(item)
        if len(submitted) > 1:
            raise BrokenProcessPool("the pool is broken")  # as submit() says once a worker died
        future = Future()
        future.set_running_or_notify_cancel()
        future.set_exception(BrokenProcessPool("a worker died"))  # what it had in hand
        return future

    def here(item):
        made.append(item)
        return item * 10

    assert list(batch.in_order(submit, list(range(12)), ahead=4, here=here)) == [i * 10 for i in range(12)]
    assert sorted(made) == list(range(12))  # each made here, once
    assert submitted == [1, 2]  # after submit() said broken, nothing more was handed to the pool


def test_a_batch_whose_workers_cannot_read_the_content_folder_is_made_here(tmp_path):
    """The owner saves stretches.yaml half-edited while a day's list runs: the worker, starting later, cannot
    read the content folder. The batch makes every handout from the content it read at the start (review:
    内部エラー BrokenProcessPool, 1 of 12 written), and the print file is not made (the folder changed)."""
    import shutil

    from .test_printfile import DAY, SAMPLE, _day, _no_print_file

    folder = tmp_path / "clinic"
    shutil.copytree(SAMPLE, folder)
    prepared, content = _day(tmp_path, folder, 12)
    assert batch.workers_for(2, 12) == 1
    (folder / "stretches.yaml").write_text("stretches: [\n  - id: 半分", encoding="utf-8")  # saved half-way
    merged = tmp_path / "print.pdf"
    outcomes = batch.build(prepared, content, tmp_path / "out", DAY, jobs=2, merge_to=merged)
    message = _no_print_file(tmp_path, merged, prepared, outcomes, 12)
    assert "作成中に内容フォルダ（stretches.yaml）が変わった" in message
