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
    from waitress import wasyncore

    from clinic_handout.desk import create_app
    from clinic_handout.desk.serve import make_server

    app = create_app(content_dir, data_dir, **options)
    sockets: dict = {}
    server = make_server(app, "127.0.0.1", 0, sockets)
    stop = threading.Event()

    def run():  # the loop in small steps, so that it ends between two polls and closes its own sockets
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=sockets, count=1)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(sockets)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/"
    finally:
        stop.set()
        thread.join(10)


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
        response.text = response.read().decode("utf-8", "replace")
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
