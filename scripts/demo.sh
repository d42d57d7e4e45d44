#!/usr/bin/env bash
# `make demo`: the whole bucketlist stack on 127.0.0.1 against a local AWS
# emulator (moto, signature checks on):
#   moto (scripts/moto-server.py) -> seed (scripts/seed-moto.py) ->
#   spawn-fcgi -F N cgi-bin/bucketlist.fcgi -> unprivileged nginx (nginx/dev.conf.in)
# then prints the URL and stays in the foreground until Ctrl-C.
#
#   scripts/demo.sh            start, stay in the foreground, stop all on Ctrl-C/TERM
#   scripts/demo.sh --detach   start and return (stop later with --stop)
#   scripts/demo.sh --stop     stop a running demo by the PID files in run/
#   scripts/demo.sh --aws      the same against real AWS (what scripts/run.sh does)
#
# Environment: BUCKETLIST_PORT (8080), MOTO_PORT (5055), BUCKETLIST_WORKERS (4),
# BUCKETLIST_RUN_DIR (run/), PYTHON (python3), NGINX (nginx), SPAWN_FCGI (spawn-fcgi).
# Everything runs as the calling user; nothing needs root.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
RUN=${BUCKETLIST_RUN_DIR:-$root/run}
case "$RUN" in /*) ;; *) RUN=$root/$RUN ;; esac
PORT=${BUCKETLIST_PORT:-8080}
MOTO_PORT=${MOTO_PORT:-5055}
WORKERS=${BUCKETLIST_WORKERS:-4}
PYTHON=${PYTHON:-python3}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
SPAWN_FCGI=${SPAWN_FCGI:-$(command -v spawn-fcgi || echo /usr/bin/spawn-fcgi)}
WORKER=${BUCKETLIST_WORKER:-$root/cgi-bin/bucketlist.fcgi}
FASTCGI_PARAMS=${FASTCGI_PARAMS:-/etc/nginx/fastcgi_params}
rel() { echo "${1#"$root"/}"; }

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# --- stopping, by PID files only ------------------------------------------
# A PID is signalled only if /proc says it is still the program we started.
pid_is() {  # pid pattern
  [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "$2"
}
# Still running (an exiting process or an unreaped zombie counts as gone).
running() { [ -r "/proc/$1/stat" ] && ! grep -q ') [ZX] ' "/proc/$1/stat" 2>/dev/null; }

stop_pidfile() {  # file pattern name
  local file=$1 pattern=$2 name=$3 pid pids=()
  [ -f "$file" ] || return 0
  while read -r pid; do
    [[ "$pid" =~ ^[0-9]+$ ]] && pid_is "$pid" "$pattern" && pids+=("$pid")
  done < <(cat "$file"; echo)
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      local alive=0
      for pid in "${pids[@]}"; do running "$pid" && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.1
    done
    for pid in "${pids[@]}"; do
      if running "$pid" && pid_is "$pid" "$pattern"; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    say "stopped $name (pid ${pids[*]})"
  fi
  rm -f "$file"
}

stop_all() {
  stop_pidfile "$RUN/nginx.pid" "nginx" nginx
  stop_pidfile "$RUN/fcgi.pid" "bucketlist.fcgi" "worker"
  stop_pidfile "$RUN/moto.pid" "moto-server.py" moto
  rm -f "$RUN/fcgi.sock"
}

# --- helpers ---------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_port() {  # port variable-name
  if port_in_use "$1"; then
    die "port $1 on 127.0.0.1 is already in use. Stop what uses it (a running demo: 'make demo-stop'), or pick another port: $2=NNNN make demo"
  fi
}

already_running() {
  local f pid
  for f in nginx moto fcgi; do
    [ -f "$RUN/$f.pid" ] || continue
    while read -r pid; do
      [[ "$pid" =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] && return 0
    done < <(cat "$RUN/$f.pid"; echo)
  done
  return 1
}

show_logs() {
  local f
  for f in "$@" "$RUN/worker.log" "$RUN/nginx-error.log"; do
    [ -s "$f" ] || continue
    echo "---- last lines of $(rel "$f")" >&2
    tail -n 15 "$f" >&2
  done
}

fail() { echo "demo: $*" >&2; show_logs; stop_all >/dev/null 2>&1 || true; exit 1; }
fail_with() { local log=$1; shift; echo "demo: $*" >&2; show_logs "$log"; stop_all >/dev/null 2>&1 || true; exit 1; }

render_nginx_conf() {
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root root;"
  mkdir -p "$RUN/nginx-tmp"
  sed -e "s|@RUN@|$RUN|g" -e "s|@LISTEN@|127.0.0.1:$PORT|g" -e "s|@WWW@|$root/www|g" \
      -e "s|@FCGI@|unix:$RUN/fcgi.sock|g" -e "s|@FASTCGI_PARAMS@|$FASTCGI_PARAMS|g" \
      -e "s|@USER_LINE@|$user_line|" "$root/nginx/dev.conf.in" >"$RUN/nginx.conf"
}

wait_for_ready_line() {  # logfile pid seconds

  for _ in $(seq 1 $(($3 * 10))); do
    grep -q '^READY' "$1" 2>/dev/null && return 0
    [ -d "/proc/$2" ] || return 1
    sleep 0.1
  done
  return 1
}

# Environment for the worker: in moto mode only the seeded bootstrap identity
# (the caller's own AWS settings must not leak in); in AWS mode the caller's.
worker_env() {
  if [ "$mode" = moto ]; then
    local v
    for v in $(compgen -e); do
      case "$v" in AWS_*|BUCKETLIST_SECRET*|BUCKETLIST_S3*|BUCKETLIST_REFETCH*) unset "$v" ;; esac
    done
    set -a
    # shellcheck disable=SC1091
    . "$RUN/bootstrap.env"
    set +a
    export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent/aws-config \
      AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws-credentials
  fi
  export BUCKETLIST_LOG_FILE="$RUN/worker.log"
}

# --- main --------------------------------------------------------------------
mode=moto
detach=0
for arg in "$@"; do
  case "$arg" in
    --stop) stop_all; exit 0 ;;
    --aws) mode=aws ;;
    --detach) detach=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown option '$arg' (use --stop, --detach or --aws)" ;;
  esac
done

[ -x "$WORKER" ] || die "no worker at $(rel "$WORKER"): run 'make' first"
[ -x "$NGINX" ] || die "nginx not found: run 'make deps' (scripts/install-deps.sh)"
[ -x "$SPAWN_FCGI" ] || die "spawn-fcgi not found: run 'make deps' (scripts/install-deps.sh)"
[ -r "$FASTCGI_PARAMS" ] || die "$FASTCGI_PARAMS not found (it comes with nginx); set FASTCGI_PARAMS=/path"
command -v curl >/dev/null 2>&1 || die "curl not found: run 'make deps'"
if [ "$mode" = aws ] && [ -z "${BUCKETLIST_SECRET_ID:-}" ]; then
  die "BUCKETLIST_SECRET_ID is not set. Set it to the name or ARN of the Secrets Manager secret that holds
      the S3 credentials, e.g.  BUCKETLIST_SECRET_ID=bucketlist/s3-credentials make run
      (AWS credentials and region come from your usual environment, ~/.aws or the instance role)."
fi

mkdir -p "$RUN"
chmod 0700 "$RUN"
if already_running; then
  die "a demo is already running (PID files in $(rel "$RUN")/). Stop it with 'make demo-stop' first."
fi
check_port "$PORT" BUCKETLIST_PORT
[ "$mode" = moto ] && check_port "$MOTO_PORT" MOTO_PORT
rm -f "$RUN/worker.log" "$RUN/nginx-error.log" "$RUN/nginx-access.log" "$RUN/moto.log" "$RUN/moto-requests.log"

trap 'echo; stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

if [ "$mode" = moto ]; then
  say "starting moto on 127.0.0.1:$MOTO_PORT (signature checks on)"
  "$PYTHON" "$root/scripts/moto-server.py" --port "$MOTO_PORT" \
    --request-log "$RUN/moto-requests.log" >"$RUN/moto.log" 2>&1 </dev/null &
  echo $! >"$RUN/moto.pid"
  wait_for_ready_line "$RUN/moto.log" "$(cat "$RUN/moto.pid")" 30 || fail_with "$RUN/moto.log" "moto did not start"
  "$PYTHON" "$root/scripts/seed-moto.py" --endpoint "http://127.0.0.1:$MOTO_PORT" \
    --out "$RUN/bootstrap.env" | sed 's/^seed-moto: /demo: seeded: /' || fail "seeding moto failed"
fi

(
  worker_env
  say "checking the configuration: bucketlist.fcgi --check"
  if ! "$WORKER" --check; then
    exit 1
  fi
) || fail "the worker's --check failed (message above)"

(
  worker_env
  rm -f "$RUN/fcgi.sock"
  "$SPAWN_FCGI" -F "$WORKERS" -s "$RUN/fcgi.sock" -M 0600 -P "$RUN/fcgi.pid" -- \
    "$WORKER" --log-file "$RUN/worker.log" >/dev/null
) || fail "spawn-fcgi could not start the worker"
say "started $WORKERS worker processes on $(rel "$RUN")/fcgi.sock"

render_nginx_conf
"$NGINX" -t -q -p "$RUN/" -e "$RUN/nginx-error.log" -c "$RUN/nginx.conf" || fail "nginx rejected $(rel "$RUN")/nginx.conf"
# Its own output goes to a file: a caller reading our stdout must not wait on nginx.
"$NGINX" -p "$RUN/" -e "$RUN/nginx-error.log" -c "$RUN/nginx.conf" >"$RUN/nginx.out" 2>&1 </dev/null &
nginx_pid=$!

ok=0
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then ok=1; break; fi
  [ -d "/proc/$nginx_pid" ] || break
  sleep 0.2
done
[ "$ok" = 1 ] || fail "http://127.0.0.1:$PORT/healthz did not answer 200"

where="local moto"
[ "$mode" = aws ] && where="AWS"
cat <<EOF

  bucketlist is running ($where):   http://127.0.0.1:$PORT/

  logs:  worker   $(rel "$RUN")/worker.log
         nginx    $(rel "$RUN")/nginx-access.log, $(rel "$RUN")/nginx-error.log
EOF
[ "$mode" = moto ] && echo "         moto     $(rel "$RUN")/moto.log (API calls: $(rel "$RUN")/moto-requests.log)"
if [ "$detach" = 1 ]; then
  echo "  stop:  make demo-stop   (or scripts/demo.sh --stop)"
  echo
  exit 0
fi
echo "  stop:  Ctrl-C here, or 'make demo-stop' from another terminal"
echo

while :; do
  if ! [ -d "/proc/$nginx_pid" ]; then
    # 'make demo-stop' removes the PID files: that is a clean stop.
    [ -f "$RUN/nginx.pid" ] || { stop_all; say "stopped"; exit 0; }
    fail "nginx exited"
  fi
  if [ "$mode" = moto ] && ! pid_is "$(cat "$RUN/moto.pid" 2>/dev/null || echo 0)" moto-server.py; then
    fail "moto exited"
  fi
  sleep 1 &
  wait $! || true
done
