"""The parsed-font cache changes nothing but the time: same bytes cached, uncached or with a broken cache."""
import os
import subprocess
import sys
from pathlib import Path

from .conftest import STANDARD


def build_in_a_fresh_process(tmp_path, cache: str, name: str) -> bytes:
    source = tmp_path / "p.yaml"
    source.write_text(STANDARD, encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if k != "HANDOUT_CONTENT"}, "HANDOUT_FONT_CACHE": cache}
    out = tmp_path / name
    subprocess.run([sys.executable, "-m", "clinic_handout", "build", str(source), "-o", str(out)], env=env,
                   cwd=tmp_path, check=True, capture_output=True, timeout=120)
    return out.read_bytes()


def test_cached_fonts_give_the_same_bytes(tmp_path):
    cache = tmp_path / "cache"
    uncached = build_in_a_fresh_process(tmp_path, "off", "uncached.pdf")
    first = build_in_a_fresh_process(tmp_path, str(cache), "first.pdf")  # parses, then fills the cache
    files = sorted(p.name for p in cache.iterdir())
    assert len(files) == 2 and all(f.startswith("BIZUDGothic-") and f.endswith(".marshal") for f in files)
    second = build_in_a_fresh_process(tmp_path, str(cache), "second.pdf")  # reads the cache
    assert uncached == first == second


def test_a_cache_file_holds_the_parsed_tables_not_the_font(tmp_path):
    """The font's own bytes are read from the font file, not kept a second time in the cache (reading and
    checking 5 MB instead of 0.7 MB a face cost about 10 ms a face on every start)."""
    from clinic_handout.resources import fonts_dir

    cache = tmp_path / "cache"
    build_in_a_fresh_process(tmp_path, str(cache), "first.pdf")
    for file in cache.iterdir():
        font = fonts_dir() / (file.name.split("-")[0] + "-" + file.name.split("-")[1] + ".ttf")
        assert file.stat().st_size < font.stat().st_size / 4, file.name


def test_a_broken_cache_file_is_ignored(tmp_path):
    cache = tmp_path / "cache"
    good = build_in_a_fresh_process(tmp_path, str(cache), "good.pdf")
    for file in cache.iterdir():
        file.write_bytes(b"not marshal data")
    assert build_in_a_fresh_process(tmp_path, str(cache), "again.pdf") == good


# -- issue 10, item 5: bounded, keyed, never the user's cache in tests --------------------------

def test_the_tests_never_write_to_the_users_cache():
    from clinic_handout.fonts import font_cache_dir

    real = Path.home() / ".cache"
    assert not font_cache_dir().resolve().is_relative_to(real.resolve())
    assert os.environ["HANDOUT_FONT_CACHE"] == str(font_cache_dir())


def test_a_cache_file_that_is_edited_cut_short_or_another_fonts_is_not_used(tmp_path, monkeypatch):
    from clinic_handout import fonts

    monkeypatch.setenv("HANDOUT_FONT_CACHE", str(tmp_path))
    bold, regular = sorted(fonts.fonts_dir().glob("BIZUDGothic-*.ttf"))
    fonts.load_ttfont("t-regular", regular)
    fonts.load_ttfont("t-bold", bold)
    files = {f.name.split("-")[1]: f for f in tmp_path.glob("*.marshal")}  # Bold / Regular
    assert sorted(files) == ["Bold", "Regular"]
    parsed = files["Regular"].read_bytes()

    def used() -> bool:  # a used cache file is not written again: its bytes stay as they are
        before = files["Regular"].read_bytes()
        font = fonts.load_ttfont("t-again", regular)
        assert font.stringWidth("山田", 10) == 20  # a full-width character is 1 em
        return files["Regular"].read_bytes() == before and before != parsed

    files["Regular"].write_bytes(parsed[:-1] + bytes([parsed[-1] ^ 1]))  # one bit changed
    assert not used() and files["Regular"].read_bytes() == parsed  # parsed again and rewritten whole
    files["Regular"].write_bytes(parsed[: len(parsed) // 2])  # cut short
    assert not used() and files["Regular"].read_bytes() == parsed
    files["Regular"].write_bytes(files["Bold"].read_bytes())  # another font's face under this name
    assert not used() and files["Regular"].read_bytes() == parsed
    files["Regular"].write_bytes(b"not marshal data")
    assert not used() and files["Regular"].read_bytes() == parsed


def test_the_key_is_the_fonts_bytes_not_its_name_size_or_time(tmp_path):
    from clinic_handout.fonts import _cache_key

    one, two = tmp_path / "a" / "Font.ttf", tmp_path / "b" / "Font.ttf"
    for path, content in ((one, b"A" * 1000), (two, b"B" * 1000)):
        path.parent.mkdir()
        path.write_bytes(content)
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert one.stat().st_size == two.stat().st_size and one.stat().st_mtime_ns == two.stat().st_mtime_ns
    assert _cache_key(one) != _cache_key(two)


def test_each_cache_format_has_its_own_file(tmp_path, monkeypatch):
    """A program with another cache format (an older version, side by side) never reads or replaces ours."""
    from clinic_handout import fonts

    font = tmp_path / "Font.ttf"
    font.write_bytes(b"A" * 1000)
    ours = fonts._cache_key(font)
    monkeypatch.setattr(fonts, "CACHE_VERSION", fonts.CACHE_VERSION - 1)
    assert fonts._cache_key(font) != ours


def test_the_cache_keeps_at_most_8_files_the_most_recently_used(tmp_path):
    from clinic_handout.fonts import evict

    for i in range(12):
        file = tmp_path / f"Face-{i:02d}.marshal"
        file.write_bytes(b"x" * 1000)
        os.utime(file, (1_700_000_000 + i, 1_700_000_000 + i))
    (tmp_path / ".Face-99.marshal.123.part").write_bytes(b"x")  # a crashed writer's, two hours old
    os.utime(tmp_path / ".Face-99.marshal.123.part", (1_700_000_000, 1_700_000_000))
    evict(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"Face-{i:02d}.marshal" for i in range(4, 12)]


def test_the_cache_keeps_at_most_64_mb(tmp_path):
    from clinic_handout.fonts import evict

    for i in range(4):
        file = tmp_path / f"Face-{i}.marshal"
        with file.open("wb") as f:
            f.truncate(20 * 1024 * 1024)  # sparse: 20 MB said, nothing written
        os.utime(file, (1_700_000_000 + i, 1_700_000_000 + i))
    evict(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Face-1.marshal", "Face-2.marshal", "Face-3.marshal"]
