#!/bin/sh
# The production image's build and start steps, in one place so that the Dockerfile, its
# entrypoint and CI's production check (`./etimectl production`, which has no Docker) run
# the very same commands (docs/DEPLOYMENT.md "What CI runs").
#
#   build-steps.sh build               both of:
#   build-steps.sh build requirements  install requirements/prod.txt
#   build-steps.sh build static        collect static files, hashed and compressed
#   build-steps.sh release             migrate, create the default beat schedules
#   build-steps.sh start web           release, then gunicorn
#   build-steps.sh start worker|beat   a Celery worker, or beat
#
# Every step uses the `python` on PATH (the image's; the venv's under etimectl).
# Settings come from the environment as at run time; build needs none of them.
# gunicorn's control socket is off: etime does not use it, and its default path in $HOME
# would be shared by every gunicorn of the same user (CI runs beside other servers).
# gunicorn runs threaded workers (gthread): a sync worker waits up to its timeout on a
# connection a browser opened ahead ("preconnect") and never used, and is then killed
# (WORKER TIMEOUT); a threaded worker keeps serving others meanwhile.
# Knobs: ETIME_BIND (gunicorn's address, 0.0.0.0:8000), WEB_CONCURRENCY (3), WEB_THREADS (4),
# WORKER_CONCURRENCY (2), WORKER_QUEUES (all), WORKER_NAME (worker), WORKER_MAX_TASKS_PER_CHILD
# (no limit), FORWARDED_ALLOW_IPS (127.0.0.1), ETIME_BEAT_SCHEDULE_FILE.
set -eu

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

build() {
  case "${1:-all}" in
    requirements) build_requirements ;;
    static) build_static ;;
    all) build_requirements; build_static ;;
    *) echo "usage: build-steps.sh build [requirements|static]" >&2; exit 2 ;;
  esac
}

build_requirements() {
  "$PYTHON" -m pip install -r requirements/prod.txt
}

build_static() {
  # Exactly the production storage: with DEBUG off, settings choose WhiteNoise's
  # CompressedManifestStaticFilesStorage, which hashes and compresses every file and
  # refuses a reference to a missing one. A manifest collected with DEBUG on would be
  # missing, and every page would answer 500. collectstatic needs no secret: the key
  # is random and lives for this step only.
  build_key="build-only-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(48))')"
  DEBUG=false SECRET_KEY="$build_key" "$PYTHON" manage.py collectstatic --no-input -v0
  test -s "${ETIME_STATIC_ROOT:-staticfiles}/staticfiles.json" || {
    echo "build-steps: collectstatic wrote no staticfiles.json manifest" >&2
    exit 1
  }
}

release() {
  "$PYTHON" manage.py migrate --no-input
  "$PYTHON" manage.py setup_periodic_tasks
}

start() {
  case "${1:-}" in
    web)
      release
      exec "$PYTHON" -m gunicorn etime.wsgi:application --bind "${ETIME_BIND:-0.0.0.0:8000}" \
           --workers "${WEB_CONCURRENCY:-3}" --worker-class gthread --threads "${WEB_THREADS:-4}" --access-logfile - \
           --forwarded-allow-ips="${FORWARDED_ALLOW_IPS:-127.0.0.1}" --no-control-socket
      ;;
    worker)
      # WORKER_QUEUES unset: every queue (one worker does all the work); set, the queues of
      # this worker's group (docker-compose.yml runs one worker per queue).
      exec "$PYTHON" -m celery -A etime worker --loglevel=INFO --concurrency="${WORKER_CONCURRENCY:-2}" \
           ${WORKER_QUEUES:+--queues="$WORKER_QUEUES"} --hostname="${WORKER_NAME:-worker}@%h" \
           ${WORKER_MAX_TASKS_PER_CHILD:+--max-tasks-per-child="$WORKER_MAX_TASKS_PER_CHILD"}
      ;;
    beat)
      exec "$PYTHON" -m celery -A etime beat --loglevel=INFO \
           --schedule="${ETIME_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}"
      ;;
    *)
      echo "usage: build-steps.sh start web|worker|beat" >&2
      exit 2
      ;;
  esac
}

case "${1:-}" in
  build) shift; build "$@" ;;
  release) release ;;
  start) shift; start "$@" ;;
  *)
    sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
