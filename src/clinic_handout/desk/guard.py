"""The desk's doors: who may talk to it, and which requests it believes.

The desk runs on the clinic's own PC and shows patients' names, conditions and addresses, so every
request is checked before a screen sees it:

- Host: only the loopback names (127.0.0.1, localhost, [::1]) — a web page elsewhere that points its
  own domain name at 127.0.0.1 (DNS rebinding) is refused, because its requests carry its own name.
  With an access password and a --host that is not loopback, that address and this PC's name too.
- POST: the page's CSRF token (a form field or the X-CSRF-Token header) must match the session's,
  and an Origin or Referer that is present must be this desk's own; a browser's Sec-Fetch-Site of
  cross-site is refused as well.
- The session cookie is HttpOnly and SameSite=Strict, signed with a key made fresh at every start.
- An access password (HANDOUT_DESK_PASSWORD) is asked once per browser session when one is set.
"""
from __future__ import annotations

import contextlib
import hmac
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, request, session, url_for

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
PASSWORD_ENV = "HANDOUT_DESK_PASSWORD"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a Host header, without the port ([::1]:8765 → ::1); '' when it cannot be read."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        return header[1:end] if end > 0 else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts(bind_host: str, password: str | None) -> frozenset[str]:
    names = set(LOOPBACK_NAMES)
    if password and not is_loopback(bind_host):
        names.add(bind_host.lower())
        with contextlib.suppress(OSError):
            names.add(socket.gethostname().lower())
    return frozenset(names)


def csrf_token() -> str:
    """The session's token, made on first use; every form carries it in a hidden field."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def install(app: Flask, *, bind_host: str, password: str | None) -> None:
    """Puts the checks in front of every request of app."""
    hosts = allowed_hosts(bind_host, password)
    app.config.update(SECRET_KEY=secrets.token_bytes(32), SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_NAME="handout_desk",
                      SESSION_COOKIE_SECURE=False)  # plain http on the PC's own loopback: no certificate there
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.before_request
    def check_request():
        if host_name(request.headers.get("Host", "")) not in hosts:
            abort(400, "host")  # DNS rebinding: a page elsewhere calling us by its own name
        if request.method in UNSAFE_METHODS:
            if not _same_origin():
                abort(403, "origin")
            sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
            if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                abort(403, "csrf")
        if password and request.endpoint not in ("login", "static", "alive", "font") and not session.get("signed_in"):
            return redirect(url_for("login", next=request.full_path if request.method == "GET" else "/"))
        return None

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; object-src 'self'; "
                                    "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        if request.endpoint not in ("static", "font"):  # patients' names: never kept in the browser's cache
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.route("/login", methods=["GET", "POST"])
    def login():
        from flask import render_template

        wrong = False
        if request.method == "POST":
            if password and hmac.compare_digest(request.form.get("password", "").encode(), password.encode()):
                session.clear()
                session["signed_in"] = True
                target = request.args.get("next", "/")
                return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
            wrong = True
        return render_template("login.html", wrong=wrong), 401 if wrong else 200


def _same_origin() -> bool:
    """An Origin (or, without one, a Referer) that is present must be this very desk; a request a
    browser marks as cross-site or same-site (another port of this PC) is refused even then."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source is None:
        return True  # no browser hint (a script on this PC): the CSRF token alone decides
    parts = urlsplit(source)
    return bool(parts.scheme) and f"{parts.scheme}://{parts.netloc}".lower() == request.host_url.rstrip("/").lower()
