"""What a clinic owner and a receptionist tripped over following docs/guide-ja.md (issue 11, round 2).

Each expectation is written out here as the user should read it."""
from .conftest import STANDARD, edit


def _validate(run, clinic, write):
    return run("validate", "--content", clinic, write("p.yaml", STANDARD))


# 1. An unclosed quote before a comment: the quote goes right after the value, never after the comment.
def test_an_unclosed_quote_before_a_comment_is_closed_before_the_comment(run, clinic, write):
    edit(clinic / "clinic.yaml", 'phone: "03-0000-0000"                   # 電話番号（必須）',
         'phone: "03-1234-5678     # 電話番号（必須）')
    result = _validate(run, clinic, write)
    assert result.exit_code == 1
    assert "clinic.yaml:7\n" in result.output
    assert ('値のすぐ後に「"」を付ける（「#」のメモより前）: phone: "03-1234-5678"     # 電話番号（必須）'
            in result.output)
    assert '# 電話番号（必須）"' not in result.output


# 2. A phone number YAML reads as an octal number is shown as typed, not as the number YAML made of it.
def test_an_unquoted_phone_number_is_shown_as_typed(run, clinic, write):
    edit(clinic / "clinic.yaml", 'phone: "03-0000-0000"                   # 電話番号（必須）',
         "phone: 0120123456      # 電話番号（必須）")
    result = _validate(run, clinic, write)
    assert result.exit_code == 1
    assert "clinic.yaml:7  phone\n    書かれた値 (found):    0120123456\n" in result.output
    assert '(quote it: "0120123456")' in result.output
    assert "21014318" not in result.output
