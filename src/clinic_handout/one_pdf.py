"""One PDF made at a time in a process.

ReportLab keeps state per process (the registered fonts, a face's glyph tables with our stand-ins), and so do our
caches of its results: the kept figure drawings, whose `canv` ReportLab sets and deletes while it draws them, and
the kept subsets, ToUnicode maps and widths (rl_compat.py, fonts.py). The desk makes previews in waitress's threads
and a day's list in a thread of its own: two handouts drawn at once broke each other (a shared drawing lost its
canvas mid-draw; an LRU lost a key between `get` and `move_to_end`). Every entry point that makes or draws a PDF
(render.render, render_with_layout and render_gallery, pipeline's compose + render, the print file's add and
close) and every font registration (fonts.primary, a fallback's face) holds DRAWING. It is re-entrant, so they
nest. A handout takes about 30 ms, so a preview waits at most about that for another.
"""
from __future__ import annotations

import functools
import threading

DRAWING = threading.RLock()


def one_at_a_time(function):
    """function, run while holding DRAWING."""
    @functools.wraps(function)
    def locked(*args, **kwargs):
        with DRAWING:
            return function(*args, **kwargs)
    return locked
