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
COPY requirements/ requirements/
RUN pip install -r requirements/prod.txt
COPY . .
# collectstatic needs settings, not secrets: a throwaway key with DEBUG on for this step only.
RUN DEBUG=true SECRET_KEY=build-only python manage.py collectstatic --no-input -v0 \
 && useradd --system --home /var/lib/etime etime && mkdir -p /var/lib/etime && chown etime /var/lib/etime
USER etime
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
