"""Why a mail did not go, said as a sentence the front desk can act on (no Python exception names).

Each failure says what happened and what to check (mail.yaml's host, port, security, username, the
password's environment variable). The server's own reply (e.g. `535 5.7.8 …`) is kept in brackets:
it is what a provider's support asks for.
"""
from __future__ import annotations

import errno
import smtplib
import socket
import ssl


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {text}".strip()


def explain(error: BaseException, host: str | None = None, port: int | None = None,
            password_env: str | None = None) -> str:
    """A Japanese sentence for a failed send: what happened, what to check; English in brackets."""
    server = f"「{host}」" if host else "メールサーバー"
    at_port = f"の {port} 番ポート" if port else ""
    variable = password_env or "HANDOUT_SMTP_PASSWORD"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (f"ログインできません。mail.yaml の username と、パスワード（環境変数 {variable}）を確かめてください。"
                "Gmail や Microsoft 365 はアプリ パスワードが必要です "
                f"(login failed: {_reply(error)})")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "、".join(f"{address}（{code} {message.decode(errors='replace')}）"
                           for address, (code, message) in error.recipients.items())
        return (f"送り先のアドレスをサーバーが受け付けません: {refused}。アドレスの綴りを確かめてください "
                "(recipient refused)")
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (f"差出人のアドレスをサーバーが受け付けません。mail.yaml の from を、ログインするアカウントの"
                f"アドレスにしてください (sender refused: {_reply(error)})")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return ("サーバーが暗号化（STARTTLS）やログインに対応していません。mail.yaml の port と security を"
                "プロバイダの案内どおりにしてください（587 なら starttls、465 なら ssl） (not supported by the server)")
    if isinstance(error, smtplib.SMTPResponseException):
        if 400 <= error.smtp_code < 500:
            return (f"サーバーが今は受け付けません（一時的）。しばらくしてからもう一度送ってください "
                    f"(temporary failure: {_reply(error)})")
        return f"サーバーが断りました。返事の内容をプロバイダに確かめてください (refused: {_reply(error)})"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return (f"{server}が途中で接続を切りました。port と security の組み合わせ（587 なら starttls、465 なら ssl）"
                "を確かめ、しばらくしてからもう一度送ってください (connection closed by the server)")
    if isinstance(error, ssl.SSLCertVerificationError):
        return (f"{server}の証明書を確かめられません。host がプロバイダの案内どおりの名前か、"
                "自前の証明書なら mail.yaml の ca_file を確かめてください "
                f"(certificate not trusted: {error.verify_message or 'verify failed'})")
    if isinstance(error, ssl.SSLError):
        return (f"{server}との暗号化の方式が合いません。mail.yaml の port と security を確かめてください"
                f"（587 なら starttls、465 なら ssl） (TLS handshake failed: {error.reason or 'SSL error'})")
    if isinstance(error, socket.gaierror):
        return (f"メールサーバー{server}が見つかりません。mail.yaml の host の綴りと、"
                "インターネットにつながっているかを確かめてください (mail server not found)")
    if isinstance(error, ConnectionRefusedError):
        return (f"{server}{at_port}につながりません（接続を断られました）。mail.yaml の host と port"
                "（starttls なら 587、ssl なら 465）を確かめてください (connection refused)")
    if isinstance(error, (TimeoutError, socket.timeout)):
        return (f"{server}{at_port}から返事がありません（時間切れ）。mail.yaml の host と port、"
                "インターネットへのつながり（院内のファイアウォール）を確かめてください (timed out)")
    if isinstance(error, ConnectionResetError):
        return (f"{server}との接続が途中で切れました。しばらくしてからもう一度送ってください (connection reset)")
    if isinstance(error, OSError) and error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
        return "インターネットにつながっていません。ネットワークを確かめてください (network unreachable)"
    if isinstance(error, OSError):
        reason = error.strerror or "network error"
        return f"{server}と通信できませんでした。ネットワークと mail.yaml を確かめてください ({reason})"
    return "メールを送れませんでした (mail not sent)"
