"""Sending one mail over SMTP: TLS (or loopback for tests), AUTH PLAIN in UTF-8, the patient's address
offered first and alone, retries of temporary failures, and why a send failed as a sentence.
"""
from __future__ import annotations

import contextlib
import io
import os
import smtplib
import ssl
import time
from base64 import b64encode
from email.generator import BytesGenerator
from email.message import EmailMessage

from .errors import HandoutError
from .mail_settings import MailSettings


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
