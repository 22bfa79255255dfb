# etime production image: gunicorn (web), Celery worker and beat share it.

# python-ldap (LDAP sign-in) has no binary wheel on PyPI: built here against OpenLDAP's and
# Cyrus SASL's headers, so that the image carries neither a compiler nor the headers.
FROM python:3.11-slim-bookworm AS ldap-wheel
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/base.txt /tmp/base.txt
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels "$(grep '^python-ldap==' /tmp/base.txt)"

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_FIND_LINKS=/wheels \
    ETIME_DATA_DIR=/var/lib/etime ETIME_STATIC_ROOT=/app/staticfiles

# WeasyPrint needs Pango; pg_dump/pg_restore serve backups; curl the health check;
# python-ldap (LDAP sign-in) links libldap and libsasl2 (its wheel: the stage above).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    postgresql-client curl libldap-2.5-0 libsasl2-2 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The build and start steps live in docker/build-steps.sh, which CI's production check
# (`./etimectl production`) runs without Docker. Requirements first, for the layer cache.
COPY requirements/ requirements/
COPY docker/build-steps.sh docker/build-steps.sh
COPY --from=ldap-wheel /wheels /wheels
RUN docker/build-steps.sh build requirements
COPY . .
# Static files collected with DEBUG off (the manifest storage production serves from).
# docker-compose.yml mounts volumes on the directories made below: a new volume takes the
# image directory's owner, so the etime user can write media, backups and metrics files.
RUN docker/build-steps.sh build static \
 && useradd --system --home /var/lib/etime etime \
 && mkdir -p /var/lib/etime/media /var/lib/etime/backups /var/lib/etime-metrics \
 && chown -R etime /var/lib/etime /var/lib/etime-metrics
USER etime
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
