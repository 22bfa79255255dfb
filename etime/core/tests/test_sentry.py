"""SENTRY_DSN sends errors to Sentry: a local HTTP server stands in for it (its envelope
endpoint), a fresh Python process boots etime's settings with the DSN and reports an error."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from django.conf import settings

SCRIPT = """
import django
django.setup()
import sentry_sdk
try:
    raise ValueError("clock 7 said no")
except ValueError as exc:
    sentry_sdk.capture_exception(exc)
sentry_sdk.flush(timeout=10)
"""


def test_an_error_reaches_sentry_with_its_environment_and_no_personal_data(tmp_path: Path) -> None:
    received: list[tuple[str, bytes]] = []

    class Sentry(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "br":  # sentry-sdk compresses with brotli where it is installed (WeasyPrint's)
                import brotli

                body = brotli.decompress(body)
            received.append((self.path, body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Sentry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ETIME_TEST_NOW", "PYTEST"))}
        env.update(
            DJANGO_SETTINGS_MODULE="etime.settings",
            ETIME_DATA_DIR=str(tmp_path),
            SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/42",
            SENTRY_ENVIRONMENT="staging",
        )
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    finally:
        server.shutdown()
        server.server_close()
    events = [body.decode() for path, body in received if path.startswith("/api/42/envelope/")]
    assert events, received
    event = "\n".join(events)
    assert "clock 7 said no" in event and '"ValueError"' in event
    assert '"environment":"staging"' in event.replace(" ", "")
    assert '"ip_address"' not in event
