"""Issue 10, item 6: README promises that had no test able to fail, each with its own oracle written
out here (never the code's own tables or constants)."""
import pytest

from .conftest import STANDARD

# -- Japanese line breaking: the JLREQ classes, written out from the W3C JLREQ (Appendix A) ----------
# cl-02 closing brackets, cl-03 hyphens, cl-04 dividing punctuation, cl-05 middle dots, cl-06 full
# stops, cl-07 commas, cl-09 iteration marks, cl-10 prolonged sound mark, cl-11 small kana.
JLREQ_NOT_AT_LINE_START = (
    "’”）〕］｝〉》」』】〙〗〟｠"  # cl-02
    "‐〜゠–"  # cl-03
    "？！‼⁇⁈⁉"  # cl-04
    "・：；"  # cl-05
    "。．"  # cl-06
    "、，"  # cl-07
    "ヽヾゝゞ々〻"  # cl-09
    "ー"  # cl-10
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"  # cl-11
)
JLREQ_NOT_AT_LINE_END = "‘“（〔［｛〈《「『【〘〖〝｟"  # cl-01 opening brackets


@pytest.mark.parametrize("char", list(JLREQ_NOT_AT_LINE_START))
def test_no_line_starts_with_a_jlreq_line_start_prohibited_character(char):
    from clinic_handout.linebreak import break_lines

    for before in range(1, 12):  # the character at every place of a 10-wide line, including its first
        text = "あ" * before + char + "い" * 25
        lines = break_lines(text, [1.0] * len(text), [10.0])
        assert "".join(text[a:b] for a, b in lines) == text
        assert all(b - a and text[a] != char for a, b in lines[1:]), (char, before, lines)
        assert all(b - a <= 10 for a, b in lines)  # nothing hangs past the line


@pytest.mark.parametrize("char", list(JLREQ_NOT_AT_LINE_END))
def test_no_line_ends_with_a_jlreq_opening_bracket(char):
    from clinic_handout.linebreak import break_lines

    for before in range(1, 12):
        text = "あ" * before + char + "い" * 25
        lines = break_lines(text, [1.0] * len(text), [10.0])
        assert all(text[b - 1] != char for a, b in lines[:-1]), (char, before, lines)


# -- inclusive limits: hold 1-120 s, reps 1-50, sets 1-10 (README, the prescription format) -------
LIMITS = {"hold_seconds": (1, 120), "reps": (1, 50), "sets_per_day": (1, 10)}


@pytest.mark.parametrize("field", list(LIMITS))
def test_the_dose_limits_are_inclusive(run, write, field):
    low, high = LIMITS[field]

    def build(value):
        text = STANDARD + f"stretches:\n  - id: hip-flexor\n    {field}: {value}\n"
        return run("validate", write("p.yaml", text))

    assert build(low).exit_code == 0 and build(high).exit_code == 0
    assert build(low - 1).exit_code == 1 and build(high + 1).exit_code == 1


# -- the CSV's large_print and checklist_days columns ------------------------------------------------

def test_the_csv_large_print_and_checklist_days_columns_change_the_handout(run, write, tmp_path):
    import re

    from pypdf import PdfReader

    text = ("name,area,date,large_print,checklist_days\n"
            "一人目 花子,both,2026-11-25,,0\n"
            "二人目 花子,both,2026-11-25,はい,0\n"
            "三人目 花子,both,2026-11-25,,7\n")
    result = run("batch", write("day.csv", text), "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.output

    def body_size(name):  # the size most of the characters are printed in
        from collections import Counter

        found = Counter()

        def visit(text, cm, tm, font, size):
            found[round(size * tm[0], 1)] += len(text.strip())
        for page in PdfReader(str(tmp_path / "out" / f"2026-11-25_{name}.pdf")).pages:
            page.extract_text(visitor_text=visit)
        return found.most_common(1)[0][0]

    def text_of(name):
        reader = PdfReader(str(tmp_path / "out" / f"2026-11-25_{name}.pdf"))
        return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))

    assert body_size("二人目花子") == 14.0 and body_size("一人目花子") == 12.0  # body 14 pt instead of 12
    seven = text_of("三人目花子")  # 7 days: 2026-11-25 (Wed) to 2026-12-01 (Tue)
    assert "11月25日（水）" in seven and "12月1日（火）" in seven and "12月2日" not in seven
    assert "11月26日（木）" not in text_of("一人目花子")  # 0: no tick-sheet


# -- 5xx is not retried; 4xx is ---------------------------------------------------------------------

from . import test_mail  # noqa: E402

server, clinic = test_mail.server, test_mail.clinic


def test_a_permanent_refusal_is_asked_once_and_a_temporary_one_four_times(run, write, clinic, server):
    source = write("p.yaml", test_mail.PATIENT)
    server.refuse.add("hanako@example.com")
    assert run("send", source, "--content", clinic).exit_code == 1
    assert server.rcpt_attempts == ["hanako@example.com"]  # 550: asked once, never again
    server.refuse.clear()
    server.rcpt_attempts.clear()
    server.fail_next = 3  # 451 three times, then accepted: attempts 1-3 fail, the 4th goes through
    assert run("send", source, "--content", clinic).exit_code == 0
    assert server.rcpt_attempts == ["hanako@example.com"] * 4 and len(server.messages) == 1


def test_a_permanently_refused_message_is_sent_once(run, write, clinic, server):
    server.refuse_data = True
    result = run("send", write("p.yaml", test_mail.PATIENT), "--content", clinic)
    assert result.exit_code == 1 and "554" in result.output
    assert server.data_attempts == 1 and server.messages == []


# -- security: ssl (implicit TLS, port 465) -------------------------------------------------------

@pytest.fixture
def ssl_server(tmp_path):
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = test_mail.certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = test_mail.Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.login == b"clinic" and auth_data.password == inbox.password.encode(),
                          handled=False)

    inbox.port = test_mail.free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, ssl_context=context,
                            authenticator=authenticate, auth_required=True,
                            auth_require_tls=False)  # the whole connection is TLS (aiosmtpd checks STARTTLS)
    controller.start()
    yield inbox
    controller.stop()


def test_security_ssl_speaks_tls_from_the_first_byte(run, write, tmp_path, ssl_server, monkeypatch):
    import shutil

    from .conftest import SAMPLE

    folder = tmp_path / "clinic-ssl"
    shutil.copytree(SAMPLE, folder)
    shutil.copy(tmp_path / "cert.pem", folder / "cert.pem")
    (folder / "mail.yaml").write_text(f"host: 127.0.0.1\nport: {ssl_server.port}\nsecurity: ssl\n"
                                      "username: clinic\nfrom: clinic@example.com\nca_file: cert.pem\n",
                                      encoding="utf-8")
    monkeypatch.setenv("HANDOUT_SMTP_PASSWORD", test_mail.PASSWORD)
    monkeypatch.setenv("HANDOUT_SMTP_RETRY_WAIT", "0.01")
    result = run("send", write("p.yaml", test_mail.PATIENT), "--content", folder)
    # The server speaks only TLS: a client that starts in plain text (starttls, none) gets no greeting.
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in ssl_server.messages] == ["hanako@example.com"]
