"""The production server's /metrics, scraped once with its token after the crawls: the counts
of gunicorn's processes and of the Celery worker's pool process added up (prometheus-client's
multiprocess mode, PROMETHEUS_MULTIPROC_DIR), and the database's gauges.

Run by ``./etimectl production`` (ETIME_PRODUCTION_URL, ETIME_METRICS_TOKEN); skipped otherwise.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

BASE_URL = os.environ.get("ETIME_PRODUCTION_URL", "").rstrip("/")
TOKEN = os.environ.get("ETIME_METRICS_TOKEN", "")
pytestmark = pytest.mark.skipif(
    not (BASE_URL and TOKEN), reason="needs a production server: run `./etimectl production`"
)


def get(token: str | None) -> tuple[int, str]:
    request = urllib.request.Request(f"{BASE_URL}/metrics")  # noqa: S310 (our own http server)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_metrics_need_the_token_and_add_up_web_and_worker_processes() -> None:
    for _ in range(3):
        with urllib.request.urlopen(f"{BASE_URL}/accounts/login/", timeout=30) as response:  # noqa: S310
            assert response.status == 200
    assert get(None)[0] == 403
    assert get("not-" + TOKEN)[0] == 403
    status, text = get(TOKEN)
    assert status == 200
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    # The requests above (and the crawls'), answered by any of gunicorn's processes.
    assert sum(v for labels, v in samples["etime_http_requests_total"] if labels["view"] == "login") >= 3
    assert (
        sum(v for labels, v in samples["etime_http_request_duration_seconds_count"] if labels["view"] == "login") >= 3
    )
    # The worker's heartbeat (readiness waited for it), counted in the Celery pool's process.
    heartbeats = [
        v
        for labels, v in samples["etime_celery_tasks_total"]
        if labels["task"] == "ops.heartbeat" and labels["queue"] == "default" and labels["state"] == "success"
    ]
    assert heartbeats and heartbeats[0] >= 1
    assert {labels["queue"] for labels, _v in samples["etime_celery_queue_length"]} == {
        "default",
        "devices",
        "attendance",
        "mail",
        "reports",
        "backups",
    }
    assert samples["etime_backup_age_seconds"][0][1] >= 0  # seed_demo's first backup
    assert samples["etime_device_sync_lag_seconds"]  # the demo's clocks
    assert {labels["status"] for labels, _v in samples["etime_mails_waiting"]} == {"queued", "retrying"}
