"""Email delivery against a real SMTP server on 127.0.0.1 (aiosmtpd): STARTTLS, authentication, faults."""
import asyncio
import datetime as dt
import email
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from email import policy

import pytest
from pypdf import PdfReader

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd (a test dependency) runs the local SMTP server")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

from .conftest import SAMPLE, STANDARD  # noqa: E402

PASSWORD = "correct horse"
PATIENT = STANDARD.replace("  name: 山田 花子\n", "  name: 山田 花子\n  email: hanako@example.com\n")


def certificate(folder):
    """A self-signed certificate for 127.0.0.1, made here: the client trusts it through mail.yaml's ca_file."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


class Inbox:
    """What the server received; and the faults a test asks for."""

    def __init__(self):
        self.messages = []
        self.raw = []  # the bytes as received
        self.refuse = set()  # recipients answered 550
        self.refuse_data = False  # DATA answered 554 (a permanent refusal of the message)
        self.data_attempts = 0
        self.fail_next = 0  # DATA answered 451 this many times
        self.delay = 0.0
        self.envelopes = []  # the RCPT TO addresses of each mail delivered
        self.rcpt_attempts = []  # every RCPT TO the server was asked, accepted or not
        self.password = PASSWORD

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_attempts.append(address)
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_attempts += 1
        if self.refuse_data:
            return "554 5.7.1 message refused"
        if self.fail_next:
            self.fail_next -= 1
            return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        self.raw.append(envelope.content)
        self.envelopes.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    import ssl

    cert, key = certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.login == b"clinic" and auth_data.password == inbox.password.encode(),
                          handled=False)  # let the server answer 535 itself

    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_required=True, auth_require_tls=True)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def clinic(tmp_path, server, monkeypatch):
    folder = tmp_path / "clinic"
    shutil.copytree(SAMPLE, folder)
    shutil.copy(tmp_path / "cert.pem", folder / "cert.pem")
    (folder / "mail.yaml").write_text(
        f"host: 127.0.0.1\nport: {server.port}\nsecurity: starttls\nusername: clinic\n"
        "from: clinic@example.com\nca_file: cert.pem\n", encoding="utf-8")
    monkeypatch.setenv("HANDOUT_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("HANDOUT_SMTP_RETRY_WAIT", "0.05")
    return folder


def attachment(mail):
    part, = [p for p in mail.iter_attachments()]
    return part


def test_send_over_starttls_with_authentication(run, write, clinic, server, tmp_path):
    source = write("p.yaml", PATIENT)
    result = run("send", source, "--content", clinic)
    assert result.exit_code == 0, result.output
    mail, = server.messages
    assert mail["Subject"] == "【サンプル接骨院】山田 花子 様 ストレッチのご案内"  # spaced as in the body
    assert mail["To"] == "hanako@example.com" and "clinic@example.com" in mail["From"]
    body = mail.get_body(("plain",)).get_content()
    assert "山田 花子 様" in body and "電話 03-0000-0000" in body and "受付時間" in body
    part = attachment(mail)
    assert part.get_filename() == "2026-11-25_山田花子.pdf"
    assert b"filename*=utf-8''" in server.raw[0]  # RFC 2231, for Gmail, Outlook and iPhone Mail
    built = tmp_path / "built.pdf"
    assert run("build", source, "-o", built, "--content", clinic).exit_code == 0
    assert part.get_content() == built.read_bytes()


def test_eml_and_dry_run_send_nothing(run, write, clinic, server, tmp_path):
    source = write("p.yaml", PATIENT)
    dry = run("send", source, "--content", clinic, "--dry-run")
    assert dry.exit_code == 0 and "hanako@example.com" in dry.output and "2026-11-25_山田花子.pdf" in dry.output
    eml = tmp_path / "mail.eml"
    result = run("send", source, "--content", clinic, "--eml", eml, "--to", "other@example.com")
    assert result.exit_code == 0, result.output
    mail = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["To"] == "other@example.com" and attachment(mail).get_filename() == "2026-11-25_山田花子.pdf"
    assert server.messages == []


def test_encrypted_pdf_opens_only_with_the_password(run, write, clinic, server, tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUT_PDF_PASSWORD", "desk-1234")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic, "--encrypt")
    assert result.exit_code == 0, result.output
    mail, = server.messages
    body = mail.get_body(("plain",)).get_content()
    assert "パスワードは受付またはお電話でお伝えします" in body and "desk-1234" not in mail.as_string()
    pdf = tmp_path / "received.pdf"
    pdf.write_bytes(attachment(mail).get_content())
    reader = PdfReader(str(pdf))
    assert reader.is_encrypted
    assert reader.decrypt("wrong") == 0
    assert reader.decrypt("desk-1234") != 0
    assert "山田 花子 様" in reader.pages[0].extract_text()


def test_a_temporary_failure_is_retried(run, write, clinic, server):
    server.fail_next = 1
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 0, result.output
    assert len(server.messages) == 1


def test_wrong_password_is_reported(run, write, clinic, server, monkeypatch):
    monkeypatch.setenv("HANDOUT_SMTP_PASSWORD", "wrong")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1 and "535" in result.output and "Traceback" not in result.output
    assert server.messages == []


def test_server_down_is_reported(run, write, clinic, server):
    text = (clinic / "mail.yaml").read_text(encoding="utf-8").replace(f"port: {server.port}", f"port: {free_port()}")
    (clinic / "mail.yaml").write_text(text, encoding="utf-8")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1 and "not sent" in result.output and "Traceback" not in result.output


def test_unencrypted_sending_is_refused_except_to_loopback(run, write, clinic):
    (clinic / "mail.yaml").write_text("host: mail.example.com\nport: 25\nsecurity: none\nfrom: clinic@example.com\n",
                                      encoding="utf-8")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1 and "security" in result.output and "in the clear" in result.output


def test_no_address_is_an_error(run, write, clinic, server):
    result = run("send", write("p.yaml", STANDARD), "--content", clinic)
    assert result.exit_code == 1 and "--to" in result.output
    assert server.messages == []


BATCH = ("name,area,date,email\n"
         "一人目 花子,upper,2026-11-25,one@example.com\n"
         "二人目 花子,lower,2026-11-25,two@example.com\n"
         "三人目 花子,both,2026-11-25,three@example.com\n")


def batch_csv(tmp_path, text=BATCH):
    path = tmp_path / "day.csv"
    path.write_text(text, encoding="utf-8")
    return path


def log_lines(out):
    return [json.loads(line) for line in (out / "send-log.jsonl").read_text(encoding="utf-8").splitlines()]


def test_batch_send_reports_a_refused_address_and_a_rerun_sends_only_the_rest(run, clinic, server, tmp_path):
    server.refuse.add("two@example.com")
    out = tmp_path / "out"
    result = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert result.exit_code == 1
    assert "2 sent, 1 failed" in result.output and "550" in result.output
    assert sorted(m["To"] for m in server.messages) == ["one@example.com", "three@example.com"]
    assert [(e["patient"], e["outcome"]) for e in log_lines(out)] == [
        ("一人目 花子", "sent"), ("二人目 花子", "failed"), ("三人目 花子", "sent")]
    assert all(e["message_id"] and e["address"] and e["file"] and e["time"] for e in log_lines(out))
    server.refuse.clear()
    again = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert again.exit_code == 0, again.output
    assert sorted(m["To"] for m in server.messages) == ["one@example.com", "three@example.com", "two@example.com"]
    third = run("batch", batch_csv(tmp_path), "-o", out, "--content", clinic, "--send", "--yes", "--jobs", "1")
    assert "nothing to send" in third.output and len(server.messages) == 3


def test_batch_send_row_errors_for_missing_or_bad_addresses(run, clinic, server, tmp_path):
    text = BATCH + "四人目 花子,upper,2026-11-25,\n五人目 花子,upper,2026-11-25,five@\n"
    result = run("batch", batch_csv(tmp_path, text), "-o", tmp_path / "out", "--content", clinic, "--send", "--yes",
                 "--jobs", "1")
    assert result.exit_code == 1
    assert "5行目 四人目 花子 (row 5): メールアドレスがありません" in result.output
    assert "6行目 五人目 花子 (row 6)" in result.output
    assert len(server.messages) == 3


def test_batch_send_asks_before_sending_and_warns_of_a_shared_address(clinic, server, tmp_path):
    from click.testing import CliRunner

    from clinic_handout.cli import cli

    text = BATCH.replace("three@example.com", "one@example.com")
    result = CliRunner().invoke(cli, ["batch", str(batch_csv(tmp_path, text)), "-o", str(tmp_path / "out"),
                                      "--content", str(clinic), "--send", "--jobs", "1"], input="n\n")
    assert result.exit_code == 1 and "one@example.com" in result.output and "shared" in result.output
    assert server.messages == []


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_batch_of_20_resumes_without_skipping(clinic, server, tmp_path, how):
    """Ctrl-C or a kill (SIGTERM) stops after the mail in flight, and a re-run delivers each handout exactly once.
    SIGKILL cannot be caught: a mail in flight then may be sent again, with the same Message-ID."""
    rows = "name,area,date,email\n" + "".join(f"患者 {i}号,upper,2026-11-25,p{i}@example.com\n" for i in range(20))
    source = batch_csv(tmp_path, rows)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "clinic_handout", "batch", str(source), "-o", str(out), "--content",
               str(clinic), "--send", "--yes", "--jobs", "1"]
    env = {**os.environ, "HANDOUT_SMTP_PASSWORD": PASSWORD, "HANDOUT_SMTP_RETRY_WAIT": "0.05"}
    server.delay = 0.3
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    deadline = time.time() + 60
    while len(server.messages) < 5 and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(how)
    process.wait(timeout=60)
    assert process.returncode != 0
    lines = log_lines(out)  # every line is whole JSON
    assert 5 <= len(server.messages) < 20
    server.delay = 0
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    by_address = {}
    for mail in server.messages:
        by_address.setdefault(mail["To"], set()).add(mail["Message-ID"])
    assert sorted(by_address) == sorted(f"p{i}@example.com" for i in range(20))  # no gap
    assert all(len(ids) == 1 for ids in by_address.values())  # a resend would be the same message
    if how != signal.SIGKILL:
        assert len(server.messages) == 20  # exactly once, as read from the server's mailbox
    assert len([e for e in log_lines(out) if e["outcome"] == "sent"]) == 20 and lines


def test_validate_checks_the_mail_settings(run, clinic):
    assert run("validate", "--content", clinic).exit_code == 0
    (clinic / "mail.yaml").write_text("host: smtp.example.com\nport: 587\nsecurty: ssl\nfrom: x@example.com\n"
                                      "subject: '{nmae}様'\n", encoding="utf-8")
    result = run("validate", "--content", clinic)
    assert result.exit_code == 1
    assert "mail.yaml:3  securty" in result.output and "'security'" in result.output
    assert "mail.yaml:5  subject" in result.output and "{name}" in result.output


def test_an_encrypted_mail_does_not_list_the_stretches_in_clear_text(run, write, clinic, server, tmp_path,
                                                                     monkeypatch):
    # Review finding 3: the locked PDF's content (this patient's stretches and doses) is not in the body.
    monkeypatch.setenv("HANDOUT_PDF_PASSWORD", "desk-1234")
    source = write("p.yaml", PATIENT)
    plain_eml, locked_eml = tmp_path / "plain.eml", tmp_path / "locked.eml"
    assert run("send", source, "--content", clinic, "--eml", plain_eml).exit_code == 0
    result = run("send", source, "--content", clinic, "--encrypt", "--eml", locked_eml)
    assert result.exit_code == 0, result.output
    plain = email.message_from_bytes(plain_eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    locked = email.message_from_bytes(locked_eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    assert "1. 股関節の前のストレッチ" in plain and "10秒 × 5回" in plain  # what an unlocked mail lists
    assert "股関節の前のストレッチ" not in locked and "秒 ×" not in locked and "回 ・ 1日" not in locked, locked
    assert "【あなたのストレッチ】\n内容は添付の PDF をご覧ください (see the attached PDF)" in locked, locked
    assert "■ " in locked  # the clinic's one safety notice (the same for every patient) stays
