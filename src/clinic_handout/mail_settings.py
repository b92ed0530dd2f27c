"""The clinic's mail settings (mail.yaml): server, sender, archive copy, and the templates of a mail.

The password is never here: only in the environment (HANDOUT_SMTP_PASSWORD, or the variable mail.yaml
names) or typed at a prompt. A template may use only the documented placeholders, checked when the
settings are read.
"""
from __future__ import annotations

import ipaddress
import string
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem
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


@dataclass(frozen=True, kw_only=True)
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


def template_settings(folder: Path, clinic_email: str | None) -> MailSettings:
    """The mail settings, or, for --eml and --dry-run without a mail.yaml, the default templates."""
    if (folder / "mail.yaml").exists():
        return load_settings(folder)
    return MailSettings(host="", port=0, security="starttls", username=None,
                        sender=clinic_email or "clinic@example.com", bcc=None, password_env="HANDOUT_SMTP_PASSWORD",
                        ca_file=None, subject=DEFAULT_SUBJECT, body=DEFAULT_BODY, password_note=DEFAULT_PASSWORD_NOTE)
