"""Where a short Japanese text may break between phrases (文節): BudouX, Google's phrase segmenter.

BudouX is a small trained model (no dictionary): a score for each place between two characters
from the characters around it. Its phrases are where a reader expects a line to end in a heading,
caption or table header. Spaces separate words as well, and a full-width space separates items
(the footer's name, telephone and address). Pure: text in, levels for linebreak.py out.
"""
from __future__ import annotations

from functools import lru_cache

from .linebreak import ITEM, NO_START, PHRASE

# Words of the handouts that BudouX's model cuts in two (太も|もの内側): no phrase break inside them.
WHOLE_WORDS = ("太もも",)


@lru_cache(maxsize=1)
def _parser():
    import budoux  # loaded on the first PDF only: about 10 ms

    return budoux.load_default_japanese_parser()


@lru_cache(maxsize=4096)
def phrase_levels(text: str) -> dict[int, int]:
    """{position: level} for each place between phrases of text: ITEM after a full-width space,
    PHRASE after a space or between two BudouX phrases (after the characters that may not start
    a line, when the next phrase starts with some: 、。・ and the like)."""
    levels: dict[int, int] = {}
    position = 0
    for chunk in _parser().parse(text)[:-1]:
        position += len(chunk)
        after = position
        while after < len(text) and text[after] in NO_START:  # 転んだ|・事故: kinsoku moves it to after ・
            after += 1
        if after < len(text):
            levels[after] = PHRASE
    for word in WHOLE_WORDS:
        at = text.find(word)
        while at >= 0:
            for inside in range(at + 1, at + len(word)):
                levels.pop(inside, None)
            at = text.find(word, at + 1)
    for position, ch in enumerate(text[:-1], start=1):
        if ch == "\u3000":
            levels[position] = ITEM
        elif ch in " \t":
            levels.setdefault(position, PHRASE)
    return levels
