"""The Japanese line breaker, checked against the JLREQ rules on crafted text, at many widths, and on any text."""
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_handout.content import load_content
from clinic_handout.linebreak import NO_END, NO_START, SPACES, atoms, break_lines

from .conftest import SAMPLE
from .japanese_samples import STRESS

# Tokens that must stay whole when they fit on a line, written here independently of the breaker.
WHOLE = [re.compile(p) for p in (
    r"[0-9]+(?:[0-9:,.-]*[0-9])?(?:秒|回|セット|分|日|年|月)",  # a number with its unit
    r"[0-9]+日[0-9]+セット",
    r"https?://[!-~]+",
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    r"[A-Za-z]+(?:[-'][A-Za-z]+)*",
    r"…{2,}|—{2,}",
)]


def width(ch: str) -> float:
    return 2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.0


def widths(text: str) -> list[float]:
    return [width(ch) for ch in text]


def lines(text: str, line_width: float) -> list[str]:
    return [text[a:b] for a, b in break_lines(text, widths(text), [line_width])]


def violations(text: str, line_width: float, measure=widths) -> list[str]:
    """Every JLREQ rule a breaking of text breaks, except inside a token wider than a whole line."""
    w = measure(text)
    ranges = break_lines(text, w, [line_width])
    found = []
    if "".join(text[a:b] for a, b in ranges) != text:
        found.append("joined lines differ from the text")
    too_wide = [(a, b) for a, b in atoms(text) if sum(w[a:len(text[a:b].rstrip(" \t")) + a]) > line_width + 1e-6]

    def excused(position: int) -> bool:
        """A break inside or at the edge of a token wider than a line: some rule has to give there."""
        return any(a <= position <= b for a, b in too_wide)

    for number, (a, b) in enumerate(ranges):
        line = text[a:b]
        visible = line.rstrip("".join(SPACES))
        if sum(w[a:a + len(visible)]) > line_width + 1e-6 and not excused(a):
            found.append(f"line {number} wider than {line_width}: {line!r}")
        if number and line[:1] in NO_START and not excused(a):
            found.append(f"line {number} starts with {line[0]!r}: {line!r}")
        if number < len(ranges) - 1 and visible[-1:] in NO_END and not excused(b):
            found.append(f"line {number} ends with {visible[-1]!r}: {line!r}")
    breaks = {a for a, _ in ranges[1:]}
    for pattern in WHOLE:
        for match in pattern.finditer(text):
            fits = sum(w[match.start():match.end()]) <= line_width
            cut = [p for p in breaks if match.start() < p < match.end() and not excused(p)]
            if fits and cut:
                found.append(f"{match.group()!r} broken at {cut}")
    return found


@pytest.mark.parametrize("line_width", range(8, 60))
def test_stress_text_breaks_no_rule_at_any_width(line_width):
    assert violations(STRESS, line_width) == []


def test_stress_text_with_the_real_font_at_50_widths():
    """BIZ UD Gothic's own widths at 12 pt, frames from 60 pt to 550 pt: zero violations."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from clinic_handout.fonts import REGULAR, primary

    primary()

    def measure(text):
        return [stringWidth(ch, REGULAR, 12) for ch in text]

    for frame in range(60, 560, 10):
        assert violations(STRESS, frame, measure) == [], frame


@pytest.mark.parametrize("line_width", range(4, 30))  # from two full-width characters: お。 must fit
def test_full_stop_and_comma_never_start_a_line(line_width):
    text = "あいうえお。かきくけこ、さしすせそ。たちつてと」なにぬねの。"
    for line in lines(text, line_width)[1:]:
        assert line[0] not in "。、」"


@pytest.mark.parametrize("line_width", range(4, 30))
def test_opening_bracket_never_ends_a_line(line_width):
    text = "あいう「えお」かき（くけ）さし【すせ】そ『たち』つ"
    for line in lines(text, line_width)[:-1]:
        assert line[-1] not in "「（【『"


@pytest.mark.parametrize("token", ["10秒", "5回", "1日2セット", "2026年11月25日", "9:00", "03-0000-0000"])
def test_numbers_with_units_stay_whole(token):
    text = f"ストレッチは{token}です。" * 4
    for line_width in range(len(widths(token)) and int(sum(widths(token))), 40):
        for line in lines(text, line_width):
            assert token in line or token not in "".join(lines(text, line_width)) or all(
                token[:i] not in line[-i:] for i in range(1, len(token))), (line_width, line)
        assert violations(text, line_width) == []


def test_dose_line_breaks_before_a_number_not_inside_it():
    text = "10秒 × 5回 ・ 1日2セット"
    for line_width in range(10, 24):
        assert violations(text, line_width) == []
        for line in lines(text, line_width)[1:]:
            assert not line.startswith("・")


def test_url_that_fits_stays_whole_and_a_longer_one_breaks_after_punctuation():
    url = "https://example.com/booking/form?id=12345"
    text = f"予約は{url}まで"
    assert any(url in line for line in lines(text, 50))
    long_url = "https://example.com/booking/form/step-2/confirm"
    parts = lines(long_url, 14)
    assert "".join(parts) == long_url
    assert all(part[-1] in "/.-@" for part in parts[:-1]), parts


def test_email_latin_words_and_ellipsis_stay_whole():
    text = "連絡は info@example.com へ。Tom O'Brien-Smith さん……ゆっくり——もどす"
    for line_width in range(20, 40):
        assert violations(text, line_width) == []


def test_spaces_stay_at_the_end_of_a_line_and_do_not_count():
    assert lines("abc def ghi", 7) == ["abc def ", "ghi"]


def test_forced_widths_list_first_line_shorter():
    text = "あいうえおかきくけこさしすせそ"
    ranges = break_lines(text, widths(text), [4, 10])
    assert [text[a:b] for a, b in ranges] == ["あい", "うえおかき", "くけこさし", "すせそ"]


def test_empty_text_is_one_empty_line():
    assert break_lines("", [], [10]) == [(0, 0)]


JAPANESE = st.sampled_from(list("あいうえおかきくけこアイウエオ漢字腰痛神経")
                           + list("。、！？・：；ー々っゃゅょァィ」）』】") + list("「（『【") + list("0123456789")
                           + list("秒回日セット") + [" ", "a", "b", "Z", "-", "/", ".", "@", "…", "—", "　"])


@settings(max_examples=400, deadline=None)
@given(text=st.text(JAPANESE, max_size=80), line_width=st.integers(min_value=6, max_value=60))
def test_any_text_at_any_width_keeps_every_rule(text, line_width):
    assert violations(text, line_width) == []


def test_paragraph_lines_in_a_real_pdf_keep_the_rules(tmp_path):
    """The same rules through ReportLab: JapaneseParagraph's lines, as wrapped at a narrow width."""
    from reportlab.lib.styles import ParagraphStyle

    from clinic_handout.fonts import REGULAR, as_typed, font_chain
    from clinic_handout.typeset import JapaneseParagraph

    content = load_content(SAMPLE)
    text = "".join(content.texts.cause.paragraphs) + "担当　大場" + "".join(
        step for stretch in content.catalogue.values() for step in stretch.steps) + "10秒 × 5回 ・ 1日2セット"
    markup = font_chain().markup(text) + "<br/>二行目。"  # as the renderer makes it
    style = ParagraphStyle("t", fontName=REGULAR, fontSize=12, leading=20, wordWrap="CJK")
    for frame in range(80, 500, 7):
        paragraph = JapaneseParagraph(markup, style)
        paragraph.wrap(frame, 10_000)
        texts = [as_typed("".join(frag.text for frag in line.words)) for line in paragraph.blPara.lines]
        assert "".join(texts) == text + "二行目。"  # the ideographic space U+3000 kept
        for line in texts[1:]:
            assert line[:1] not in NO_START, (frame, line)
        for line in texts[:-1]:
            assert line.rstrip()[-1:] not in NO_END, (frame, line)
        assert all(line.currentWidth <= frame + 1e-6 for line in paragraph.blPara.lines)  # nothing hangs
