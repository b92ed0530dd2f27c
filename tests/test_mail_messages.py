"""Why a mail did not go, as a Japanese sentence with what to check: no Python exception names.

The sentences are written out here; the failures are real ones where that is quick (a host that does
not exist, a closed port, an untrusted certificate, a wrong password) and made by hand otherwise."""
import smtplib
import socket
import ssl

import pytest

from clinic_handout.mail_messages import explain

from .conftest import STANDARD
from .test_mail import PATIENT, clinic, free_port, server  # noqa: F401  (fixtures)

PYTHON_WORDS = ("Error", "error:", "Errno", "gaierror", "Exception", "None", "Traceback", "socket.", "ssl.")


def _plain(text: str) -> None:
    for word in PYTHON_WORDS:
        assert word not in text, f"{word!r} in {text!r}"


@pytest.mark.parametrize("error, sentence", [
    (socket.gaierror(-2, "Name or service not known"),
     "メールサーバー「mail.example.jp」が見つかりません。mail.yaml の host の綴りと、インターネットにつながっているかを"
     "確かめてください (mail server not found)"),
    (ConnectionRefusedError(111, "Connection refused"),
     "「mail.example.jp」の 587 番ポートにつながりません（接続を断られました）。mail.yaml の host と port"
     "（starttls なら 587、ssl なら 465）を確かめてください (connection refused)"),
    (TimeoutError("timed out"),
     "「mail.example.jp」の 587 番ポートから返事がありません（時間切れ）。mail.yaml の host と port、"
     "インターネットへのつながり（院内のファイアウォール）を確かめてください (timed out)"),
    (TimeoutError("timed out"),
     "「mail.example.jp」の 587 番ポートから返事がありません（時間切れ）。mail.yaml の host と port、"
     "インターネットへのつながり（院内のファイアウォール）を確かめてください (timed out)"),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 Username and Password not accepted"),
     "ログインできません。mail.yaml の username と、パスワード（環境変数 CLINIC_PW）を確かめてください。"
     "Gmail や Microsoft 365 はアプリ パスワードが必要です "
     "(login failed: 535 5.7.8 Username and Password not accepted)"),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
     "「mail.example.jp」が途中で接続を切りました。port と security の組み合わせ（587 なら starttls、465 なら ssl）"
     "を確かめ、しばらくしてからもう一度送ってください (connection closed by the server)"),
    (smtplib.SMTPRecipientsRefused({"a@example.jp": (550, b"5.1.1 no such mailbox")}),
     "送り先のアドレスをサーバーが受け付けません: a@example.jp（550 5.1.1 no such mailbox）。"
     "アドレスの綴りを確かめてください (recipient refused)"),
    (smtplib.SMTPDataError(451, b"4.3.0 try again later"),
     "サーバーが今は受け付けません（一時的）。しばらくしてからもう一度送ってください "
     "(temporary failure: 451 4.3.0 try again later)"),
])
def test_each_failure_is_a_japanese_sentence_saying_what_to_check(error, sentence):
    text = explain(error, "mail.example.jp", 587, "CLINIC_PW")
    assert text == sentence
    _plain(text)


def test_certificate_and_tls_failures():
    cert = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    cert.verify_message = "self-signed certificate"
    text = explain(cert, "mail.example.jp", 465)
    assert text.startswith("「mail.example.jp」の証明書を確かめられません。host がプロバイダの案内どおりの名前か、"
                           "自前の証明書なら mail.yaml の ca_file を確かめてください")
    assert text.endswith("(certificate not trusted: self-signed certificate)")
    handshake = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    handshake.reason = "WRONG_VERSION_NUMBER"
    assert explain(handshake, "mail.example.jp", 587).startswith(
        "「mail.example.jp」との暗号化の方式が合いません。mail.yaml の port と security を確かめてください")


def _mail_yaml(folder, **changes):
    text = (folder / "mail.yaml").read_text(encoding="utf-8")
    for old, new in changes.items():
        text = text.replace(old, new)
    (folder / "mail.yaml").write_text(text, encoding="utf-8")


def test_host_not_found_for_real(run, write, clinic, server):  # noqa: F811
    _mail_yaml(clinic, **{"host: 127.0.0.1": "host: no-such-host.invalid"})
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1
    assert "メールサーバー「no-such-host.invalid」が見つかりません。mail.yaml の host の綴り" in result.output
    _plain(result.output)


def test_connection_refused_for_real(run, write, clinic, server):  # noqa: F811
    port = free_port()
    _mail_yaml(clinic, **{f"port: {server.port}": f"port: {port}"})
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1
    assert f"「127.0.0.1」の {port} 番ポートにつながりません（接続を断られました）" in result.output
    _plain(result.output)


def test_untrusted_certificate_for_real(run, write, clinic, server):  # noqa: F811
    _mail_yaml(clinic, **{"ca_file: cert.pem\n": ""})
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1
    assert "「127.0.0.1」の証明書を確かめられません。" in result.output and "ca_file" in result.output
    _plain(result.output)


def test_wrong_password_for_real(run, write, clinic, server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HANDOUT_SMTP_PASSWORD", "wrong")
    result = run("send", write("p.yaml", PATIENT), "--content", clinic)
    assert result.exit_code == 1
    assert "ログインできません。mail.yaml の username と、パスワード（環境変数 HANDOUT_SMTP_PASSWORD）" in result.output
    assert "535" in result.output
    _plain(result.output)


def test_no_address_says_where_to_write_it(run, write, clinic, server):  # noqa: F811
    result = run("send", write("p.yaml", STANDARD), "--content", clinic)
    assert result.exit_code == 1
    assert "送り先のメールアドレスがありません。処方ファイルの patient: の下に email: を書くか" in result.output
    _plain(result.output)


def test_the_send_question_answers_a_wrong_answer_in_japanese_and_asks_again(clinic, server, tmp_path):  # noqa: F811
    from click.testing import CliRunner

    from clinic_handout.cli import cli

    source = tmp_path / "day.csv"
    source.write_text("名前,部位,日付,メール\n一人目 花子,上,2026/11/25,one@example.com\n", encoding="utf-8")
    args = ["batch", str(source), "-o", str(tmp_path / "out"), "--content", str(clinic), "--send", "--jobs", "1"]
    result = CliRunner().invoke(cli, args, input="hai\nn\n")
    assert result.exit_code == 1
    assert '"hai" は はい・いいえ ではありません' in result.output and "もう一度入力してください" in result.output
    assert "invalid input" not in result.output and "Error:" not in result.output
    assert server.messages == []
    sent = CliRunner().invoke(cli, args, input="ｙ\n")  # a full-width y from a Japanese keyboard is yes
    assert sent.exit_code == 0, sent.output
    assert [m["To"] for m in server.messages] == ["one@example.com"]


def test_the_pdf_password_is_asked_twice_in_japanese(clinic, server, tmp_path, monkeypatch):  # noqa: F811
    from click.testing import CliRunner
    from pypdf import PdfReader

    from clinic_handout.cli import cli

    monkeypatch.delenv("HANDOUT_PDF_PASSWORD", raising=False)
    source = tmp_path / "p.yaml"
    source.write_text(PATIENT, encoding="utf-8")
    eml = tmp_path / "m.eml"
    # empty, then two entries that differ, then the same twice
    result = CliRunner().invoke(cli, ["send", str(source), "--content", str(clinic), "--encrypt", "--eml", str(eml)],
                                input="\nabc\nabd\nxyz123\nxyz123\n")
    assert result.exit_code == 0, result.output
    assert "パスワードが空です" in result.output and "2回の入力が違います。もう一度入力してください" in result.output
    assert "do not match" not in result.output and "Error:" not in result.output
    import email
    from email import policy
    mail = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    pdf = next(mail.iter_attachments()).get_content()
    import io
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted and reader.decrypt("xyz123") and not PdfReader(io.BytesIO(pdf)).decrypt("abc")
