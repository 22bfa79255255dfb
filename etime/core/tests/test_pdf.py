"""PDFs are rendered with a URL fetcher that reads only etime's own files (issue 18,
etime/core/pdf.py): a URL that reaches a template makes no request and reads no other file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from etime.core import pdf

pytestmark = pytest.mark.embedded


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            seen.append(self.path)
            body = b"body { color: red }" if self.path.endswith(".css") else b"x"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


def page(base: str) -> str:
    return (
        f'<html><head><link rel="stylesheet" href="{base}/style.css"></head><body>'
        f'<img src="{base}/x.png"><p style="background: url({base}/bg.png)">Hello</p></body></html>'
    )


def test_a_url_in_the_html_gets_no_request(server: tuple[str, list[str]]) -> None:
    from weasyprint import HTML

    base, seen = server
    document = pdf.render_pdf(page(base))
    assert document.startswith(b"%PDF") and seen == []
    # The same HTML through WeasyPrint's own fetcher (as before) does fetch: the test can fail.
    HTML(string=page(base)).write_pdf()
    assert sorted(seen) == ["/bg.png", "/style.css", "/x.png"]


def read(url: str) -> bytes:
    response = pdf.url_fetcher().fetch(url)
    try:
        return bytes(response.read())
    finally:
        response.close()


def test_only_etimes_own_files_and_data_urls_are_read(tmp_path: Path, settings: Any) -> None:
    static_file = (Path(settings.BASE_DIR) / "static" / "favicon.svg").resolve()
    assert read(static_file.as_uri()).startswith(b"<svg")
    assert read("data:text/plain;base64,aGk=") == b"hi"
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    for url in (
        secret.as_uri(),
        "file:///etc/passwd",
        f"{static_file.parent.as_uri()}/../etime/settings.py",
        "http://127.0.0.1:9/x",
        "https://example.com/x",
        "ftp://example.com/x",
        "file://evil.example/etc/passwd",
    ):
        with pytest.raises(ValueError, match="own files only"):
            read(url)
    settings.MEDIA_ROOT = str(tmp_path)
    assert read(secret.as_uri()) == b"do not read"  # media files are etime's own
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ETIME_COMPANY_LOGO_PATH = str(secret)  # a file the installer named
    assert read(secret.as_uri()) == b"do not read"


def test_the_register_and_invoice_renderers_use_the_restricted_fetcher() -> None:
    """The invoice renderers and the attendance register build their documents through etime.core.pdf."""
    root = Path(settings.BASE_DIR)
    for module in ("billing/documents/renderers.py", "attendance/reports.py"):
        text = (root / module).read_text()
        assert "from weasyprint import HTML" not in text and "etime.core.pdf" in text, module
