#!/bin/sh
# Container entrypoint: spawn-fcgi starts the worker processes, then nginx
# (unprivileged, its own prefix) serves www/ and passes /buckets and /healthz
# to them. Runs as the image's non-root user; stops everything on TERM/INT.
#
# Environment: BUCKETLIST_SECRET_ID (required), the usual AWS_* settings or a
# task/pod role for the bootstrap identity, BUCKETLIST_PORT (8080),
# BUCKETLIST_WORKERS (4), BUCKETLIST_LOG_FILE (default: the container's stderr).
set -eu

if [ -z "${BUCKETLIST_SECRET_ID:-}" ]; then
  echo "bucketlist: BUCKETLIST_SECRET_ID is not set: give the name or ARN of the Secrets Manager secret" \
       "that holds the S3 credentials (docker run -e BUCKETLIST_SECRET_ID=bucketlist/s3-credentials ...)" >&2
  exit 64
fi

PORT=${BUCKETLIST_PORT:-8080}
WORKERS=${BUCKETLIST_WORKERS:-4}
RUN=${BUCKETLIST_RUN_DIR:-/tmp/bucketlist}
SHARE=${BUCKETLIST_SHARE:-/usr/local/share/bucketlist}
WORKER=${BUCKETLIST_WORKER:-/usr/local/bin/bucketlist.fcgi}
LOG=${BUCKETLIST_LOG_FILE:-$RUN/worker.log}

umask 077
mkdir -p "$RUN/nginx-tmp"
# Logs go to the container's stdout/stderr through FIFOs read by this shell's
# children (spawn-fcgi points the workers' own stderr at /dev/null, and a
# non-root process may not reopen /proc/1/fd/N). Readers open the FIFO
# read-write so they never see EOF when a writer reopens its log.
fifo() {  # path  fd-to-copy-to
  rm -f "$1"
  mkfifo -m 0600 "$1"
  if [ "$2" = 1 ]; then cat <>"$1" & else cat <>"$1" >&2 & fi
}
fifo "$RUN/nginx-access.log" 1
fifo "$RUN/nginx-error.log" 2
[ "$LOG" = "$RUN/worker.log" ] && fifo "$RUN/worker.log" 2
sed -e "s|@RUN@|$RUN|g" -e "s|@LISTEN@|0.0.0.0:$PORT|g" -e "s|@WWW@|$SHARE/www|g" \
    -e "s|@FCGI@|unix:$RUN/fcgi.sock|g" -e "s|@FASTCGI_PARAMS@|/etc/nginx/fastcgi_params|g" \
    -e "s|@USER_LINE@||" "$SHARE/nginx/dev.conf.in" >"$RUN/nginx.conf"

rm -f "$RUN/fcgi.sock"
# The worker fetches the secret before it accepts; a permanent failure
# (not found, denied, malformed) makes it exit and spawn-fcgi report it.
if ! spawn-fcgi -F "$WORKERS" -s "$RUN/fcgi.sock" -M 0600 -P "$RUN/fcgi.pid" -- \
       "$WORKER" --log-file "$LOG" >/dev/null; then
  echo "bucketlist: the worker did not start (its message is above)" >&2
  stop_log_readers
  exit 1
fi

nginx -p "$RUN/" -e "$RUN/nginx-error.log" -c "$RUN/nginx.conf" &
nginx_pid=$!

stop() {
  kill -QUIT "$nginx_pid" 2>/dev/null || true
  # shellcheck disable=SC2046
  kill -TERM $(cat "$RUN/fcgi.pid" 2>/dev/null) 2>/dev/null || true
}
stop_log_readers() {
  sleep 0.2
  # shellcheck disable=SC2046
  kill $(jobs -p) 2>/dev/null || true
}
trap stop TERM INT

status=0
wait "$nginx_pid" || status=$?
stop
wait "$nginx_pid" 2>/dev/null || true
stop_log_readers
exit "$status"
