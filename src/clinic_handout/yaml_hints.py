"""The YAML mistakes of a Japanese keyboard, found on their real line and said in words.

The parser explains a full-width colon, a full-width space, a tab, an IME dash or an unclosed quote in
its own jargon, often lines later (an unclosed quote on line 7 is reported where the file ends). These
checks look at the text itself: `mistakes` before parsing (each is wrong wherever it is), and
`explain` after the parser failed, turning its message into what to type instead.
"""
from __future__ import annotations

import re

import yaml

_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_BLOCK_START = re.compile(r"^(\s*)(?:-\s+)?(?:" + _KEY + r"\s*:\s*)?[|>][-+0-9]*\s*(?:#.*)?$")
_FULL_COLON = re.compile(r"^[ \t\u3000]*(?:-[ \t\u3000]+)?(?P<key>" + _KEY + r")[ \t\u3000]*：")
_COLON_WIDE_SPACE = re.compile(r"^[ \t\u3000]*(?:-[ \t\u3000]+)?(?P<key>" + _KEY + r"):\u3000")
# An IME dash as a bullet: followed by a space (ー 土 9:00〜), or straight by a word or a quote (ーbuttock).
_IME_BULLET = re.compile(r"^[ \t\u3000]*(?P<mark>[ーｰ－―−‐—・])(?:[ \t\u3000]+(?=\S)|(?=[A-Za-z\"'{]))")
# A key and a half-width colon with no space after it (name:さくら): YAML reads one word, not a key.
_NO_SPACE = re.compile(r"^[ \t]*(?P<key>" + _KEY + r"):(?P<value>[^\s/].*)$")
# A whole value in curly quotes (“さくら接骨院”, ‘…’): the Mac's smart quotes put in place of YAML's "…".
# YAML does not read them as quotes, so they would be printed as part of the value. Only a value that
# starts and ends with one: 「“ゆっくり”と伸ばす」 inside a sentence is Japanese text, not a quote.
_CURLY_VALUE = re.compile(r"^[ \t]*(?:-[ \t]+)*(?:" + _KEY + r"[ \t]*:[ \t]+)?(?P<value>[“”‘’].*)$")
_CURLY = "“”‘’"
# A value that starts with a ruby group ({股関節|こかんせつ}と、…): YAML reads { as the start of a mapping.
_RUBY_VALUE = re.compile(r"^[ \t]*(?:-[ \t]+)*(?:" + _KEY + r"[ \t]*:[ \t]+)?(?P<value>\{[^{}|:\n]+\|[^{}|\n]+\}.*)$")
_VALUE = re.compile(r"^\s*(?:-\s+)*(?:" + _KEY + r"\s*:\s+)?(?P<value>[\"'].*)$")

_COMMENT = re.compile(r"(?P<body>.*?)(?P<comment>\s+#.*)?$")

Hint = tuple[int, str, str]  # (line, found, expected), Japanese first


def _split_comment(value: str) -> tuple[str, str | None]:
    """A value and its `# comment` (None: none); _COMMENT matches any text."""
    match = _COMMENT.match(value)
    assert match is not None
    return match["body"], match["comment"]


def _structure_lines(text: str):
    """(line number, line) of each line that is YAML structure: not a comment, not inside a `|` block."""
    block_indent = None
    # Lines as YAML counts them: str.splitlines would also break at a VT or FF (Word's Shift+Enter)
    # and shift every line number after it.
    for number, line in enumerate(re.split(r"\r\n|[\r\n\x85\u2028\u2029]", text), start=1):
        stripped = line.strip(" \t\u3000")
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        if not stripped or stripped.startswith("#"):
            continue
        if _BLOCK_START.match(line):
            block_indent = indent
        yield number, line


def mistakes(text: str) -> list[Hint]:
    """Mistakes that are wrong wherever they are in the structure of a file."""
    found: list[Hint] = []
    for number, line in _structure_lines(text):
        lead = line[: len(line) - len(line.lstrip(" \t\u3000"))]
        if "\t" in lead:
            found.append((number, "行の始めにタブがあります (a tab at the start of the line)",
                          "タブを消して、半角スペースで字下げする (indent with half-width spaces, 2 per level)"))
        elif "\u3000" in lead:
            found.append((number, "行の始めに全角スペースがあります (a full-width space in the indentation)",
                          "全角スペースを消して、半角スペースで字下げする (indent with half-width spaces)"))
        if match := _FULL_COLON.match(line):
            key = match["key"]
            found.append((number, f"「{key}：」の「：」が全角です (a full-width colon after {key})",
                          f"半角の「:」と半角スペースにする: {key}: … (a half-width colon and a space)"))
        elif match := _COLON_WIDE_SPACE.match(line):
            key = match["key"]
            found.append((number, f"「{key}:」の後が全角スペースです (a full-width space after the colon)",
                          f"「:」の後は半角スペースにする: {key}: … (a half-width space after the colon)"))
        if match := _NO_SPACE.match(line):
            key, value = match["key"], match["value"].strip()
            found.append((number, f"「{key}:」の後にスペースがありません (no space after the colon)",
                          f"「:」の後に半角スペースを入れる: {key}: {value} (a half-width space after the colon)"))
        if match := _IME_BULLET.match(line):
            item = line[match.end():].strip()
            found.append((number, f"箇条書きの印が全角の「{match['mark']}」です (a full-width dash as a list bullet)",
                          f"半角の「-」と半角スペースにする: - {item} (a half-width hyphen and a space)"))
        if hint := _curly_quotes(number, line):
            found.append(hint)
        if match := _RUBY_VALUE.match(line):
            body, comment = _split_comment(match["value"].rstrip())
            quoted = f'"{body}"' if '"' not in body else "'" + body.replace("'", "''") + "'"
            fixed = line[: match.start("value")].lstrip(" ") + quoted + (comment or "")
            found.append((number, "値がよみがな「{…|…}」で始まっています。YAML は「{」で始まる値をそのまま読めません "
                                  "(a value starting with a ruby group: YAML reads { as the start of a mapping)",
                          f"値全体を半角の「\"」で囲む: {fixed} (quote the whole value)"))
    return found


def _curly_quotes(number: int, line: str) -> Hint | None:
    match = _CURLY_VALUE.match(line)
    if not match:
        return None
    body, comment = _split_comment(match["value"].rstrip())
    if len(body) < 2 or body[-1] not in _CURLY or any(q in body[1:-1] for q in _CURLY):
        return None  # 「“ゆっくり”と“しっかり”」: quotes within the text
    inner = body[1:-1]
    quoted = f'"{inner}"' if '"' not in inner else "'" + inner.replace("'", "''") + "'"
    fixed = line[: match.start("value")].lstrip(" ") + quoted + (comment or "")
    return (number, f"値が曲がった引用符「{body[0]}…{body[-1]}」で囲まれています。このままでは引用符も印刷されます "
                    "(curly quotes, e.g. the Mac's smart quotes: they would be printed as part of the value)",
            f"半角のまっすぐな「\"」で囲む: {fixed} (use straight quotes \"…\")")


def unclosed_quote(text: str) -> Hint | None:
    """The first line whose value opens a quote that this line does not close."""
    for number, line in _structure_lines(text):
        match = _VALUE.match(line)
        if not match:
            continue
        value = match["value"]
        quote, rest = value[0], value[1:]
        closed = (re.search(r'(?<!\\)(?:\\\\)*"', rest) if quote == '"'
                  else re.search(r"'(?!')", rest.replace("''", "")))
        if not closed:
            # The quote goes right after the value, before a `# comment`: closed after the comment, the
            # comment would be part of the value and printed on every handout.
            body, comment = _split_comment(value.rstrip())
            fixed = line[: match.start("value")].lstrip(" ") + body + quote + (comment or "")
            return (number, f"「{quote}」が閉じていません (an unclosed quote)",
                    f"値のすぐ後に「{quote}」を付ける（「#」のメモより前）: {fixed} "
                    "(close the quote right after the value, before any # comment)")
    return None


def explain(error: yaml.MarkedYAMLError, text: str) -> Hint:
    """The parser's error as the line it really is on and what to type instead."""
    problem = (error.problem or "").strip()
    context = (error.context or "").strip()
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else 1
    jargon = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    quote = unclosed_quote(text)
    if quote and quote[0] <= line:  # a quote left open earlier is the cause of whatever the parser met later
        return quote
    if ("quoted scalar" in context or "quoted scalar" in problem) and error.context_mark:
        return (error.context_mark.line + 1, f"「\"」か「'」が閉じていません ({jargon})",
                "値を囲む引用符を同じ行で閉じる (close the quote on the same line)")
    if "simple key" in context and error.context_mark:
        return (error.context_mark.line + 1, f"「:」がありません ({jargon})",
                "「項目: 値」の形で、項目名の後に半角の「:」と半角スペース (key: value)")
    if "mapping values are not allowed" in problem:
        return (line, f"ここに「: 」は書けません ({jargon})",
                "値の中に「: 」があるなら値全体を \"…\" で囲む。字下げ（行頭の半角スペースの数）も確認する "
                "(quote a value holding \": \", or fix the indentation)")
    if "expected <block end>" in problem or "did not find expected key" in problem or "expected ':'" in problem:
        return (line, f"字下げがそろっていません ({jargon})",
                "同じ階層の項目は行頭の半角スペースの数をそろえる (line up the indentation of this line with "
                "the ones above)")
    if "cannot start any token" in problem:
        char = re.search(r"'(.+?)'", problem)
        shown = char.group(1) if char else "?"
        return (line, f"値が「{shown}」で始まっています ({jargon})",
                "値全体を \"…\" で囲む (quote the value)")
    if "alias" in problem or "anchor" in problem:
        return (line, f"値が「*」か「&」で始まっています ({jargon})", "値全体を \"…\" で囲む (quote the value)")
    return (line, f"YAML の書き方の誤り ({jargon})",
            "この行か前の行の字下げ・「:」・引用符を確認する (check indentation, colons and quotes on this line "
            "or the one before)")
