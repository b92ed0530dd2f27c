"""The one-way flow for one handout: load + validate → compose → render. No files are written here."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .compose import Handout, compose
from .content import Content, load_content, read_files
from .prescription import Patient, PrescribedStretch, Prescription, catalogue_titles, load_prescription

if TYPE_CHECKING:
    from .render import Layout
    from .schema import FileBytes


def open_content(folder: Path, allow_missing_glyphs: bool = False,
                 files: dict[str, FileBytes] | None = None) -> Content:
    """The content folder, every character checked against its font chain. files: its YAML files as already
    read (content.read_files), else they are read here."""
    return load_content(folder, allow_missing_glyphs, files)


# resolved folder -> (the digests its YAML files had as read and parsed, the logo's and photos' identity, content)
_current: dict[tuple[str, str], tuple[tuple, tuple, Content]] = {}
CURRENT_MAX = 4  # folders kept; emptied when full


def current_content(folder: Path) -> Content:
    """open_content(folder), kept between calls for as long as the folder's files are the same: the desk
    previews one handout after another, and reading and checking the folder is about 10 ms of each.

    An edit by the clinic owner shows in the very next call. The key: the folder; the bytes of each YAML
    file (a SHA-256: an edit of the same length within one tick of the file clock is still seen) and which of
    them exist (fonts.yaml is optional); the logo and the photos by (size, mtime_ns, ctime_ns, inode), as they
    were right after they were checked. Each YAML file is read and hashed once a call (content.read_files):
    when the key is new, those very bytes are parsed and checked, so the content kept is that of the bytes
    its key was made from (an edit saved meanwhile is a new key next time). The fallback fonts are loaded
    once a process anyway (fonts.py). A folder with problems is never kept: each call reads it again and
    raises its InputError (the Japanese message), never the content it had before the edit."""
    where = (str(folder), str(folder.resolve()))
    files = read_files(folder)
    identity = tuple((name, file.sha256()) for name, file in files.items())
    readable = all(file.raw is not None for file in files.values())
    kept = _current.get(where)
    if readable and kept is not None and kept[0] == identity and kept[1] == _images_identity(kept[2]):
        return kept[2]
    content = open_content(folder, False, files)
    if readable:
        if len(_current) >= CURRENT_MAX:
            _current.clear()
        _current[where] = (identity, _images_identity(content), content)
    return content


def _images_identity(content: Content) -> tuple:
    """(path, size, mtime_ns, ctime_ns, inode) of the logo and each photo; a file that cannot be read, None."""
    from .content import images

    identity: list[tuple] = []
    for path in images(content):
        try:
            stat = path.stat()
            identity.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino))
        except OSError:
            identity.append((str(path), None))
    return tuple(identity)


def build_pdf(prescription_file: Path, content: Content, today: dt.date | None = None,
              large_print: bool = False) -> tuple[Handout, bytes]:
    """Checks one prescription and renders its handout; raises InputError before any layout.

    Characters no font has are in content.glyphs.warnings when they are allowed (printed as 〓).
    """
    return build_checked(prescription_file, content, today, large_print)[1:]


def handout_pdf(content: Content, prescription: Prescription, today: dt.date, large_print: bool = False) -> bytes:
    """compose → render for a checked prescription: the one place a front end or a worker makes a PDF."""
    return handout_pdf_and_layout(content, prescription, today, large_print)[0]


def handout_pdf_and_layout(content: Content, prescription: Prescription, today: dt.date,
                           large_print: bool = False) -> tuple[bytes, Layout]:
    """handout_pdf, and the layout a print file draws the handout with again (printfile.py)."""
    from .one_pdf import DRAWING
    from .rl_compat import import_platypus

    import_platypus()  # its URL pattern compiled only if used (rl_compat.py)
    from .render import render_with_layout  # ReportLab's platypus: only when a PDF is made

    with DRAWING:  # compose chains fonts (a face's stand-ins); one PDF at a time in a process (one_pdf.py)
        return render_with_layout(compose(content, prescription, today, large_print))


def build_checked(prescription_file: Path, content: Content, today: dt.date | None = None,
                  large_print: bool = False) -> tuple[Prescription, Handout, bytes]:
    """build_pdf, with the prescription as checked (what the history records of it)."""
    from .one_pdf import DRAWING
    from .rl_compat import import_platypus

    import_platypus()  # its URL pattern compiled only if used (rl_compat.py)
    from .render import render  # ReportLab's platypus: only when a PDF is made

    prescription = load_prescription(prescription_file, catalogue_titles(content), content.glyphs)
    with DRAWING:  # compose chains fonts (a face's stand-ins); one PDF at a time in a process (one_pdf.py)
        handout = compose(content, prescription, today or dt.date.today(), large_print)
        return prescription, handout, render(handout)


STANDARD = Prescription(source=Path("standard"), patient=Patient("山田 花子", None), date=dt.date(2026, 1, 1),
                        practitioner="田中 健", area="both", stretches=None, note=None)


def _pages(content: Content, prescription: Prescription) -> int:
    import io

    from pypdf import PdfReader


    assert prescription.date is not None  # STANDARD and its variants have their date
    return len(PdfReader(io.BytesIO(handout_pdf(content, prescription, prescription.date))).pages)


def standard_page_count(content: Content) -> int:
    """Pages of the contract's standard handout (area both, default stretches, no note) from this content."""
    return _pages(content, STANDARD)


def _characters(texts) -> int:
    return sum(len(t) for t in texts if t)


def third_page_causes(content: Content) -> list[str]:
    """Why the standard handout takes more than two pages, measured against the built-in sample: too many
    stretches chosen for `both` (proved by laying out the sample's count), or texts longer than the sample's."""
    from .resources import sample_content_dir

    sample = load_content(sample_content_dir())
    causes = []
    chosen, usual = content.default_selection("both"), len(sample.default_selection("both"))
    if len(chosen) > usual:
        fewer = replace(STANDARD, stretches=tuple(PrescribedStretch(s) for s in chosen[:usual]))
        fits = _pages(content, fewer) <= 2
        causes.append(f"area: both で選ばれるストレッチが {len(chosen)} 個あります（見本は {usual} 個"
                      + (f"。{usual} 個なら2ページに収まります" if fits else "") + "）。stretches.yaml の areas を"
                      f"見直してください (area both chooses {len(chosen)} stretches, the sample {usual}"
                      + (f"; with {usual} it fits two pages" if fits else "") + ": check `areas` in stretches.yaml)")
        if fits:
            return causes

    def texts_of(c: Content) -> dict[str, int]:
        t, stretches = c.texts, [c.catalogue[s] for s in c.default_selection("both")]
        return {
            "texts.yaml の for_whom と cause (the cause)": _characters(
                [t.for_whom, *t.cause.paragraphs, t.cause.upper.text, t.cause.lower.text, t.cause.closing]),
            "texts.yaml の rules (the rules)": _characters([*t.rules.items, *t.rules.setup]),
            "texts.yaml の safety (the safety notice)": _characters(
                [*t.safety.items, t.safety.next_day, *t.safety.urgent, *t.safety.soon, t.safety.urgent_heading,
                 t.safety.soon_heading]),
            "stretches.yaml の steps と cautions (the steps)": _characters(
                [line for s in stretches for line in (*s.steps, *s.cautions)]),
            "clinic.yaml の hours と address (the footer)": _characters([*c.clinic.hours, c.clinic.address]),
        }

    mine, theirs = texts_of(content), texts_of(sample)
    longer = sorted(((mine[k] - theirs[k], k) for k in mine if mine[k] > theirs[k] * 1.1), reverse=True)
    causes += [f"{name} が {mine[name]} 文字（見本は {theirs[name]} 文字） "
               f"({mine[name]} characters, the sample has {theirs[name]})" for _, name in longer]
    if not causes:
        causes.append("文の長さ・ストレッチの数は見本と同じくらいです。写真やロゴの大きさを確認してください "
                      "(texts and stretch count are like the sample's: check photos and the logo)")
    return causes
