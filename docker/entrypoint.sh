#!/bin/sh
# Roles: web (migrate, default schedules, gunicorn), worker, beat, or any manage.py command.
# The roles' steps are docker/build-steps.sh's, which CI's production check runs too.
set -e
case "$1" in
  web|worker|beat)
    exec /app/docker/build-steps.sh start "$1"
    ;;
  *)
    exec python manage.py "$@"
    ;;
esac
