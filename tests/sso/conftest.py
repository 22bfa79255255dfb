"""A real OpenID Connect provider for the SSO tests: panva's `oidc-provider` under node.

tests/sso/oidc_provider/ holds the provider (server.js) and its pinned dependencies
(package.json + package-lock.json). Once per machine, `npm ci` installs them into
<ETIME_DATA_DIR>/test-cache/oidc-provider-<lockfile hash>/ (offline from npm's cache when it
can, else from the npm registry); each test session then starts the provider on a free
port, with a JSON file of accounts a test rewrites to change a person's claims.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "etime"
CLIENT_SECRET = "etime-test-secret"  # noqa: S105  (the test provider's static client)
PROVIDER_ID = "testidp"


def _node_modules() -> Path:
    from django.conf import settings

    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are needed for the SSO tests (apt-get install nodejs npm).")
    lock = (PROVIDER_DIR / "package-lock.json").read_bytes()
    target = Path(settings.DATA_DIR) / "test-cache" / f"oidc-provider-{hashlib.sha256(lock).hexdigest()[:12]}"
    if not (target / "node_modules" / "oidc-provider").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PROVIDER_DIR / name, target / name)
        quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
        offline = subprocess.run([npm, "ci", "--offline", *quiet], cwd=target, capture_output=True, check=False)  # noqa: S603
        if offline.returncode != 0:
            subprocess.run([npm, "ci", *quiet], cwd=target, capture_output=True, check=True, timeout=300)  # noqa: S603
    shutil.copy(PROVIDER_DIR / "server.js", target / "server.js")  # ESM resolves imports next to the script
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OidcProvider:
    issuer: str
    accounts_file: Path

    def set_accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        """Replace the provider's accounts ({sub: claims}); it re-reads them at every lookup."""
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(accounts))
        tmp.replace(self.accounts_file)

    def app(self, **etime: Any) -> dict[str, Any]:
        """settings.SOCIALACCOUNT_PROVIDERS for this provider, as etime/settings.py builds it."""
        return {
            "openid_connect": {
                "provider_class": "accounts.sso_provider.EtimeOpenIDConnectProvider",
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": "Test IdP",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {
                            "server_url": self.issuer,
                            "oauth_pkce_enabled": True,
                            "scope": ["openid", "email", "profile", "groups"],
                            "etime_roles_claim": etime.get("roles_claim", "groups"),
                            "etime_roles": etime.get("roles", {"etime-admins": "admin", "etime-managers": "manager"}),
                            "etime_finance": etime.get("finance", ["etime-finance"]),
                            "etime_jit": etime.get("jit", False),
                            "etime_trust_email": False,
                        },
                    }
                ],
            }
        }


@pytest.fixture(scope="session")
def oidc_provider(live_server: Any, tmp_path_factory: Any) -> Iterator[OidcProvider]:
    workdir = _node_modules()
    port = _free_port()
    accounts_file = tmp_path_factory.mktemp("oidc") / "accounts.json"
    provider = OidcProvider(issuer=f"http://127.0.0.1:{port}", accounts_file=accounts_file)
    provider.set_accounts({})
    callback = f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/"
    env = {
        **os.environ,
        "PORT": str(port),
        "ACCOUNTS_FILE": str(accounts_file),
        "REDIRECT_URIS": json.dumps([callback]),
        "POST_LOGOUT_REDIRECT_URIS": json.dumps([f"{live_server.url}/accounts/login/"]),
        # The tests' clock (moved by ETIME_TEST_NOW): ID tokens must not look expired to etime.
        "CLOCK_NOW_MS": str(int(time.time() * 1000)),
    }
    log = (accounts_file.parent / "provider.log").open("wb")
    process = subprocess.Popen(["node", "server.js"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603,S607
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{provider.issuer}/.well-known/openid-configuration", timeout=2):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("oidc-provider did not start:\n" + (accounts_file.parent / "provider.log").read_text())
                time.sleep(0.1)  # polling a child process's port: no clock to control
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def sso(oidc_provider: OidcProvider, settings: Any) -> OidcProvider:
    """etime configured with the test provider (roles from `groups`, finance from etime-finance)."""
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.app()
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["form-action"] = [*directives["form-action"], oidc_provider.issuer]
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": directives}
    return oidc_provider


def sso_login(tab: Any, live_server: Any, provider: OidcProvider, sub: str, *, fresh: bool = True) -> Any:
    """The real login: etime's login page, its SSO button, the provider's login form, back.
    ``fresh``: the provider's own session is dropped first (else the provider must ask anyway)."""
    if fresh:
        tab.context.clear_cookies(domain=urlsplit(provider.issuer).hostname)
    tab.goto(f"{live_server.url}/accounts/login/")
    with tab.expect_navigation(url=lambda url: "/interaction/" in url):
        tab.click(f"[data-testid=sso-{PROVIDER_ID}]")
    tab.fill("input[name=login]", sub)
    tab.fill("input[name=password]", "any")
    with tab.expect_navigation(url=lambda url: url.startswith(live_server.url)):
        tab.click("button[type=submit]")
    return tab
