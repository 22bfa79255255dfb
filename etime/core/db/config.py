"""``DATABASES`` entries from a ``DATABASE_URL``, with what each engine needs (settings.py and
``manage.py move_database --to`` build theirs here). Imports nothing of Django's ORM: the
settings module reads it."""

from __future__ import annotations

from typing import Any

import dj_database_url

MYSQL_BACKEND = "etime.core.db.backends.mysql"
MYSQL_SQL_MODE = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"


def database_from_url(
    url: str, *, conn_max_age: int = 0, mysql_collation: str = "utf8mb4_unicode_ci"
) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    elif config["ENGINE"] == "django.db.backends.mysql":
        # MariaDB >= 10.6 / MySQL >= 8.0 (docs/DEPLOYMENT.md "Database engines"): 4-byte
        # UTF-8 with one collation everywhere (ETIME_MYSQL_COLLATION; case- and
        # accent-insensitive by default, as Django's iexact/icontains on MySQL assume),
        # strict mode (a too-long or out-of-range value is an error, never silently cut),
        # READ COMMITTED as Django recommends (each statement sees what committed before
        # it, which the per-person locks rely on), and the flush that respects the leave
        # ledger's triggers (etime/core/db/backends/mysql).
        config["ENGINE"] = MYSQL_BACKEND
        config["CONN_HEALTH_CHECKS"] = True
        config["OPTIONS"] = {
            "charset": "utf8mb4",
            "isolation_level": "read committed",
            "init_command": f"SET sql_mode='{MYSQL_SQL_MODE}', collation_connection='{mysql_collation}', "
            "innodb_lock_wait_timeout=30",
            **config.get("OPTIONS", {}),
        }
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": mysql_collation}
    return config
