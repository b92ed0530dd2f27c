"""What a clinic owner and a receptionist still tripped over after round 2 (issue 11, round 3).

Each expectation is written out here as the user should read it."""
import re

from .conftest import edit


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
