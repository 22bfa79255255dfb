# etime production image: gunicorn (web), Celery worker and beat share it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ETIME_DATA_DIR=/var/lib/etime ETIME_STATIC_ROOT=/app/staticfiles

# WeasyPrint needs Pango; pg_dump/pg_restore serve backups; curl the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    postgresql-client curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The build and start steps live in docker/build-steps.sh, which CI's production check
# (`./etimectl production`) runs without Docker. Requirements first, for the layer cache.
COPY requirements/ requirements/
COPY docker/build-steps.sh docker/build-steps.sh
RUN docker/build-steps.sh build requirements
COPY . .
# Static files collected with DEBUG off (the manifest storage production serves from).
RUN docker/build-steps.sh build static \
 && useradd --system --home /var/lib/etime etime && mkdir -p /var/lib/etime && chown etime /var/lib/etime
USER etime
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
