#!/usr/bin/env bash
# Installs, with apt, only the Debian packages bucketlist needs that are
# missing, and checks that the Python used by the tests has moto and boto3.
# Idempotent: a second run installs nothing and prints one line.
#
#   scripts/install-deps.sh            build + test + demo dependencies
#   scripts/install-deps.sh --runtime  only what `make run` needs
#   scripts/install-deps.sh --browser  also Chromium + playwright-core (browser test)
#
# The Python is $PYTHON, else `python3` on PATH.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}

build_pkgs=(gcc make pkg-config libc6-dev libfcgi-dev libcurl4-openssl-dev libssl-dev
            libjson-c-dev libexpat1-dev libcmocka-dev ca-certificates)
run_pkgs=(spawn-fcgi nginx-light curl)
test_pkgs=(valgrind procps)
browser_pkgs=(chromium nodejs npm)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
with_browser=0
case "${1:-}" in
  --runtime) ;;
  --browser) want+=("${test_pkgs[@]}" "${browser_pkgs[@]}"); with_browser=1 ;;
  "") want+=("${test_pkgs[@]}") ;;
  *) echo "install-deps: unknown option '$1' (use --runtime or --browser)" >&2; exit 2 ;;
esac

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
# nginx-light, nginx-core or nginx-full all provide the nginx binary we need.
have_cmd_pkg() {
  case "$1" in
    nginx-light) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ;;
    nodejs) command -v node >/dev/null 2>&1 ;;
    npm) command -v npm >/dev/null 2>&1 ;;
    *) have_pkg "$1" ;;
  esac
}

missing=()
for p in "${want[@]}"; do have_cmd_pkg "$p" || missing+=("$p"); done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "install-deps: missing packages (${missing[*]}) and not root, and no sudo: install them as root, then rerun." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # A fresh image has no package lists; update only when apt cannot see a package.
  if ! apt-cache show "${missing[0]}" >/dev/null 2>&1 || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]; then
    "${SUDO[@]}" apt-get update -qq
  fi
  # Newer releases dropped nginx-light; plain nginx provides the same binary there.
  if [[ " ${missing[*]} " == *" nginx-light "* ]] && ! apt-cache show nginx-light >/dev/null 2>&1; then
    missing=("${missing[@]/nginx-light/nginx}")
  fi
  if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/bucketlist-apt.log 2>&1; then
    # Stale lists are the usual cause: refresh once and try again.
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" || {
      echo "install-deps: apt-get could not install ${missing[*]}; see the output above." >&2; exit 1; }
  fi
fi

if [ "$with_browser" = 1 ] && [ ! -d "$here/tests/browser/node_modules/playwright-core" ]; then
  echo "install-deps: installing playwright-core (npm) for the browser test"
  (cd "$here/tests/browser" && npm install --no-audit --no-fund --silent >/dev/null) || {
    echo "install-deps: npm install in tests/browser failed; check that the npm registry is reachable." >&2; exit 1; }
fi

if [ "${1:-}" != "--runtime" ]; then
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "install-deps: no '$PYTHON' found. Install Python 3, or set PYTHON=/path/to/python3." >&2; exit 1
  fi
  if ! "$PYTHON" -c 'import moto, boto3, flask' >/dev/null 2>&1; then
    echo "install-deps: $PYTHON lacks moto/boto3; trying pip install 'moto[server]' boto3"
    if ! "$PYTHON" -m pip install --quiet 'moto[server]>=5,<6' boto3 >/dev/null 2>&1; then
      echo "install-deps: $PYTHON has no moto/boto3 and pip could not install them." >&2
      echo "  Fix: run '$PYTHON -m pip install \"moto[server]>=5,<6\" boto3' where PyPI is reachable," >&2
      echo "  or set PYTHON to a Python that has them." >&2
      exit 1
    fi
  fi
fi
echo "install-deps: all dependencies present"
