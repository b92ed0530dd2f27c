"""The parsed-font cache changes nothing but the time: same bytes cached, uncached or with a broken cache."""
import os
import subprocess
import sys

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


def test_a_broken_cache_file_is_ignored(tmp_path):
    cache = tmp_path / "cache"
    good = build_in_a_fresh_process(tmp_path, str(cache), "good.pdf")
    for file in cache.iterdir():
        file.write_bytes(b"not marshal data")
    assert build_in_a_fresh_process(tmp_path, str(cache), "again.pdf") == good
