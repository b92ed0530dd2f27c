"""A handout's mail: the message, each address checked, and a batch's mails sent one by one.

The settings are mail_settings.py, sending one mail mail_transport.py, the send log send_log.py.
Nothing is sent unencrypted except to a loopback host (for tests).
"""
from __future__ import annotations

import hashlib
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

from .compose import Handout, japanese_date, safety_text, stretches_text
from .mail_settings import MailSettings
from .mail_transport import Mailer, describe, describe_reply, send_with_retries
from .schema import Email
from .send_log import SendLog, send_key

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
