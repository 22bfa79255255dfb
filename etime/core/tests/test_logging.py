"""Logs are JSON lines carrying the request id, as configured in settings.LOGGING."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from typing import Any

import pytest
from django.conf import settings


@pytest.fixture
def json_log_stream() -> Any:
    config = json.loads(json.dumps(settings.LOGGING))  # a copy we may edit
    stream = io.StringIO()
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream
    config["root"]["level"] = "INFO"
    config["loggers"]["django.request"] = {"level": "WARNING"}
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.embedded
@pytest.mark.django_db
def test_a_failed_request_logs_one_json_line_with_its_request_id(client: Any, json_log_stream: io.StringIO) -> None:
    response = client.get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="trace-42")
    assert response["X-Request-ID"] == "trace-42"
    lines = [json.loads(line) for line in json_log_stream.getvalue().splitlines() if line.strip()]
    request_lines = [line for line in lines if line["logger"] == "django.request"]
    assert request_lines, lines
    assert request_lines[-1]["request_id"] == "trace-42"
    assert request_lines[-1]["level"] == "WARNING"
    assert "/api/v1/no-such-thing/" in request_lines[-1]["message"]


@pytest.mark.embedded
@pytest.mark.django_db
def test_an_unsafe_request_id_from_the_caller_is_replaced(client: Any) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32
