"""What a clinic owner and a receptionist still tripped over after round 2 (issue 11, round 3).

Each expectation is written out here as the user should read it."""
import re

from .conftest import STANDARD, edit


def _errors(output: str) -> list[str]:
    """The error blocks (one per place) after 「エラー:」, each starting with its file:line line."""
    tail = output.split("件の問題があります", 1)[1]
    return re.findall(r"^  \S+:\d+  .*$", tail, flags=re.M)


# 1. 治療時間: one message per place, never one for 治療時間 and another for the 治療 inside it.
def test_treatment_hours_as_the_hours_label_is_one_message(run, clinic):
    edit(clinic / "clinic.yaml", "hours_label: 受付時間", "hours_label: 治療時間")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "に 1 件の問題があります (1 problem(s))" in result.output
    assert _errors(result.output) == [f"  {clinic / 'clinic.yaml'}:11  hours_label"]
    assert ('    書かれた値 (found):    "治療時間"\n'
            "    正しくは (expected):   受付時間 | 施術時間 のどれか (one of: 受付時間 | 施術時間)") in result.output
    assert "「治療」" not in result.output


def test_treatment_hours_in_a_text_is_one_message_naming_the_whole_phrase(run, clinic):
    edit(clinic / "texts.yaml", "for_whom: 夕方や朝に", "for_whom: 治療時間は夕方まで。夕方や朝に")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "に 1 件の問題があります (1 problem(s))" in result.output
    assert _errors(result.output) == [f"  {clinic / 'texts.yaml'}:9  for_whom"]
    assert ("    書かれた値 (found):    「治療時間」は夕方まで。夕方や朝に腰… "
            "(柔道整復の施術所は「治療時間」と書けません (a 接骨院 may not advertise 治療時間))\n"
            "    正しくは (expected):   受付時間 か 施術時間") in result.output
    assert "「治療」" not in result.output


def test_treatment_elsewhere_in_the_same_text_is_still_its_own_message(run, clinic):
    edit(clinic / "texts.yaml", "for_whom: 夕方や朝に", "for_whom: 治療時間は夕方まで。治療も。夕方や朝に")
    result = run("validate", "--content", clinic)
    assert "に 2 件の問題があります (2 problem(s))" in result.output
    assert "「治療時間」は夕方まで" in result.output
    assert ("    書かれた値 (found):    治療時間は夕方まで。「治療」も。夕方や朝に腰が重い・… "
            "(柔道整復師が行うのは「施術」です (a 接骨院 gives 施術, not 治療))\n"
            "    正しくは (expected):   施術") in result.output


# 2. Curly quotes (the Mac's smart quotes) around a whole value: refused on their line, with straight quotes
#    as the fix; the quotes would otherwise be printed on every handout.
CURLY_FOUND = ("値が曲がった引用符「“…”」で囲まれています。このままでは引用符も印刷されます "
               "(curly quotes, e.g. the Mac's smart quotes: they would be printed as part of the value)")


def test_curly_quotes_around_a_value_are_named_with_file_and_line(run, clinic):
    edit(clinic / "clinic.yaml", "name: サンプル接骨院", "name: “さくら接骨院”")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert (f"  {clinic / 'clinic.yaml'}:6\n    書かれた値 (found):    {CURLY_FOUND}\n"
            '    正しくは (expected):   半角のまっすぐな「"」で囲む: name: "さくら接骨院"                      '
            '# 医院名（必須） (use straight quotes "…")' in result.output)


def test_single_curly_quotes_are_named_and_the_fix_keeps_the_comment(run, write):
    path = write("p.yaml", "patient:\n  name: ‘山田 花子’   # 患者名\ndate: 2026-11-25\narea: both\n")
    result = run("validate", path)
    assert result.exit_code == 1
    assert f"  {path}:2\n" in result.output
    assert "曲がった引用符「‘…’」" in result.output
    assert '半角のまっすぐな「"」で囲む: name: "山田 花子"   # 患者名 (use straight quotes "…")' in result.output


def test_curly_quotes_inside_japanese_text_are_not_flagged(run, write, build):
    from .conftest import pdf_text
    text = STANDARD + "note: “ゆっくり”と伸ばします。「痛い」ときは休みます\n"
    assert run("validate", write("p.yaml", text)).exit_code == 0
    result, out = build(text)
    assert result.exit_code == 0, result.output
    assert "“ゆっくり”と伸ばします" in pdf_text(out).replace("\n", "")
    quoted_within = STANDARD + "note: “ゆっくり”と“しっかり”\n"
    assert run("validate", write("q.yaml", quoted_within)).exit_code == 0
    straight_around_curly = STANDARD + 'note: "“ゆっくり”"\n'
    assert run("validate", write("r.yaml", straight_around_curly)).exit_code == 0


def test_curly_quotes_are_refused_by_build_too_so_no_handout_prints_them(build):
    result, out = build(STANDARD.replace("name: 山田 花子", "name: “山田 花子”"))
    assert result.exit_code != 0
    assert "曲がった引用符" in result.output
    assert not out.exists()
