"""ETIME_OIDC_PROVIDERS: read once by etime/settings.py; a malformed value stops the boot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# Runs etime/settings.py once per case (in one process: each run re-reads the environment).
SCRIPT = """
import json, os, runpy, sys
from etime.env import ImproperlyConfiguredEnv
out = []
for value in json.loads(sys.stdin.read()):
    os.environ["ETIME_OIDC_PROVIDERS"] = value
    try:
        ns = runpy.run_path("etime/settings.py")
    except ImproperlyConfiguredEnv as exc:
        out.append({"error": str(exc)})
    else:
        out.append({"apps": ns["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"],
                    "form_action": ns["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"]})
print(json.dumps(out, default=str))
"""

ENTRA = {
    "id": "entra",
    "name": "Microsoft",
    "server_url": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
    "client_id": "app-id",
    "secret": "s3cret",
    "roles_claim": "roles",
    "roles": {"Etime.Admin": "admin", "Etime.Manager": "manager"},
    "finance": ["Etime.Finance"],
    "trust_email": True,
}
KEYCLOAK = {"id": "keycloak", "server_url": "https://id.example.com/realms/staff", "client_id": "etime", "jit": True}


def _settings_for(values: list[str], tmp_path: Path) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETIME_OIDC", "DATABASE_URL", "REDIS_URL"))}
    env["ETIME_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        input=json.dumps(values),
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.embedded
def test_providers_become_allauth_apps_with_pkce_mapping_and_form_action(tmp_path: Path) -> None:
    unset, configured = _settings_for(["", json.dumps([ENTRA, KEYCLOAK])], tmp_path)
    assert unset["apps"] == [] and unset["form_action"] == ["'self'"]

    entra, keycloak = configured["apps"]
    assert (entra["provider_id"], entra["name"], entra["client_id"], entra["secret"]) == (
        "entra",
        "Microsoft",
        "app-id",
        "s3cret",
    )
    assert entra["settings"] == {
        "server_url": ENTRA["server_url"],
        "oauth_pkce_enabled": True,
        "scope": ["openid", "email", "profile"],
        "etime_roles_claim": "roles",
        "etime_roles": {"Etime.Admin": "admin", "Etime.Manager": "manager"},
        "etime_finance": ["Etime.Finance"],
        "etime_jit": False,
        "etime_trust_email": True,
    }
    assert (keycloak["name"], keycloak["settings"]["etime_jit"], keycloak["settings"]["etime_roles_claim"]) == (
        "keycloak",
        True,
        "",
    )
    assert configured["form_action"] == ["'self'", "https://id.example.com", "https://login.microsoftonline.com"]


@pytest.mark.embedded
def test_a_malformed_provider_list_stops_the_boot_naming_what_is_wrong(tmp_path: Path) -> None:
    cases = {
        "{not json": "ETIME_OIDC_PROVIDERS is not JSON",
        json.dumps({"id": "x"}): "ETIME_OIDC_PROVIDERS is a JSON list",
        json.dumps([{**KEYCLOAK, "client_id": ""}]): "ETIME_OIDC_PROVIDERS[0].client_id is required",
        json.dumps([KEYCLOAK, {**KEYCLOAK, "id": "a b"}]): "ETIME_OIDC_PROVIDERS[1].id='a b' may hold only",
        json.dumps([{**KEYCLOAK, "server_url": "id.example.com"}]): "is not an http(s) URL",
        json.dumps(
            [{**KEYCLOAK, "roles": {"g": "boss"}}]
        ): "roles maps claim values to one of admin, manager, employee",
        json.dumps([{**KEYCLOAK, "finance": "g"}]): "finance is a list of claim values",
        json.dumps([KEYCLOAK, KEYCLOAK]): "each provider needs an id of its own",
    }
    results = _settings_for(list(cases), tmp_path)
    for (value, expected), result in zip(cases.items(), results, strict=True):
        assert expected in result.get("error", ""), (value, result)
