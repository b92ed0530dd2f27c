"""Issue 10, item 1: the right PDF to the right person, and a send log that says what happened.

Each test here failed on the code before it: the expectations are written out (addresses, bytes,
log lines), never computed with the code under test.
"""
import email
import json
from email import policy

import pytest

from . import test_mail
from .conftest import STANDARD
from .test_mail import PATIENT, attachment, batch_csv, log_lines

server, clinic = test_mail.server, test_mail.clinic  # the local SMTP server and a content folder using it

OTHER = STANDARD.replace("  name: 山田 花子\n", "  name: 佐藤 一郎\n  email: ichiro@example.com\n")

# Each of these is read by smtplib or a server as another address, several, or none:
# 'a,b@example.com' goes out as RCPT TO:<a> (a local user of the clinic's own server).
HOSTILE_ADDRESSES = [
    "a,b@example.com",
    "hanako@example.com, other@example.com",
    "hanako@example.com,other@example.com",
    "hanako",
    '"hanako"@example.com',
    '"a@b"@example.com',
    "Hanako <hanako@example.com>",
    "<hanako@example.com>",
    "hanako@example.com (comment)",
    "=?utf-8?q?hanako?=@example.com",
    "=?utf-8?b?5bGx55Sw?= <hanako@example.com>",
    "はなこ@example.com",
    "hanako@例え.jp",
    "hanako＠example.com",
    "hanako@example.com\u202e",
    "hanako@example.com;other@example.com",
    "hanako@localhost",
    "hanako@@example.com",
    "a%b.example@c.example.com",  # Postfix/sendmail "percent hack": delivered to a@b.example
    "b.example!a@c.example.com",  # a UUCP bang path
]


def mail_yaml(clinic, server, extra=""):
    (clinic / "mail.yaml").write_text(
        f"host: 127.0.0.1\nport: {server.port}\nsecurity: starttls\nusername: clinic\n"
        f"from: clinic@example.com\nca_file: cert.pem\n{extra}", encoding="utf-8")


# -- send --pdf: only this prescription's handout --------------------------------------------------

def test_send_pdf_takes_this_prescriptions_own_build(run, write, clinic, server, tmp_path):
    source = write("p.yaml", PATIENT)
    built = tmp_path / "built.pdf"
    assert run("build", source, "-o", built, "--content", clinic).exit_code == 0
    result = run("send", source, "--content", clinic, "--pdf", built)
    assert result.exit_code == 0, result.output
    assert attachment(server.messages[0]).get_content() == built.read_bytes()


def test_send_pdf_takes_the_large_print_build_too(run, write, clinic, server, tmp_path):
    source = write("p.yaml", PATIENT)
    built = tmp_path / "large.pdf"
    assert run("build", source, "-o", built, "--content", clinic, "--large-print").exit_code == 0
    result = run("send", source, "--content", clinic, "--pdf", built)
    assert result.exit_code == 0, result.output
    assert attachment(server.messages[0]).get_content() == built.read_bytes()


def test_send_pdf_refuses_another_patients_handout(run, write, clinic, server, tmp_path):
    other = tmp_path / "ichiro.pdf"
    assert run("build", write("other.yaml", OTHER), "-o", other, "--content", clinic).exit_code == 0
    source = write("p.yaml", PATIENT)
    result = run("send", source, "--content", clinic, "--pdf", other)
    assert result.exit_code == 1
    assert str(other) in result.output and str(source) in result.output and "nothing was sent" in result.output
    assert server.messages == []


def test_send_pdf_refuses_an_edited_handout(run, write, clinic, server, tmp_path):
    source = write("p.yaml", PATIENT)
    built = tmp_path / "built.pdf"
    assert run("build", source, "-o", built, "--content", clinic).exit_code == 0
    built.write_bytes(built.read_bytes() + b"\n% appended\n")
    assert run("send", source, "--content", clinic, "--pdf", built).exit_code == 1
    assert server.messages == []


@pytest.mark.parametrize("content", [b"just some text", b"", b"PK\x03\x04 an xlsx", b"\x00" * 100])
def test_send_pdf_refuses_a_file_that_is_not_a_pdf(run, write, clinic, server, tmp_path, content):
    given = tmp_path / "given.pdf"
    given.write_bytes(content)
    result = run("send", write("p.yaml", PATIENT), "--content", clinic, "--pdf", given)
    assert result.exit_code == 1 and "not a PDF" in result.output and "Traceback" not in result.output
    assert server.messages == []


# -- one address per mail, exactly as typed ---------------------------------------------------------

@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_send_refuses_an_address_that_could_be_read_otherwise(run, write, clinic, server, address):
    result = run("send", write("p.yaml", PATIENT), "--content", clinic, "--to", address)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "not an email address" in result.output
    assert server.messages == []


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_a_prescriptions_address_is_refused_with_its_line(run, write, clinic, server, address):
    text = STANDARD.replace("  name: 山田 花子\n", f"  name: 山田 花子\n  email: {json.dumps(address)}\n")
    result = run("send", write("p.yaml", text), "--content", clinic)
    assert result.exit_code == 1 and "p.yaml:3  patient.email" in result.output, result.output
    assert server.messages == []


@pytest.mark.parametrize("address", ["a,b@example.com", '"hanako"@example.com', "=?utf-8?q?x?=@example.com",
                                     "hanako@example.com (comment)"])
def test_a_batch_row_with_such_an_address_fails_alone(run, clinic, server, tmp_path, address):
    quoted = '"' + address.replace('"', '""') + '"'
    text = ("name,area,date,email\n一人目 花子,upper,2026-11-25,one@example.com\n"
            f"二人目 花子,lower,2026-11-25,{quoted}\n")
    result = run("batch", batch_csv(tmp_path, text), "-o", tmp_path / "out", "--content", clinic, "--send", "--yes",
                 "--jobs", "1")
    assert result.exit_code == 1 and "row 3" in result.output and "email" in result.output
    assert [m["To"] for m in server.messages] == ["one@example.com"]
    assert [r for m in server.messages for r in m.get_all("To")] == ["one@example.com"]


@pytest.mark.parametrize("address", ["hanako.yamada+stretch@example.co.jp", "o'brien@mail.example.com",
                                     "h_y-1@sub-domain.example.com"])
def test_ordinary_addresses_still_go_out_as_typed(run, write, clinic, server, address):
    result = run("send", write("p.yaml", PATIENT), "--content", clinic, "--to", address)
    assert result.exit_code == 0, result.output
    assert server.messages[0]["To"] == address and server.envelopes == [[address]]


# -- refused recipients are never "sent" ---------------------------------------------------------

def test_a_refused_patient_is_not_sent_when_bcc_is_accepted(run, write, clinic, server):
    mail_yaml(clinic, server, "bcc: archive@example.com\n")
    server.refuse.add("hanako@example.com")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1 and "not sent" in result.output and "550" in result.output
    assert "送信しました" not in result.output
    assert server.messages == []  # not even the archive copy of a mail nobody got


def test_batch_with_bcc_logs_a_refused_patient_as_failed_and_retries_it(run, clinic, server, tmp_path):
    mail_yaml(clinic, server, "bcc: archive@example.com\n")
    server.refuse.add("two@example.com")
    out = tmp_path / "out"
    args = ("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    result = run(*args)
    assert result.exit_code == 1 and "2 sent, 1 failed" in result.output
    assert [(e["address"], e["outcome"]) for e in log_lines(out)] == [
        ("one@example.com", "sent"), ("two@example.com", "failed"), ("three@example.com", "sent")]
    assert server.envelopes == [["one@example.com", "archive@example.com"],
                                ["three@example.com", "archive@example.com"]]
    server.refuse.clear()
    again = run(*args)
    assert again.exit_code == 0, again.output
    assert server.envelopes[2:] == [["two@example.com", "archive@example.com"]]


def test_a_refused_bcc_is_said_and_logged_not_hidden(run, clinic, server, tmp_path):
    mail_yaml(clinic, server, "bcc: archive@example.com\n")
    server.refuse.add("archive@example.com")
    out = tmp_path / "out"
    result = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert server.envelopes == [["one@example.com"], ["two@example.com"], ["three@example.com"]]
    assert all(e["outcome"] == "sent" and e["bcc_refused"].startswith("archive@example.com: 550")
               for e in log_lines(out))
    assert result.output.count("archive copy refused") == 3


# -- the bytes just built, never a file re-read -----------------------------------------------------

def test_batch_send_attaches_the_bytes_it_built_even_if_the_file_is_replaced(clinic, server, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from clinic_handout import guided
    from clinic_handout.cli import cli

    out = tmp_path / "out"
    originals = {}

    def swap_then_confirm(*args, **kwargs):  # another step replaces the PDFs while the desk confirms
        for pdf in sorted(out.glob("*.pdf")):
            originals[pdf.name] = pdf.read_bytes()
        first, second, third = sorted(out.glob("*.pdf"))
        first.write_bytes(originals[second.name])
        second.write_bytes(b"%PDF-1.4 replaced")
        return True

    monkeypatch.setattr(guided, "yes_no", swap_then_confirm)
    result = CliRunner().invoke(cli, ["batch", str(batch_csv(tmp_path)), "-o", str(out), "--content", str(clinic),
                                      "--send", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    received = {attachment(m).get_filename(): attachment(m).get_content() for m in server.messages}
    assert received == originals and len(received) == 3


# -- passwords and templates ----------------------------------------------------------------------

def test_a_non_ascii_smtp_password_logs_in(run, write, clinic, server, monkeypatch):
    server.password = "受付パスワード１２３"
    monkeypatch.setenv("HANDOUT_SMTP_PASSWORD", "受付パスワード１２３")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 0, result.output
    assert len(server.messages) == 1


def test_a_wrong_non_ascii_password_is_a_clear_535(run, write, clinic, server, monkeypatch):
    monkeypatch.setenv("HANDOUT_SMTP_PASSWORD", "間違い")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1 and "535" in result.output and "internal error" not in result.output


@pytest.mark.parametrize("template", ["{name.__class__}", "{name.__class__.__mro__}", "{name[0]}", "{0}", "{}",
                                      "{name:>999999999}", "{name!r}", "{clinic.__init__.__globals__}", "{name",
                                      "{nmae}"])
def test_a_template_may_use_only_the_plain_placeholders(run, clinic, server, template):
    mail_yaml(clinic, server, f"subject: '【{{clinic}}】{template}様'\n")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1 and "mail.yaml:7  subject" in result.output, result.output
    assert "{name}" in result.output  # the message lists what may be used


def test_the_plain_placeholders_still_work(run, write, clinic, server):
    mail_yaml(clinic, server, "subject: '{clinic}: {name}様 {date} {{お知らせ}}'\n")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 0, result.output
    assert server.messages[0]["Subject"] == "サンプル接骨院: 山田 花子様 2026年11月25日 {お知らせ}"


def test_eml_is_a_readable_mail(run, write, clinic, tmp_path):
    eml = tmp_path / "m.eml"
    assert run("send", write("p.yaml", PATIENT), "--content", clinic, "--eml", eml).exit_code == 0
    assert email.message_from_bytes(eml.read_bytes(), policy=policy.default)["To"] == "hanako@example.com"


# -- the send log itself (review finding 4) ---------------------------------------------------------

def test_the_send_log_is_never_written_through_a_symbolic_link(run, clinic, server, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n", encoding="utf-8")
    (out / "send-log.jsonl").symlink_to(victim)
    result = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert result.exit_code == 2, result.output
    assert "シンボリックリンク" in result.output and "send-log.jsonl" in result.output, result.output
    assert victim.read_text(encoding="utf-8") == "someone else's file\n"  # not a byte added
    assert server.messages == []  # nothing sent that could not be logged
    assert "内部エラー" not in result.output and "Traceback" not in result.output


def test_a_send_log_line_that_is_not_an_entry_is_skipped_with_a_warning(run, clinic, server, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "send-log.jsonl").write_text('[1]\n"text"\n{"key": 5, "outcome": "sent"}\n', encoding="utf-8")
    result = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "内部エラー" not in result.output and "Traceback" not in result.output
    for number in (1, 2, 3):
        assert f"send-log.jsonl:{number}: 送信記録として読めない行" in result.output, result.output
    lines = (out / "send-log.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["[1]", '"text"', '{"key": 5, "outcome": "sent"}']  # left as they were
    assert [json.loads(line)["outcome"] for line in lines[3:]] == ["sent", "sent", "sent"]
    assert len(server.messages) == 3


def test_an_empty_to_is_refused_not_replaced_by_the_prescriptions_address(run, write, clinic, server):
    # --to "" used to fall back to patient.email silently: the desk meant another address.
    result = run("send", write("p.yaml", PATIENT), "--content", clinic, "--to", "")
    assert result.exit_code == 1 and "no email address" in result.output, result.output
    assert server.messages == []


@pytest.mark.parametrize("value", ["abc", "-5", "nan", "1e9"])
def test_a_bad_retry_wait_is_the_default_not_an_internal_error(run, write, clinic, server, monkeypatch, value):
    monkeypatch.setenv("HANDOUT_SMTP_RETRY_WAIT", value)
    from clinic_handout.mail_transport import retry_wait
    assert retry_wait() == 1.0
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 0 and "内部エラー" not in result.output, result.output
    assert len(server.messages) == 1
