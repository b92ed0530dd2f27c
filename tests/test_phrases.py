"""Phrase-aware breaking of short texts (linebreak.break_phrases) and the mended last line
(linebreak.mend_tail), on plain widths: a full-width character is 2, any other 1."""
import unicodedata

import budoux
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_handout.content import load_content
from clinic_handout.linebreak import NO_END, NO_START, SPACES, atoms, break_lines, break_phrases, mend_tail
from clinic_handout.phrases import phrase_levels

from .conftest import SAMPLE, ruby_shown

PARSER = budoux.load_default_japanese_parser()


def widths(text: str) -> list[float]:
    return [2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text]


def phrased(text: str, width: float) -> list[str]:
    return [text[a:b] for a, b in break_phrases(text, widths(text), [width], lambda: phrase_levels(text))]


def budoux_breaks(text: str) -> set[int]:
    """Where BudouX (run here) and the spaces allow a break; a phrase that starts with characters
    that may not start a line (・、。) gives its break to the place after them."""
    places, position = set(), 0
    for chunk in PARSER.parse(text)[:-1]:
        position += len(chunk)
        places.add(position)
        after = position
        while after < len(text) and text[after] in NO_START:
            after += 1
        places.add(after)
    return places | {i + 1 for i, ch in enumerate(text) if ch in " \u3000"}


def short_texts() -> list[str]:
    content = load_content(SAMPLE)
    texts = content.texts
    found = [texts.title, texts.cause.heading, texts.stretches_heading, texts.rules.heading, texts.safety.heading,
             texts.safety.urgent_heading, *texts.safety.urgent, texts.safety.soon_heading, *texts.safety.soon,
             texts.checklist.pain_heading,
             content.clinic.address]
    for stretch in content.catalogue.values():
        found += [stretch.title, stretch.target, stretch.title.removesuffix("のストレッチ")]
    # the breaker sees a ruby group's base ({股|また}: 股; the reading is set above the line), or base（reading）
    return [ruby_shown(text) for text in found]


@pytest.mark.parametrize("text", short_texts())
@pytest.mark.parametrize("width", [8, 12, 16, 24, 36])
def test_short_texts_break_between_phrases_and_keep_kinsoku(text, width):
    w = widths(text)
    ranges = break_phrases(text, w, [width], lambda: phrase_levels(text))
    assert "".join(text[a:b] for a, b in ranges) == text
    allowed = budoux_breaks(text)
    # Any single phrase wider than the line excuses a break inside it (JLREQ then decides).
    chunks, position, too_wide = PARSER.parse(text), 0, []
    for chunk in chunks:
        if sum(w[position:position + len(chunk.rstrip(" "))]) > width:
            too_wide.append((position, position + len(chunk)))
        position += len(chunk)
    for number, (a, b) in enumerate(ranges):
        line = text[a:b].rstrip("".join(SPACES))
        inside_wide = any(s < a < e for s, e in too_wide)
        if number:
            assert a in allowed or inside_wide, (text, width, [text[x:y] for x, y in ranges])
            assert text[a] not in NO_START, (text, width)
        wide_atom = any(s <= a < e or s < b <= e for s, e in atoms(text) if sum(w[s:e]) > width)
        if number < len(ranges) - 1:
            assert line[-1:] not in NO_END or wide_atom, (text, width)
        assert sum(w[a:a + len(line)]) <= width + 1e-6 or wide_atom, (text, width, line)


def test_a_title_of_two_lines_breaks_at_a_phrase_near_its_middle():
    title = "くり返す腰の痛み・重だるさのためのストレッチ"
    assert phrased(title, 36) == ["くり返す腰の痛み・重だるさの", "ためのストレッチ"]
    assert phrased(title, 60) == [title]


def test_table_headers_break_between_words_not_inside():
    assert phrased("太ももの内側", 10) == ["太ももの", "内側"]  # BudouX alone would allow 太も|もの
    assert phrased("足の裏ほぐし", 10) == ["足の", "裏ほぐし"]  # BudouX also allows 裏ほぐ|し: balance wins


def test_items_break_before_phrases():
    footer = "サンプル接骨院\u3000電話 03-0000-0000\u3000〒000-0000 東京都見本区架空町1-2-3 見本ビル1階"
    assert phrased(footer, 60) == ["サンプル接骨院\u3000電話 03-0000-0000\u3000",
                                   "〒000-0000 東京都見本区架空町1-2-3 見本ビル1階"]


def test_a_phrase_longer_than_the_line_breaks_by_kinsoku():
    lines = phrased("ホームページ", 8)
    assert "".join(lines) == "ホームページ" and all(not line.startswith("ー") for line in lines)
    assert phrased("https://example.com/a/b", 12) == ["https://", "example.com/", "a/b"]


def test_a_one_character_last_line_takes_the_phrase_before_it():
    step = "体をゆっくり前へ移し、足の付け根の前を伸ばします。"
    greedy = break_lines(step, widths(step), [46])
    assert step[greedy[-1][0]:] == "す。"  # what the JLREQ greedy fill leaves
    mended = mend_tail(step, widths(step), [46], greedy, lambda: phrase_levels(step))
    assert [step[a:b] for a, b in mended] == ["体をゆっくり前へ移し、足の付け根の前を", "伸ばします。"]


def test_a_tail_stays_when_no_phrase_break_can_fix_it():
    text = "ああああああああああああああ。"  # no phrase boundary in the last line's reach
    lines = break_lines(text, widths(text), [28])
    assert mend_tail(text, widths(text), [28], lines, lambda: {}) == lines


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="あいうえおかきくけこ腰痛みのためにストレッチ、。「」（）ー・ 0123456789秒回", max_size=40),
       st.integers(min_value=4, max_value=40))
def test_any_text_joins_back_and_keeps_kinsoku(text, width):
    ranges = break_phrases(text, widths(text), [width], lambda: phrase_levels(text))
    assert "".join(text[a:b] for a, b in ranges) == text
    for number, (a, _) in enumerate(ranges):
        if number:
            assert text[a] not in NO_START or any(s < a < e for s, e in atoms(text)), (text, width, ranges)
    mended = mend_tail(text, widths(text), [width], break_lines(text, widths(text), [width]),
                       lambda: phrase_levels(text))
    assert "".join(text[a:b] for a, b in mended) == text
