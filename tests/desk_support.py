"""The desk served for real (waitress, in a thread, on a free loopback port), and raw HTTP to it."""
from __future__ import annotations

import contextlib
import http.client
import re
import threading
from pathlib import Path
from urllib.parse import urlencode


@contextlib.contextmanager
def serving(content_dir: Path, data_dir: Path, **options):
    """Yields the desk's base URL (http://127.0.0.1:PORT/) while waitress serves create_app(...)."""
    from clinic_handout.desk import create_app
    from clinic_handout.desk.serve import make_server, run_until

    stop = threading.Event()
    app = create_app(content_dir, data_dir, on_quit=stop.set, **options)
    sockets: dict = {}
    server = make_server(app, "127.0.0.1", 0, sockets)
    thread = threading.Thread(target=run_until, args=(server, sockets, stop), daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.effective_port}/", thread)
    finally:
        stop.set()
        thread.join(10)


class Served(str):
    """The desk's base URL, and the thread serving it (ended by 終了)."""

    def __new__(cls, url: str, thread: threading.Thread):
        served = super().__new__(cls, url)
        served.thread = thread
        return served


class Client:
    """A cookie-keeping HTTP client that sends exactly the headers it is given (Host included)."""

    def __init__(self, base: str):
        self.host, self.port = base.split("//")[1].rstrip("/").split(":")
        self.cookie = ""

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(self.host, int(self.port), timeout=30)
        data = urlencode(body).encode() if body is not None else None
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if data is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            sent["Content-Length"] = str(len(data))
        if self.cookie:
            sent.setdefault("Cookie", self.cookie)
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in sent.items():
            connection.putheader(name, value)
        connection.endheaders(data)
        response = connection.getresponse()
        response.body = response.read()
        response.text = response.body.decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        connection.close()
        return response

    def get(self, path: str, **headers):
        return self.request("GET", path, headers=headers)

    def post(self, path: str, body: dict, **headers):
        return self.request("POST", path, body, headers)

    def token(self, path: str = "/") -> str:
        """The CSRF token of the page at path (as a browser has it, with its session cookie)."""
        page = self.get(path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


class Inbox:
    """What a local SMTP server (aiosmtpd) received: [(recipients, parsed mail)]."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.mails.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@contextlib.contextmanager
def local_smtp(content_dir: Path):
    """A plain SMTP server on 127.0.0.1 (security: none is allowed on loopback only); the content folder's
    mail.yaml points at it. Yields its Inbox."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    (content_dir / "mail.yaml").write_text(
        f"host: 127.0.0.1\nport: {port}\nsecurity: none\nfrom: clinic@example.com\n", encoding="utf-8")
    try:
        yield box
    finally:
        controller.stop()


@contextlib.contextmanager
def foreign_page(page: str):
    """Another site the receptionist happens to open (its own loopback port): serves page (HTML) at its /.
    Yields its URL. For the forged-request tests: the page's script posts a form to the desk by itself."""
    import http.server

    class Site(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page.encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
