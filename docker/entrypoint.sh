#!/bin/sh
# Roles: web (migrate, default schedules, gunicorn), worker, beat, or any manage.py command.
set -e
case "$1" in
  web)
    python manage.py migrate --no-input
    python manage.py setup_periodic_tasks
    exec gunicorn etime.wsgi:application --bind 0.0.0.0:8000 --workers "${WEB_CONCURRENCY:-3}" \
         --access-logfile - --forwarded-allow-ips="${FORWARDED_ALLOW_IPS:-127.0.0.1}"
    ;;
  worker)
    exec celery -A etime worker --loglevel=INFO --concurrency="${WORKER_CONCURRENCY:-2}"
    ;;
  beat)
    exec celery -A etime beat --loglevel=INFO --schedule=/tmp/celerybeat-schedule
    ;;
  *)
    exec python manage.py "$@"
    ;;
esac
