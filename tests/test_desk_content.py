"""The desk keeps the checked content folder between previews (pipeline.current_content), and an edit by the
clinic owner still shows in the very next preview: a new text, a broken file's Japanese message, a photo or
logo replaced, fonts.yaml removed, another folder, an edit saved while the folder was being read."""
import collections
import hashlib
import io
import os
import shutil

from PIL import Image

from clinic_handout import app, pipeline

from .conftest import edit, pdf_text

TITLE, NEW_TITLE = "太ももの内側のストレッチ", "太ももの内股のストレッチ"  # 側 and 股: the same length in UTF-8
DATA = {"patient": {"name": "山田 花子"}, "date": "2026-11-25", "area": "both"}


def preview(folder, data=DATA):
    return app.build_prescription(data, content_dir=folder)


def text_of(result, tmp_path) -> str:
    assert result.ok, result.failure
    path = tmp_path / "preview.pdf"
    path.write_bytes(result.pdf)
    return pdf_text(path)


def problems_of(result) -> list[str]:
    assert not result.ok and result.pdf == b""
    return [f"{p.file.name} {p.field} {p.found} {p.expected}" for p in result.failure.problems]


def loads(monkeypatch) -> list:
    """Counts the times the content folder is read and checked."""
    calls = []
    real = pipeline.open_content

    def counted(folder, *args):
        calls.append(folder)
        return real(folder, *args)

    monkeypatch.setattr(pipeline, "open_content", counted)
    return calls


def test_the_folder_is_read_once_while_its_files_stay_the_same(clinic, monkeypatch, tmp_path):
    calls = loads(monkeypatch)
    first, second = preview(clinic), preview(clinic, {**DATA, "patient": {"name": "佐藤 一郎"}})
    assert first.ok and second.ok and len(calls) == 1
    assert second.content is first.content
    fresh = app.build_prescription({**DATA, "patient": {"name": "佐藤 一郎"}}, content_dir=clinic)
    pipeline._current.clear()
    assert app.build_prescription({**DATA, "patient": {"name": "佐藤 一郎"}}, content_dir=clinic).pdf == fresh.pdf


def test_an_edit_of_the_same_length_and_time_shows_in_the_next_preview(clinic, tmp_path):
    stretches = clinic / "stretches.yaml"
    assert TITLE in text_of(preview(clinic), tmp_path)
    before = stretches.stat()
    edit(stretches, f"title: {TITLE}", f"title: {NEW_TITLE}")
    os.utime(stretches, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same size and the same mtime
    assert stretches.stat().st_size == before.st_size and stretches.stat().st_mtime_ns == before.st_mtime_ns
    text = text_of(preview(clinic), tmp_path)
    assert NEW_TITLE in text and TITLE not in text


def test_a_broken_edit_gives_its_japanese_message_not_the_content_before_it(clinic, tmp_path):
    stretches = clinic / "stretches.yaml"
    assert preview(clinic).ok
    edit(stretches, "reps: 5", "reps: ５回")
    broken = preview(clinic)
    problems = problems_of(broken)
    assert len(problems) == (clinic / "stretches.yaml").read_text(encoding="utf-8").count("reps: ５回") > 0
    assert problems[0] == ('stretches.yaml stretches[1].reps "５回" '
                           "数字だけを書いてください: 5（「回」などの単位は書かない / write the number alone: 5）"
                           "— 1〜50 の整数 (a whole number from 1 to 50)")
    assert broken.failure.message.startswith("エラー: 入力ファイル")
    assert problems_of(preview(clinic)) == problems  # a folder with problems is never kept: said again
    edit(stretches, "reps: ５回", "reps: 5")
    assert TITLE in text_of(preview(clinic), tmp_path)


def test_a_replaced_logo_is_checked_again(clinic, tmp_path):
    logo = clinic / "logo.png"
    out = io.BytesIO()
    Image.new("RGB", (60, 30), "navy").save(out, format="PNG")
    logo.write_bytes(out.getvalue())
    edit(clinic / "clinic.yaml", "# logo: logo.png", "logo: logo.png")
    assert preview(clinic).ok
    logo.write_bytes(b"not a picture any more")  # the YAML files are unchanged
    problems = problems_of(preview(clinic))
    assert any(p.startswith("clinic.yaml logo") for p in problems), problems


def test_removing_fonts_yaml_is_seen(clinic):
    rare = {**DATA, "patient": {"name": "𠮷田 花子"}}  # 𠮷: only the fallback font of fonts.yaml has it
    assert preview(clinic, rare).ok
    (clinic / "fonts.yaml").unlink()
    assert any(p.startswith("(desk) patient.name") for p in problems_of(preview(clinic, rare)))


def test_each_folder_has_its_own_content(clinic, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(clinic, other)  # the same files, another folder (its own history, its own photos)
    assert preview(clinic).content.folder == clinic and preview(other).content.folder == other
    edit(other / "stretches.yaml", f"title: {TITLE}", f"title: {NEW_TITLE}")
    assert TITLE in text_of(preview(clinic), tmp_path)
    assert NEW_TITLE in text_of(preview(other), tmp_path)
    assert TITLE in text_of(preview(clinic), tmp_path)


def test_an_edit_saved_while_the_folder_is_read_shows_next_time(clinic, monkeypatch, tmp_path):
    """The files' identity is taken before they are parsed: an edit that lands between the two is a new
    identity at the next preview, never the old text kept under the new files' key."""
    real = pipeline.open_content

    def edited_meanwhile(folder, *args):
        content = real(folder, *args)  # read the old text ...
        edit(clinic / "stretches.yaml", f"title: {TITLE}", f"title: {NEW_TITLE}")  # ... then the owner saves
        monkeypatch.setattr(pipeline, "open_content", real)
        return content

    monkeypatch.setattr(pipeline, "open_content", edited_meanwhile)
    assert TITLE in text_of(preview(clinic), tmp_path)
    assert NEW_TITLE in text_of(preview(clinic), tmp_path)


YAML_FILES = ("clinic.yaml", "texts.yaml", "stretches.yaml", "fonts.yaml")  # the content folder's YAML files


def reads_and_hashes(monkeypatch, folder) -> tuple[collections.Counter, collections.Counter]:
    """Counts, per content YAML file, the times it is read (schema's read_limited) and the times bytes equal to
    it now are handed to hashlib.sha256."""
    from clinic_handout import schema

    reads, hashes = collections.Counter(), collections.Counter()
    real_read, real_sha256 = schema.read_limited, hashlib.sha256

    def read(path, limit):
        reads[os.path.basename(path)] += 1
        return real_read(path, limit)

    def sha256(data=b"", *args, **kwargs):
        for name in YAML_FILES:
            if bytes(data) == (folder / name).read_bytes():
                hashes[name] += 1
        return real_sha256(data, *args, **kwargs)

    monkeypatch.setattr(schema, "read_limited", read)
    monkeypatch.setattr(hashlib, "sha256", sha256)
    return reads, hashes


def test_a_preview_reads_and_hashes_each_content_file_once(clinic, monkeypatch):
    """One preview = one read and one SHA-256 of each YAML file of the content folder: unchanged (the key of the
    kept content), and after an edit (the key, the parse cache's key and the content's fingerprint share it)."""
    assert preview(clinic).ok
    once = collections.Counter({name: 1 for name in YAML_FILES})
    reads, hashes = reads_and_hashes(monkeypatch, clinic)
    assert preview(clinic).ok  # unchanged: kept
    assert (reads, hashes) == (once, once)
    edit(clinic / "stretches.yaml", f"title: {TITLE}", f"title: {NEW_TITLE}")
    reads.clear(), hashes.clear()
    changed = preview(clinic)
    assert changed.ok and NEW_TITLE in {s.title for s in changed.content.catalogue.values()}
    assert (reads, hashes) == (once, once)


def test_the_fingerprint_is_of_the_bytes_that_were_parsed(clinic):
    """Content.digest names each YAML file with the SHA-256 of the bytes read (the batch compares it with the
    files at the end: content.file_digests); written out here with hashlib, not with the code under test."""
    content = pipeline.open_content(clinic)
    expected = {name: hashlib.sha256((clinic / name).read_bytes()).hexdigest() for name in YAML_FILES}
    assert {name: digest for name, digest in content.digest if name in expected} == expected
