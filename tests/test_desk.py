"""`handout desk`: served on loopback only, and every request checked at the door (no browser here)."""
import logging

import pytest

from clinic_handout.desk.guard import host_name, is_loopback
from clinic_handout.desk.serve import DeskRefused, check_host

from .desk_support import Client, serving


@pytest.fixture
def desk(clinic, tmp_path):
    with serving(clinic, tmp_path / "data") as base:
        yield Client(base)


def test_today_screen_is_japanese_with_the_ways_to_make_a_handout(desk):
    page = desk.get("/")
    assert page.status == 200
    assert '<html lang="ja">' in page.text
    assert "今日の案内" in page.text and "まだありません" in page.text
    assert page.getheader("Cache-Control") == "no-store"
    assert "default-src 'self'" in page.getheader("Content-Security-Policy")


def test_session_cookie_is_httponly_and_samesite_strict(desk):
    cookie = desk.get("/login").getheader("Set-Cookie")  # a page with a form makes the session
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert "httponly" in parts and "samesite=strict" in parts, cookie


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1.nip.io", "localhost.evil.example", ""])
def test_a_foreign_host_header_is_refused(desk, host):
    # DNS rebinding: a page at evil.example whose name now points at 127.0.0.1 sends its own name.
    page = desk.get("/", Host=host)
    assert page.status == 400
    assert "127.0.0.1" in page.text and "別の名前のページ" in page.text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:8765", "[::1]:8765", "LOCALHOST"])
def test_the_loopback_names_are_let_in(desk, host):
    assert desk.get("/", Host=host).status == 200


def test_a_post_without_the_pages_token_is_refused(desk):
    desk.token("/login")  # the browser has its session, but a forged form does not know the token
    assert desk.post("/login", {"password": "x"}).status == 403
    assert desk.post("/login", {"password": "x", "csrf_token": "guessed"}).status == 403


def test_a_post_from_a_foreign_origin_is_refused_even_with_the_token(desk):
    token = desk.token("/login")
    body = {"password": "x", "csrf_token": token}
    assert desk.post("/login", body, Origin="http://evil.example").status == 403
    assert desk.post("/login", body, Origin="null").status == 403
    assert desk.post("/login", body, Referer="http://localhost:9999/page").status == 403
    assert desk.post("/login", body, **{"Sec-Fetch-Site": "same-site"}).status == 403
    # the page's own origin with its token gets through the door (no password is set: 401 from the form)
    own = f"http://127.0.0.1:{desk.port}"
    assert desk.post("/login", body, Origin=own).status == 401


def test_an_upload_over_the_limit_is_refused_in_japanese(clinic, tmp_path):
    with serving(clinic, tmp_path / "data", upload_limit=1000) as base:
        client = Client(base)
        token = client.token("/login")
        page = client.post("/login", {"csrf_token": token, "password": "x" * 5000})
        assert page.status == 413
        assert "大きすぎます" in page.text


def test_a_non_loopback_host_needs_an_access_password():
    with pytest.raises(DeskRefused, match="合言葉"):
        check_host("0.0.0.0", None)
    with pytest.raises(DeskRefused):
        check_host("192.168.1.20", "")
    check_host("192.168.1.20", "s3cret")  # allowed with one
    check_host("127.0.0.1", None)
    check_host("::1", None)


def test_the_cli_refuses_a_non_loopback_host_without_a_password(run, monkeypatch):
    monkeypatch.delenv("HANDOUT_DESK_PASSWORD", raising=False)
    result = run("desk", "--host", "0.0.0.0", "--no-browser")
    assert result.exit_code == 2
    assert "合言葉" in result.output


def test_with_a_password_every_page_asks_for_it_first(clinic, tmp_path):
    with serving(clinic, tmp_path / "data", password="sakura-2026") as base:
        client = Client(base)
        assert client.get("/").status == 302
        token = client.token("/login")
        assert client.post("/login", {"csrf_token": token, "password": "wrong"}).status == 401
        assert client.get("/").status == 302
        assert client.post("/login", {"csrf_token": token, "password": "sakura-2026"}).status == 302
        assert client.get("/").status == 200


def test_host_names_are_read_without_their_port():
    assert host_name("127.0.0.1:8765") == "127.0.0.1"
    assert host_name("[::1]:8765") == "::1"
    assert host_name("LocalHost") == "localhost"
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("10.0.0.1")


def test_an_internal_error_is_logged_without_the_request(clinic, tmp_path, caplog):
    from clinic_handout.desk import create_app

    app = create_app(clinic, tmp_path / "data")

    @app.route("/boom")
    def boom():
        raise ValueError("山田 花子 hanako@example.com")

    with caplog.at_level(logging.DEBUG):
        page = app.test_client().get("/boom")
    assert page.status_code == 500 and "内部エラー" in page.get_data(as_text=True)
    assert "ValueError" in caplog.text
    assert "山田" not in caplog.text and "hanako" not in caplog.text


def test_only_todays_saved_pdfs_are_served(desk, clinic, tmp_path):
    assert desk.get("/today/..%2F..%2Fclinic.yaml").status == 404
    assert desk.get("/today/2026-11-25_x.pdf").status == 404
