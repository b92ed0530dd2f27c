"""Email delivery: the clinic's mail settings, the message, sending over TLS, and the send log.

Settings come from the content folder's mail.yaml; the password only from the environment
(HANDOUT_SMTP_PASSWORD, or the variable mail.yaml names) or a prompt, never from a file or the
command line. Nothing is sent unencrypted except to a loopback host (for tests).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import ipaddress
import json
import os
import smtplib
import ssl
import string
import time
from base64 import b64encode
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

from .compose import Handout, japanese_date, safety_text, stretches_text
from .errors import HandoutError, InputError, Problem
from .schema import INVALID, Email, Field, Kind, OneOf, Record, Text, Whole, check_file

PLACEHOLDERS = ("name", "clinic", "phone", "hours", "date", "url", "password_note", "stretches", "safety")
DEFAULT_SUBJECT = "【{clinic}】{name} 様 ストレッチのご案内"
# Right on any day (the handout's date, not 本日), and the sheet's own words for the doses and the red flags.
DEFAULT_BODY = """{name} 様

{clinic}です。{date}のストレッチのご案内を、PDF でお送りします。
{password_note}
【あなたのストレッチ】
{stretches}

【安全のために】
{safety}
くわしくは、PDF の【重要】をお読みください。

――――――――――
{clinic}
電話 {phone}
{hours}
{url}
"""
DEFAULT_PASSWORD_NOTE = ("PDF にはパスワードをかけています。"
                         "パスワードは受付またはお電話でお伝えします（メールではお送りしません）。")


class Template(Text):
    """Text with {name}-style placeholders, checked when the settings are read, not when a mail goes out.

    Only the documented placeholders, each bare: no attribute or index access ({name.__class__},
    {name[0]}), no format spec ({name:>99999999}) and no conversion ({name!r}).
    """

    def convert(self, value, at):
        text = super().convert(value, at)
        if text is INVALID:
            return INVALID
        allowed = "{" + "}, {".join(PLACEHOLDERS) + "}"
        expected = (f"使える差し込み (placeholders): {allowed}。"
                    "{ } そのものは {{ }} と書く (write {{ for a brace)")
        try:
            parts = list(string.Formatter().parse(text))
        except ValueError as error:
            return at.fail(f"{text[:30]}… ({error})", expected)
        for _, field, spec, conversion in parts:
            if field is None:
                continue
            if field not in PLACEHOLDERS or spec or conversion:
                shown = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
                return at.fail(f"{shown} (使えない差し込み / not a placeholder)", expected)
        return text


class ContentFile(Kind):
    expected = "内容フォルダの中のファイル (a file in the content folder)"
    doc = "file, relative to the content folder"

    def convert(self, value, at):
        text = Text().convert(value, at)
        if text is INVALID:
            return INVALID
        path = (at.reader.file.parent / text).resolve()
        return path if path.is_file() else at.fail(f'"{text}" (ファイルがありません / no such file)', self.expected)


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str
    username: str | None
    sender: str
    bcc: str | None
    password_env: str
    ca_file: Path | None
    subject: str
    body: str
    password_note: str

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def _make_settings(**fields) -> MailSettings:
    fields["sender"] = fields.pop("from")
    return MailSettings(**fields)


MAIL = Record([
    Field("host", Text(), "送信サーバー (the SMTP server)", required=True),
    Field("port", Whole(1, 65535), "ポート (port: 587 for starttls, 465 for ssl)", required=True),
    Field("security", OneOf(["starttls", "ssl", "none"]), "暗号化 (encryption; none only for 127.0.0.1)",
          default="starttls"),
    Field("username", Text(), "ユーザー名 (login; none: no authentication)"),
    Field("from", Email(), "差出人のアドレス (the clinic's address)", required=True),
    Field("bcc", Email(), "控えの送り先 (a copy of every mail to the clinic's archive)"),
    Field("password_env", Text(pattern=r"[A-Z_][A-Z0-9_]*", pattern_doc="環境変数の名前 (an environment variable)"),
          "パスワードを入れる環境変数 (the environment variable holding the password)",
          default="HANDOUT_SMTP_PASSWORD"),
    Field("ca_file", ContentFile(), "証明書 (a CA certificate, for a mail server with its own certificate)"),
    Field("subject", Template(), "件名 (the subject)", default=DEFAULT_SUBJECT),
    Field("body", Template(multiline=True), "本文 (the body)", default=DEFAULT_BODY),
    Field("password_note", Template(multiline=True), "パスワード付きPDFのときの一文 (said when the PDF has a password)",
          default=DEFAULT_PASSWORD_NOTE),
], make=_make_settings)


def load_settings(folder: Path) -> MailSettings:
    path = folder / "mail.yaml"
    if not path.exists():
        raise InputError([Problem(path, None, "", "ファイルがありません (no mail.yaml)",
                                  "送信設定 (mail settings: copy mail.yaml from `handout init` and fill it in)")])
    value, problems = check_file(path, MAIL)
    if problems or value is INVALID:
        raise InputError(problems)
    if value.security == "none" and not value.loopback:
        raise InputError([Problem(path, None, "security", "none (暗号化なし / unencrypted)",
                                  "starttls か ssl (health information is never sent in the clear)")])
    return value


SEE_THE_PDF = "内容は添付の PDF をご覧ください (see the attached PDF)"


def message(settings: MailSettings, handout: Handout, clinic_hours: str, to: str, pdf: bytes, filename: str,
            encrypted: bool, message_id: str) -> EmailMessage:
    """The mail: UTF-8, a Japanese subject, the clinic's signature, the PDF with an RFC 2231 file name."""
    clinic = handout.clinic
    values = {"name": handout.patient_name, "clinic": clinic.name, "phone": clinic.phone, "hours": clinic_hours,
              "date": japanese_date(handout.date), "url": clinic.url or "",
              "stretches": stretches_text(handout), "safety": safety_text(handout.safety), "password_note": ""}
    if encrypted:
        # The PDF is locked, so the mail body must not say in clear text what it hides: this patient's
        # stretches and doses stay in the PDF only. {safety} stays: it is the clinic's one notice for
        # every patient (texts.yaml), names nothing personal, and says when to go to a hospital.
        values["stretches"] = SEE_THE_PDF
        values["password_note"] = settings.password_note.format(**values)
    mail = EmailMessage()
    mail["Subject"] = settings.subject.format(**values)
    mail["From"] = formataddr((clinic.name, settings.sender))
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = message_id
    mail.set_content(settings.body.format(**values), charset="utf-8")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return mail


def message_id(settings: MailSettings, key: str) -> str:
    """The same handout to the same address always gets the same Message-ID: a resend after a crash
    is then one mail to the patient's mail program, not two."""
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "clinic-handout"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def valid_address(address: str | None) -> bool:
    """One plain address, exactly as typed (see schema.Email): nothing smtplib or a server could read otherwise."""
    pattern = Email().pattern
    if not address or pattern is None:
        return False
    return pattern.fullmatch(address) is not None


class Mailer:
    """One SMTP connection, opened on first use, over TLS (or loopback for tests)."""

    def __init__(self, settings: MailSettings, password: str | None, timeout: float = 30):
        self.settings, self.password, self.timeout = settings, password, timeout
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file else None)
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            if s.security == "starttls":
                smtp.starttls(context=context)
        if s.username:
            if s.security == "none" and not s.loopback:  # load_settings refuses this already; never log in in clear
                raise HandoutError("認証は暗号化した接続でだけ行います (authentication only over TLS)")
            smtp.ehlo_or_helo_if_needed()
            password = self.password or ""
            if "PLAIN" in smtp.esmtp_features.get("auth", "").upper().split():
                # Over TLS, PLAIN alone: login() would try the next mechanism after a refusal, and a
                # wrong password must be one clear 535, not a retry that waits for a timeout.
                # PLAIN is UTF-8 (RFC 4616); smtplib would encode it as ASCII and fail on パスワード.
                token = b64encode(f"\0{s.username}\0{password}".encode()).decode("ascii")
                code, reply = smtp.docmd("AUTH", "PLAIN " + token)
                if code != 235:
                    raise smtplib.SMTPAuthenticationError(code, reply)
            else:
                if not (s.username + password).isascii():
                    raise HandoutError("このサーバーでは ASCII 以外の文字のユーザー名・パスワードは使えません "
                                       "(the server offers no AUTH PLAIN: a user name or password with "
                                       "non-ASCII characters cannot be sent; use one in ASCII letters)")
                smtp.login(s.username, password)
        return smtp

    def send(self, mail: EmailMessage, to: str) -> tuple[int, bytes] | None:
        """Sends mail to `to` (and the bcc copy); returns the bcc's refusal, or None.

        The patient's RCPT comes first and alone: if the server refuses it, nothing is sent at all
        (not even the bcc copy) and SMTPRecipientsRefused is raised. smtplib's sendmail would
        instead return refused recipients as a dict when another one was accepted.
        """
        if self.smtp is None:
            self.smtp = self._connect()
        smtp, sender = self.smtp, self.settings.sender
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            self._abort(code)
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = smtp.rcpt(to)
        if code not in (250, 251):
            self._abort(code)
            raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
        bcc_refused = None
        bcc = self.settings.bcc
        if bcc and bcc.lower() != to.lower():
            code, reply = smtp.rcpt(bcc)
            if code not in (250, 251):
                bcc_refused = (code, reply)
        with io.BytesIO() as flat:
            BytesGenerator(flat, policy=mail.policy.clone(linesep="\r\n")).flatten(mail, linesep="\r\n")
            data = flat.getvalue()
        code, reply = smtp.data(data)
        if code != 250:
            self._abort(code)
            raise smtplib.SMTPDataError(code, reply)
        return bcc_refused

    def _abort(self, code: int) -> None:
        if self.smtp is None:
            return
        if code == 421:
            self.smtp.close()
            self.smtp = None
        else:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.rset()

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None


def temporary(error: Exception) -> bool:
    """A failure worth retrying: a 4xx reply, a dropped or refused connection."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError))


def retry_wait() -> float:
    """HANDOUT_SMTP_RETRY_WAIT (seconds before the first retry; tests set it to 0); anything but a
    number from 0 to 60 is the default, 1 s, never an internal error."""
    try:
        wait = float(os.environ.get("HANDOUT_SMTP_RETRY_WAIT", "1"))
    except ValueError:
        return 1.0
    return wait if 0 <= wait <= 60 else 1.0


def send_with_retries(mailer: Mailer, mail: EmailMessage, to: str, attempts: int = 4,
                      first_wait: float | None = None) -> tuple[int, bytes] | None:
    """Sends to `to`, retrying temporary failures with waits of 1, 2, 4 s; raises the last error.

    Returns the server's refusal of the bcc copy, or None."""
    if first_wait is None:
        first_wait = retry_wait()
    for attempt in range(attempts):
        try:
            return mailer.send(mail, to)
        except (smtplib.SMTPException, OSError) as error:
            if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
                mailer.smtp = None  # reconnect on the next try
            if not temporary(error) or attempt == attempts - 1:
                raise
            time.sleep(first_wait * 2 ** attempt)
    raise ValueError("attempts must be at least 1")


def describe_reply(reply: tuple[int, bytes | str]) -> str:
    code, text = reply
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def describe(error: Exception, settings: MailSettings | None = None) -> str:
    """Why a send failed, as a Japanese sentence with what to check (mail_messages.explain)."""
    from .mail_messages import explain

    if settings is None:
        return explain(error)
    return explain(error, settings.host, settings.port, settings.password_env)


class SendLog:
    """send-log.jsonl in the output folder: one line per attempt, flushed to disk before the next mail."""

    def __init__(self, path: Path):
        from .deliver import check_target

        check_target(path)  # never appended to through a symbolic link (names and addresses would land there)
        self.path = path
        self.sent: set[str] = set()
        self.skipped: list[int] = []  # line numbers that are not a log entry (said as a warning)
        if path.exists():
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    entry = None  # e.g. a line cut short by a crash: that mail is not known to be sent
                if not isinstance(entry, dict) or not isinstance(entry.get("key", ""), str):
                    if line.strip():
                        self.skipped.append(number)
                    continue
                if entry.get("outcome") == "sent" and entry.get("key"):
                    self.sent.add(entry["key"])

    def write(self, **entry) -> None:
        entry = {"time": dt.datetime.now().astimezone().isoformat(timespec="seconds"), **entry}
        # O_NOFOLLOW: a symbolic link put in its place after the check is refused, not followed.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            file.flush()
            os.fsync(file.fileno())
        if entry.get("outcome") == "sent":
            self.sent.add(entry["key"])


def send_key(filename: str, address: str, pdf: bytes) -> str:
    """What makes a send the same send: this handout (its bytes) to this address."""
    return f"{filename}|{address.lower()}|{hashlib.sha256(pdf).hexdigest()[:16]}"


def template_settings(folder: Path, clinic_email: str | None) -> MailSettings:
    """The mail settings, or, for --eml and --dry-run without a mail.yaml, the default templates."""
    if (folder / "mail.yaml").exists():
        return load_settings(folder)
    return MailSettings(host="", port=0, security="starttls", username=None,
                        sender=clinic_email or "clinic@example.com", bcc=None, password_env="HANDOUT_SMTP_PASSWORD",
                        ca_file=None, subject=DEFAULT_SUBJECT, body=DEFAULT_BODY, password_note=DEFAULT_PASSWORD_NOTE)


def encrypt(pdf: bytes, password: str) -> bytes:
    """The PDF protected with AES-256 (pypdf with its crypto extra): it opens only with the password."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hours_text(handout: Handout) -> str:
    clinic = handout.clinic
    return f"{clinic.hours_label}：" + " ／ ".join(clinic.hours)


@dataclass
class Delivery:
    """One handout to send: who, where, and the very bytes that were built and written for them."""

    label: str
    handout: Handout
    address: str | None
    path: Path
    pdf: bytes

    @property
    def to(self) -> str:
        """The address, of a delivery check_addresses passed."""
        if not self.address:
            raise ValueError(f"{self.label}: no address")
        return self.address


def check_addresses(deliveries: list[Delivery]) -> tuple[list[Delivery], list[tuple[str, str]],
                                                         dict[str, list[str]]]:
    """(sendable, [(label, problem)], {address: names} for addresses that different patients share)."""
    good: list[Delivery] = []
    bad: list[tuple[str, str]] = []
    names: dict[str, set[str]] = {}
    for delivery in deliveries:
        if not delivery.address:
            bad.append((delivery.label, "メールアドレスがありません (no email address)"))
        elif not valid_address(delivery.address):
            problem = f'"{delivery.address}" はメールアドレスの形ではありません (not an email address)'
            bad.append((delivery.label, problem))
        else:
            good.append(delivery)
            names.setdefault(delivery.address.lower(), set()).add(delivery.handout.patient_name)
    shared = {address: sorted(people) for address, people in names.items() if len(people) > 1}
    return good, bad, shared


def send_all(deliveries: list[Delivery], settings: MailSettings, password: str | None, log: SendLog,
             stop_requested, report, retry_wait: float | None = None,
             logged=None) -> tuple[int, int, list[tuple[str, str]]]:
    """Sends each delivery not yet in the log; returns (sent, skipped, [(label, error)]).

    stop_requested() is asked between mails (Ctrl-C finishes the mail in flight, then stops).
    logged(delivery, entry) is given each log entry (sent or failed) once it is on disk: the history
    records the very same words, so the two never tell different stories. It must not raise.
    """
    mailer = Mailer(settings, password)
    sent = skipped = 0
    failed: list[tuple[str, str]] = []
    try:
        for delivery in deliveries:
            if stop_requested():
                break
            pdf = delivery.pdf  # the bytes built for this row, never re-read from a path another step may replace
            key = send_key(delivery.path.name, delivery.to, pdf)
            if key in log.sent:
                skipped += 1
                continue
            mail = message(settings, delivery.handout, hours_text(delivery.handout), delivery.to, pdf,
                           delivery.path.name, False, message_id(settings, key))
            entry = {"patient": delivery.handout.patient_name, "address": delivery.address,
                     "file": delivery.path.name, "message_id": mail["Message-ID"], "key": key}
            try:
                bcc_refused = send_with_retries(mailer, mail, delivery.to, first_wait=retry_wait)
            except (smtplib.SMTPException, OSError) as error:
                entry.update(outcome="failed", error=describe(error))
                log.write(**entry)
                if logged:
                    logged(delivery, entry)
                failed.append((delivery.label, describe(error)))
                if isinstance(error, smtplib.SMTPAuthenticationError):
                    break  # every other mail would fail the same way
                continue
            if bcc_refused:
                entry["bcc_refused"] = f"{settings.bcc}: {describe_reply(bcc_refused)}"
            entry["outcome"] = "sent"
            log.write(**entry)
            if logged:
                logged(delivery, entry)
            sent += 1
            report(delivery, entry.get("bcc_refused"))
    finally:
        mailer.close()
    return sent, skipped, failed
