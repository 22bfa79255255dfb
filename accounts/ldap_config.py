"""django-auth-ldap's settings, built from etime's LDAP environment variables.

etime/settings.py reads the ``ETIME_LDAP_*`` variables (once, through etime.env) and passes
them here; the result is the ``AUTH_LDAP_*`` settings django-auth-ldap reads. The tests
build the same settings for the slapd they start, so what a deployment configures is what
the tests exercise. docs/DEPLOYMENT.md "LDAP and Active Directory" documents each variable.
Imports no Django model: settings.py calls it while settings are being read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GROUP_TYPES = (
    "groupOfNames",
    "nestedGroupOfNames",
    "groupOfUniqueNames",
    "posixGroup",
    "activeDirectory",
    "nestedActiveDirectory",
)


@dataclass(frozen=True)
class LdapConfig:
    server_uri: str
    bind_dn: str = ""
    bind_password: str = ""
    user_search_base: str = ""
    user_filter: str = "(uid=%(user)s)"
    start_tls: bool = False
    ca_file: str = ""
    group_search_base: str = ""
    group_type: str = "groupOfNames"
    require_group: str = ""
    admin_group: str = ""
    manager_group: str = ""
    finance_group: str = ""
    email_attr: str = "mail"
    create_users: bool = False
    timeout_seconds: int = 5


def auth_ldap_settings(config: LdapConfig) -> dict[str, Any]:
    """The ``AUTH_LDAP_*`` settings (plus etime's ``ETIME_LDAP_*`` ones) for ``config``."""
    import ldap
    from django_auth_ldap import config as ldap_config

    if not config.user_search_base:
        raise ValueError("ETIME_LDAP_USER_SEARCH_BASE is required with ETIME_LDAP_SERVER_URI.")
    if "%(user)s" not in config.user_filter:
        raise ValueError(f"ETIME_LDAP_USER_FILTER={config.user_filter!r} must contain %(user)s.")
    if config.group_type not in GROUP_TYPES:
        raise ValueError(f"ETIME_LDAP_GROUP_TYPE={config.group_type!r}: use one of {', '.join(GROUP_TYPES)}.")
    if config.ca_file and not config.start_tls and not config.server_uri.lower().startswith("ldaps://"):
        raise ValueError("ETIME_LDAP_CA_FILE is set, but neither ldaps:// nor ETIME_LDAP_START_TLS is used.")

    group_type, group_filter = {
        "groupOfNames": (ldap_config.GroupOfNamesType(), "(objectClass=groupOfNames)"),
        "nestedGroupOfNames": (ldap_config.NestedGroupOfNamesType(), "(objectClass=groupOfNames)"),
        "groupOfUniqueNames": (ldap_config.GroupOfUniqueNamesType(), "(objectClass=groupOfUniqueNames)"),
        "posixGroup": (ldap_config.PosixGroupType(), "(objectClass=posixGroup)"),
        "activeDirectory": (ldap_config.ActiveDirectoryGroupType(), "(objectClass=group)"),
        "nestedActiveDirectory": (ldap_config.NestedActiveDirectoryGroupType(), "(objectClass=group)"),
    }[config.group_type]

    # Order matters: OPT_X_TLS_NEWCTX must come last, after the TLS options it applies.
    options: dict[Any, Any] = {
        ldap.OPT_REFERRALS: 0,  # Active Directory's referrals would need another bind
        ldap.OPT_NETWORK_TIMEOUT: config.timeout_seconds,
        ldap.OPT_TIMEOUT: config.timeout_seconds,
    }
    if config.start_tls or config.server_uri.lower().startswith("ldaps://"):
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        if config.ca_file:
            options[ldap.OPT_X_TLS_CACERTFILE] = config.ca_file
        options[ldap.OPT_X_TLS_NEWCTX] = 0

    settings: dict[str, Any] = {
        "AUTH_LDAP_SERVER_URI": config.server_uri,
        "AUTH_LDAP_BIND_DN": config.bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": config.bind_password,
        "AUTH_LDAP_USER_SEARCH": ldap_config.LDAPSearch(
            config.user_search_base, ldap.SCOPE_SUBTREE, config.user_filter
        ),
        "AUTH_LDAP_START_TLS": config.start_tls,
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn"},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        # etime's own role and finance mapping (accounts.ldap_backend) replaces mirroring:
        # the directory's groups never become Django groups or permissions.
        "AUTH_LDAP_MIRROR_GROUPS": False,
        "AUTH_LDAP_FIND_GROUP_PERMS": False,
        "AUTH_LDAP_NO_NEW_USERS": not config.create_users,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
        "ETIME_LDAP_EMAIL_ATTR": config.email_attr,
        "ETIME_LDAP_ADMIN_GROUP": config.admin_group,
        "ETIME_LDAP_MANAGER_GROUP": config.manager_group,
        "ETIME_LDAP_FINANCE_GROUP": config.finance_group,
    }
    settings["AUTH_LDAP_GROUP_SEARCH"] = None
    if config.group_search_base:
        settings["AUTH_LDAP_GROUP_SEARCH"] = ldap_config.LDAPSearch(
            config.group_search_base, ldap.SCOPE_SUBTREE, group_filter
        )
        settings["AUTH_LDAP_GROUP_TYPE"] = group_type
    elif config.admin_group or config.manager_group or config.finance_group or config.require_group:
        raise ValueError("ETIME_LDAP_GROUP_SEARCH_BASE is required to map or require groups.")
    if config.require_group:
        settings["AUTH_LDAP_REQUIRE_GROUP"] = config.require_group
    return settings
