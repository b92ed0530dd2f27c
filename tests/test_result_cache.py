"""The on-disk cache of results (cache.py) changes nothing but the time: every test here runs `handout build`
in fresh processes, as a user does, and says what must come out without looking at how the cache works."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SAMPLE, STANDARD, pdf_text


def build(tmp_path: Path, cache, content: Path = SAMPLE, out: str = "out.pdf") -> subprocess.CompletedProcess:
    """`handout build` of the standard prescription in a new process, with HANDOUT_CACHE=cache."""
    source = tmp_path / "p.yaml"
    source.write_text(STANDARD, encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if k != "HANDOUT_CONTENT"}, "HANDOUT_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "clinic_handout", "build", str(source), "-o", str(tmp_path / out),
                           "--overwrite", "--content", str(content)], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def cache_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file() and "fonts" not in p.relative_to(cache).parts)


def whole(path: Path) -> bool:
    """A cache file as cache.py describes it: its format line, its key's line, a SHA-256 of the rest, the rest."""
    import hashlib

    data = path.read_bytes()
    assert data.startswith(b"clinic-handout result cache 1\n")
    rest = data.split(b"\n", 2)[2]
    return hashlib.sha256(rest[32:]).digest() == rest[:32]


@pytest.fixture
def content(tmp_path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("patients"))
    return folder


def test_an_edit_after_a_cached_run_shows_the_new_text(tmp_path, content):
    cache = tmp_path / "cache"
    assert build(tmp_path, cache, content).returncode == 0
    assert cache_files(cache)  # the run stored something
    stretches = content / "stretches.yaml"
    text = stretches.read_text(encoding="utf-8")
    assert "title: 股関節の前のストレッチ" in text
    text = text.replace("title: 股関節の前のストレッチ", "title: 足の付け根のストレッチ")
    stretches.write_text(text, encoding="utf-8")
    done = build(tmp_path, cache, content)
    assert done.returncode == 0, done.stderr
    shown = pdf_text(tmp_path / "out.pdf")
    assert "足の付け根のストレッチ" in shown and "股関節の前のストレッチ" not in shown


def test_an_error_added_after_a_cached_run_is_reported_with_its_line(tmp_path, content):
    cache = tmp_path / "cache"
    assert build(tmp_path, cache, content).returncode == 0
    stretches = content / "stretches.yaml"
    lines = stretches.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.strip() == "hold_seconds: 10") + 1  # the first stretch's
    lines[number - 1] = lines[number - 1].replace("10", "500")
    stretches.write_text("\n".join(lines), encoding="utf-8")
    done = build(tmp_path, cache, content)
    assert done.returncode == 1
    assert f"stretches.yaml:{number}" in done.stderr and "stretches[1].hold_seconds" in done.stderr
    assert "500" in done.stderr and "1〜120 の整数" in done.stderr
    assert not (tmp_path / "out.pdf").exists() or "PDF は作っていません" in done.stderr
    # and a YAML mistake (a full-width colon, as a Japanese keyboard types it) in the cached file, on its line
    lines[number - 1] = lines[number - 1].replace("hold_seconds: 500", "hold_seconds：10")
    stretches.write_text("\n".join(lines), encoding="utf-8")
    done = build(tmp_path, cache, content)
    assert done.returncode == 1 and f"stretches.yaml:{number}" in done.stderr and "：" in done.stderr


def test_a_missing_field_is_reported_from_the_cache_on_its_stretchs_line(tmp_path, content):
    cache = tmp_path / "cache"
    stretches = content / "stretches.yaml"
    lines = stretches.read_text(encoding="utf-8").split("\n")
    starts = [i + 1 for i, line in enumerate(lines) if line.startswith("  - id:")]
    second_title = next(i for i in range(starts[1], len(lines)) if lines[i].strip().startswith("title:"))
    del lines[second_title]
    third_step = next(i for i in range(starts[0], len(lines)) if lines[i].strip().startswith("- ")) + 2
    lines[third_step] += "あ" * 130  # the first stretch's third step: too long (120 at most)
    stretches.write_text("\n".join(lines), encoding="utf-8")
    first, second = build(tmp_path, cache, content), build(tmp_path, cache, content)  # parsed, then from the cache
    for done in (first, second):
        assert done.returncode == 1
        assert f"stretches.yaml:{starts[1]}" in done.stderr and "stretches[2].title" in done.stderr, done.stderr
        assert "ありません" in done.stderr
        assert f"stretches.yaml:{third_step + 1}" in done.stderr and "stretches[1].steps[3]" in done.stderr


def test_a_duplicate_key_is_reported_from_the_cache_as_the_first_time(tmp_path, content):
    cache = tmp_path / "cache"
    clinic = content / "clinic.yaml"
    lines = clinic.read_text(encoding="utf-8").split("\n")
    phone = next(i for i, line in enumerate(lines) if line.startswith("phone:"))
    lines.insert(phone + 1, lines[phone])  # the same key twice, on the next line
    clinic.write_text("\n".join(lines), encoding="utf-8")
    first, second = build(tmp_path, cache, content), build(tmp_path, cache, content)
    assert cache_files(cache)
    for done in (first, second):
        assert done.returncode == 1 and f"clinic.yaml:{phone + 2}" in done.stderr and "同じ項目が2回" in done.stderr
    assert first.stderr == second.stderr


def test_cached_off_broken_and_racing_runs_give_the_same_bytes(tmp_path):
    off = build(tmp_path, "off", out="off.pdf")
    assert off.returncode == 0, off.stderr
    cache = tmp_path / "cache"
    build(tmp_path, cache, out="first.pdf")  # works everything out, fills the cache
    build(tmp_path, cache, out="second.pdf")  # from the cache
    stored = cache_files(cache)
    assert {p.parent.name for p in stored} >= {"yaml", "figure", "operators", "qr"}
    expected = (tmp_path / "off.pdf").read_bytes()
    assert (tmp_path / "first.pdf").read_bytes() == expected
    assert (tmp_path / "second.pdf").read_bytes() == expected
    # every file broken: one byte changed near its end (marshal would still read it: a wrong text or number), cut
    # short, emptied, garbage, or another entry's data under this name
    originals = [p.read_bytes() for p in stored]
    for number, path in enumerate(stored):
        data = originals[number]
        flipped = data[:-2] + bytes([data[-2] ^ 0x01]) + data[-1:]
        path.write_bytes([flipped, data[: len(data) // 2], b"", os.urandom(200), originals[number - 1]][number % 5])
    broken = build(tmp_path, cache, out="broken.pdf")
    assert broken.returncode == 0 and "Traceback" not in broken.stderr, broken.stderr
    assert (tmp_path / "broken.pdf").read_bytes() == expected
    assert cache_files(cache) == stored and all(map(whole, stored))  # each written again, whole
    assert build(tmp_path, cache, out="again.pdf").returncode == 0
    assert (tmp_path / "again.pdf").read_bytes() == expected
    # two processes at once on an empty cache
    fresh = tmp_path / "fresh"
    source = tmp_path / "p.yaml"
    env = {**{k: v for k, v in os.environ.items() if k != "HANDOUT_CONTENT"}, "HANDOUT_CACHE": str(fresh)}
    racing = [subprocess.Popen([sys.executable, "-m", "clinic_handout", "build", str(source), "-o",
                                str(tmp_path / f"race{i}.pdf"), "--content", str(SAMPLE)], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(2)]
    for process in racing:
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    assert (tmp_path / "race0.pdf").read_bytes() == (tmp_path / "race1.pdf").read_bytes() == expected
    assert not [p for p in fresh.rglob("*.part")]  # no temporary file left


def test_cache_off_writes_nothing_and_an_unwritable_cache_is_no_cache(tmp_path):
    home = tmp_path / "home"
    env_home = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "LOCALAPPDATA": str(home / "local")}
    source = tmp_path / "p.yaml"
    source.write_text(STANDARD, encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if k not in ("HANDOUT_CONTENT", "HANDOUT_FONT_CACHE")}
    for setting in ("off", "OFF", "0"):
        subprocess.run([sys.executable, "-m", "clinic_handout", "build", str(source), "-o", str(tmp_path / "a.pdf"),
                        "--overwrite"], env={**base, **env_home, "HANDOUT_CACHE": setting}, cwd=tmp_path, check=True,
                       capture_output=True, timeout=120)
        assert not home.exists()  # neither results nor parsed fonts anywhere in the user's folders
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    done = subprocess.run([sys.executable, "-m", "clinic_handout", "build", str(source), "-o", str(tmp_path / "b.pdf")],
                          env={**base, **env_home, "HANDOUT_CACHE": str(a_file / "cache")}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert (tmp_path / "b.pdf").read_bytes() == (tmp_path / "a.pdf").read_bytes()


def test_the_cache_folder_follows_the_platform(monkeypatch, tmp_path):
    from clinic_handout import cache, fonts

    monkeypatch.delenv("HANDOUT_CACHE", raising=False)
    monkeypatch.delenv("HANDOUT_FONT_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert cache.cache_root() == tmp_path / "xdg" / "clinic-handout"
    assert fonts.font_cache_dir() == tmp_path / "xdg" / "clinic-handout" / "fonts"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_root() == tmp_path / "home" / ".cache" / "clinic-handout"
    monkeypatch.setattr(sys, "platform", "win32")
    assert cache.cache_root() == tmp_path / "local" / "clinic-handout"
    monkeypatch.setenv("HANDOUT_CACHE", str(tmp_path / "mine"))
    assert cache.cache_root() == tmp_path / "mine"
    assert fonts.font_cache_dir() == tmp_path / "mine" / "fonts"
    monkeypatch.setenv("HANDOUT_FONT_CACHE", str(tmp_path / "fonts-here"))
    assert fonts.font_cache_dir() == tmp_path / "fonts-here"
    monkeypatch.setenv("HANDOUT_CACHE", "off")
    monkeypatch.delenv("HANDOUT_FONT_CACHE")
    assert cache.cache_root() is None and fonts.font_cache_dir() is None


def test_a_figure_from_the_cache_is_the_figure(monkeypatch, tmp_path):
    """Read back in a process that has not drawn it (the per-process cache emptied), a figure has the same
    shapes, footprints and word boxes as drawn without any cache."""
    from clinic_handout import pictures

    monkeypatch.setenv("HANDOUT_CACHE", "off")
    pictures.figure_art.cache_clear()
    drawn = {(name, mirror): pictures.figure_art(name, 127.6, 96.4, "右", mirror) for name in pictures.POSES
             for mirror in (False, True)}
    monkeypatch.setenv("HANDOUT_CACHE", str(tmp_path / "cache"))
    for _reading in range(2):  # stored, then read back
        pictures.figure_art.cache_clear()
        for (name, mirror), (art, scale) in drawn.items():
            again, again_scale = pictures.figure_art(name, 127.6, 96.4, "右", mirror)
            assert again is not art and again_scale == scale
            assert [(type(s), vars(s)) for s in again.shapes] == [(type(s), vars(s)) for s in art.shapes]
            assert (again.footprint, again.stretched, again.texts) == (art.footprint, art.stretched, art.texts)
    assert len(list((tmp_path / "cache" / "results" / "figure").iterdir())) == len(drawn)
    pictures.figure_art.cache_clear()


def test_a_stored_result_is_used_only_for_the_same_code_fonts_and_arguments(monkeypatch, tmp_path):
    """Once stored, a figure is read back instead of drawn; another version of the program, another label
    font file, or other arguments draw it again (drawing is what the test watches)."""
    from clinic_handout import cache, fonts, pictures

    monkeypatch.setenv("HANDOUT_CACHE", str(tmp_path / "cache"))
    drawn = []
    draw_pose = pictures.draw_pose
    monkeypatch.setattr(pictures, "draw_pose", lambda *a, **k: drawn.append(a) or draw_pose(*a, **k))

    def figure(*args):
        pictures.figure_art.cache_clear()  # as a new process
        before = len(drawn)
        pictures.figure_art(*args)
        return len(drawn) - before

    args = ("hamstring", 127.6, 96.4, "右", False)
    assert figure(*args) == 1  # drawn, stored
    assert figure(*args) == 0  # read back
    assert figure("hamstring", 127.6, 96.4, "左", True) == 1
    assert figure("hamstring", 127.6, 96.4, "右", False, 12) == 1  # another label size
    assert figure("hamstring", 150.0, 96.4, "右", False) == 1
    identity = fonts.Face.identity
    monkeypatch.setattr(fonts.Face, "identity", lambda self: identity(self) + " another font file")
    assert figure(*args) == 1
    monkeypatch.setattr(fonts.Face, "identity", identity)
    assert figure(*args) == 0
    monkeypatch.setattr(cache, "code_version", lambda: "another version of the program")
    assert figure(*args) == 1
    pictures.figure_art.cache_clear()


def test_a_content_file_is_parsed_again_for_other_bytes_or_another_program(monkeypatch, tmp_path, content):
    from clinic_handout import cache, schema
    from clinic_handout.content import load_content

    monkeypatch.setenv("HANDOUT_CACHE", str(tmp_path / "cache"))
    parsed = []
    loader = schema._Loader
    monkeypatch.setattr(schema, "_Loader", lambda text: parsed.append(text) or loader(text))

    def load() -> int:
        before = len(parsed)
        load_content(content, False)
        return len(parsed) - before

    assert load() == 4  # clinic, texts, stretches, fonts
    assert load() == 0
    texts = content / "texts.yaml"
    texts.write_bytes(texts.read_bytes() + b"\n")  # one byte more: the same values, other bytes
    assert load() == 1
    monkeypatch.setattr(cache, "code_version", lambda: "another version of the program")
    assert load() == 4


def test_a_program_file_that_cannot_be_read_means_no_cached_result(monkeypatch, tmp_path):
    """code_version reads every module; if one cannot be read, the version is one no stored result has."""
    from clinic_handout import cache

    cache.code_version.cache_clear()
    whole = cache.code_version()
    monkeypatch.setattr(cache.os, "walk", lambda folder: [(folder, [], ["gone.py"])])
    versions = []
    for _ in range(2):
        cache.code_version.cache_clear()
        versions.append(cache.code_version())
    cache.code_version.cache_clear()
    monkeypatch.undo()
    assert cache.code_version() == whole
    assert len({whole, *versions}) == 3  # each unreadable start its own: nothing stored is ever read back


def test_a_program_not_in_a_folder_of_files_means_no_cached_result(monkeypatch):
    """Run from a zip or a frozen build, the package folder lists nothing: the code cannot be told apart from
    another version's, so a stored result (of an older program) must never be read (review N5)."""
    from clinic_handout import cache

    monkeypatch.setattr(cache.os, "walk", lambda folder: iter(()))
    versions = []
    for _ in range(2):
        cache.code_version.cache_clear()
        versions.append(cache.code_version())
    cache.code_version.cache_clear()
    assert versions[0] != versions[1] and all(v.startswith("unreadable ") for v in versions)


@pytest.mark.parametrize("error", [RuntimeError, KeyError])
def test_no_known_home_folder_means_no_cache_not_an_error(monkeypatch, error):
    """A service or a user without a home folder: Path.home() raises; the cache is off, nothing fails (N1)."""
    from clinic_handout import cache, fonts

    def no_home():
        raise error("no home folder")

    for name in ("HANDOUT_CACHE", "HANDOUT_FONT_CACHE", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cache.Path, "home", staticmethod(no_home))
    for platform in ("linux", "win32"):
        monkeypatch.setattr(sys, "platform", platform)
        assert cache.cache_root() is None and fonts.font_cache_dir() is None
        assert cache.read("figure", "any key") is None
        cache.write("figure", "any key", [1, 2])  # nowhere to write: nothing happens
