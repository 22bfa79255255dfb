"""A real OpenLDAP server (Debian's slapd) for the LDAP sign-in tests.

One slapd per test session, with its own slapd.conf, mdb database and port in a temporary
directory; the directory's people and groups are loaded with slapadd before it starts (an
LDIF below) and changed by the tests through python-ldap as the directory's manager. Stopped
at the end. Skipped, with the reason, only where /usr/sbin/slapd is missing: ./etimectl test
(CI) installs it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
BASE = "dc=example,dc=com"
MANAGER_DN = f"cn=manager,{BASE}"
MANAGER_PASSWORD = "manager-secret"  # noqa: S105
SERVICE_DN = f"cn=etime,ou=services,{BASE}"
SERVICE_PASSWORD = "service-secret"  # noqa: S105
ADMINS = f"cn=etime-admins,ou=groups,{BASE}"
MANAGERS = f"cn=etime-managers,ou=groups,{BASE}"
FINANCE = f"cn=finance,ou=groups,{BASE}"
STAFF = f"cn=staff,ou=groups,{BASE}"


def person_dn(uid: str) -> str:
    return f"uid={uid},ou=people,{BASE}"


# Directory passwords: different from the local ones (conftest.PASSWORD).
DIRECTORY_PASSWORDS = {
    "alice": "alice-directory-pw",
    "bob": "bob-directory-pw",
    "carla": "carla-directory-pw",
    "zed": "zed-directory-pw",
}
MAILS = {"alice": "Alice@Example.com", "bob": "bob@example.com", "carla": "carla@example.com", "zed": "zed@example.com"}


def _ldif() -> str:
    entries = [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example",
        f"dn: ou=people,{BASE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=groups,{BASE}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: ou=services,{BASE}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: etime\n"
        f"userPassword: {SERVICE_PASSWORD}",
    ]
    for uid, password in DIRECTORY_PASSWORDS.items():
        entries.append(
            f"dn: {person_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid.title()} Directory\n"
            f"givenName: {uid.title()}\nsn: Directory\nmail: {MAILS[uid]}\nuserPassword: {password}"
        )
    members = {ADMINS: ["carla"], MANAGERS: ["bob"], FINANCE: ["alice"], STAFF: ["alice", "bob", "carla", "zed"]}
    for group, uids in members.items():
        cn = group.split(",")[0][3:]
        lines = "".join(f"member: {person_dn(uid)}\n" for uid in uids)
        entries.append(f"dn: {group}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}".rstrip())
    return "\n\n".join(entries) + "\n"


def _slapd_conf(root: Path) -> str:
    return f"""
TLSCACertificateFile {root}/ca.pem
TLSCertificateFile {root}/server.pem
TLSCertificateKeyFile {root}/server.key
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{BASE}"
rootdn "{MANAGER_DN}"
rootpw {MANAGER_PASSWORD}
directory {root}/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by dn.exact="{SERVICE_DN}" read by self read by * none
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_certificates(root: Path) -> None:
    """A CA and a server certificate for 127.0.0.1 signed by it (START_TLS), and a second,
    unrelated CA (a client that trusts only it must refuse the server)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    # A fixed validity that holds on any clock: slapd and libldap check it against the system
    # clock, while this process's clock may be moved (ETIME_TEST_NOW), so "now" is no anchor.
    start, end = dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2099, 12, 31, tzinfo=dt.UTC)

    def ca(cn: str) -> tuple[Any, Any]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return key, cert

    ca_key, ca_cert = ca("etime test LDAP CA")
    _other_key, other_cert = ca("some other CA")
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (root / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (root / "other-ca.pem").write_bytes(other_cert.public_bytes(pem))
    (root / "server.pem").write_bytes(server_cert.public_bytes(pem))
    (root / "server.key").write_bytes(
        server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@dataclass
class Directory:
    uri: str
    ca_file: str
    other_ca_file: str

    def connect(self) -> Any:
        import ldap

        conn = ldap.initialize(self.uri)
        conn.simple_bind_s(MANAGER_DN, MANAGER_PASSWORD)
        return conn

    def set_members(self, group_dn: str, uids: list[str]) -> None:
        import ldap

        conn = self.connect()
        try:
            values = [person_dn(uid).encode() for uid in uids] or [MANAGER_DN.encode()]  # groupOfNames needs a member
            conn.modify_s(group_dn, [(ldap.MOD_REPLACE, "member", values)])
        finally:
            conn.unbind_s()


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    if not Path(SLAPD).exists() or shutil.which("slapadd", path="/usr/sbin") is None:
        pytest.skip("OpenLDAP's slapd is not installed (apt-get install slapd ldap-utils; ./etimectl test installs it)")
    root = tmp_path_factory.mktemp("slapd")
    (root / "data").mkdir()
    _write_certificates(root)
    conf = root / "slapd.conf"
    conf.write_text(_slapd_conf(root))
    (root / "data.ldif").write_text(_ldif())
    subprocess.run([SLAPADD, "-f", str(conf), "-l", str(root / "data.ldif")], check=True, capture_output=True)
    port = _free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d 0: stay in the foreground (a child we can stop), without debug output.
    log = root / "slapd.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [SLAPD, "-f", str(conf), "-h", f"{uri}/", "-d", "0"], stdout=subprocess.DEVNULL, stderr=log_file
        )
    try:
        deadline = time.monotonic() + 10
        while True:  # readiness: the port answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"slapd did not start: {log.read_text()}") from None
                time.sleep(0.02)  # noqa: TID251  (waiting for a process, not for the clock)
        yield Directory(uri=uri, ca_file=str(root / "ca.pem"), other_ca_file=str(root / "other-ca.pem"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def directory(slapd: Directory, settings: Any) -> Iterator[Directory]:
    """slapd, and etime configured for it as a deployment would be (accounts.ldap_config
    builds the settings from the same values ETIME_LDAP_* give); group memberships as the
    LDIF has them, again after the test."""
    configure(settings, slapd)
    yield slapd
    slapd.set_members(ADMINS, ["carla"])
    slapd.set_members(MANAGERS, ["bob"])
    slapd.set_members(FINANCE, ["alice"])


def configure(settings: Any, slapd: Directory, **changes: Any) -> None:
    from accounts.ldap_config import LdapConfig, auth_ldap_settings

    config = LdapConfig(
        server_uri=slapd.uri,
        bind_dn=SERVICE_DN,
        bind_password=SERVICE_PASSWORD,
        user_search_base=f"ou=people,{BASE}",
        user_filter="(uid=%(user)s)",
        group_search_base=f"ou=groups,{BASE}",
        group_type="groupOfNames",
        admin_group=ADMINS,
        manager_group=MANAGERS,
        finance_group=FINANCE,
        timeout_seconds=15,  # generous: CI loads both cores (a refused port answers at once anyway)
    )
    for name, value in auth_ldap_settings(replace(config, **changes)).items():
        setattr(settings, name, value)
    backends = [b for b in settings.AUTHENTICATION_BACKENDS if b != "accounts.ldap_backend.DirectoryBackend"]
    backends.insert(backends.index("axes.backends.AxesStandaloneBackend") + 1, "accounts.ldap_backend.DirectoryBackend")
    settings.AUTHENTICATION_BACKENDS = backends
