"""Serving the desk: waitress on this PC's loopback address, the browser opened on it.

waitress is a pure-Python WSGI server that runs the same on Windows, macOS and Linux (no compiler,
no service to install); it writes no access log, so no patient's name reaches a log through it.
"""
from __future__ import annotations

import contextlib
import os
import threading
import urllib.request
import webbrowser
from pathlib import Path

from ..errors import HandoutError
from . import guard

DEFAULT_PORT = 8765
DESK_HEADER = "X-Handout-Desk"


class DeskRefused(HandoutError):
    """A way of starting the desk that would open it to others, or a port already taken."""

    exit_code = 2


def default_data_dir(content_dir: Path) -> Path:
    """The history's data folder, as every command finds it ($HANDOUT_DATA, else handout-data beside the
    content folder): the desk and the CLI keep one history."""
    from ..history import data_folder

    return data_folder(None, content_dir)


def desk_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if guard.is_loopback(host) else host
    return f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"


def check_host(host: str, password: str | None) -> None:
    if not guard.is_loopback(host) and not password:
        raise DeskRefused(f"--host {host}: この PC の外からも開けるようにするには、合言葉が必要です。"
                          f"環境変数 {guard.PASSWORD_ENV} に合言葉を入れてから起動してください。起動していません "
                          f"(a non-loopback --host needs an access password in ${guard.PASSWORD_ENV}; not started)")


def already_running(url: str) -> bool:
    """A desk answering at url (a second double-click on the launcher): then only the browser is opened."""
    try:
        with urllib.request.urlopen(url + "desk-alive", timeout=2) as reply:  # noqa: S310 (our own loopback URL)
            return reply.headers.get(DESK_HEADER) == "1"
    except OSError:
        return False


def run_until(server, socket_map: dict, stop: threading.Event) -> None:
    """Serves until stop is set (終了 on the page, or Ctrl+C), then lets the requests in hand finish and
    closes: a mail being sent or a history write is never cut off."""
    from waitress import wasyncore

    try:
        while not stop.is_set():
            wasyncore.loop(timeout=0.2, map=socket_map, count=1)
    finally:
        server.task_dispatcher.shutdown()
        wasyncore.close_all(socket_map)


def make_server(app, host: str, port: int, socket_map: dict | None = None):
    """A waitress server bound now (port 0: a free one); .run() serves until .close(). socket_map: the
    sockets' map, for a caller that runs the loop itself (the tests, to stop it cleanly)."""
    from waitress import create_server

    return create_server(app, map=socket_map, host=host, port=port, threads=4, ident="handout-desk",
                         expose_tracebacks=False, clear_untrusted_proxy_headers=True)


def serve(content_dir: Path, data_dir: Path | None, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          open_browser: bool = True, say=print) -> None:
    """Starts the desk and serves until Ctrl+C (or the window is closed)."""
    from .web import create_app

    password = os.environ.get(guard.PASSWORD_ENV) or None
    check_host(host, password)
    data_dir = data_dir or default_data_dir(content_dir)
    url = desk_url(host, port)
    stop = threading.Event()
    app = create_app(content_dir, data_dir, bind_host=host, password=password, on_quit=stop.set)
    sockets: dict = {}
    try:
        server = make_server(app, host, port, sockets)
    except OSError:
        if guard.is_loopback(host) and already_running(url):
            say(f"受付の画面はもう動いています。ブラウザで開きます: {url} (the desk is already running)")
            if open_browser:
                webbrowser.open(url)
            return
        raise DeskRefused(f"ポート {port} はほかのプログラムが使っています。--port 8766 のように別の番号で"
                          f"起動してください。起動していません (port {port} is in use; not started)") from None
    url = desk_url(host, server.effective_port)
    say(f"受付の画面: {url}\n内容フォルダ (content): {content_dir}\nデータフォルダ (data): {data_dir}\n"
        "終わるときは、画面の「終了」を押すか、この窓で Ctrl+C を押します (終了 on the page, or Ctrl+C, stops it).")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C in the window: the same orderly end
        run_until(server, sockets, stop)
    say("受付の画面を終了しました (stopped).")


def gui_main() -> None:
    """The double-clickable launcher (`handout-desk`, a gui-scripts entry point: no console window on
    Windows). The content folder is found as the CLI finds it, from the shortcut's 作業フォルダー."""
    from ..content import content_folder

    try:
        serve(content_folder(None), None, say=lambda text: None)
    except HandoutError as error:
        _show_error(str(error))
    except Exception as error:  # no console to print to: a dialog, and never a patient's data in it
        _show_error(f"受付の画面を起動できませんでした: {type(error).__name__}。"
                    "PowerShell で handout desk と打つと詳しい内容が出ます。")


def _show_error(text: str) -> None:
    try:
        import tkinter
        from tkinter import messagebox

        root = tkinter.Tk()
        root.withdraw()
        messagebox.showerror("handout desk", text)
        root.destroy()
    except Exception:  # no display, no Tk: nothing more can be shown
        pass
