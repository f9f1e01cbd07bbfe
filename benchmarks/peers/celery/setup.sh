#!/usr/bin/env bash
# Create (or reuse) a Python venv with the pinned Celery peer dependencies.
#   usage: benchmarks/peers/celery/setup.sh VENV_DIR
# Idempotent: when VENV_DIR already holds exactly these pins, it does nothing.
# Quiet on success (one line on stderr); non-zero exit with a message on failure.
# PYTHON=/path/to/python3 overrides the interpreter used to create the venv.
set -euo pipefail

die() { echo "celery peer setup: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 VENV_DIR"
VENV=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REQ="$HERE/requirements.txt"
PY=${PYTHON:-python3}
STAMP="$VENV/.swarm-celery-peer.sha256"

[ -f "$REQ" ] || die "missing $REQ"
want=$(sha256sum "$REQ" | cut -d' ' -f1)

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
   && "$VENV/bin/python" -c 'import celery, kombu, redis' >/dev/null 2>&1; then
    echo "celery peer setup: $VENV already up to date" >&2
    exit 0
fi

command -v "$PY" >/dev/null 2>&1 || die "$PY not found (set PYTHON=...)"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
    || die "$PY is older than Python 3.9"

log=$(mktemp "${TMPDIR:-/tmp}/celery-peer-setup.XXXXXX")
trap 'rm -f "$log"' EXIT

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" >"$log" 2>&1 \
        || { cat "$log" >&2; die "'$PY -m venv $VENV' failed (on Debian: apt-get install python3-venv)"; }
fi

timeout 600 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -r "$REQ" >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "pip install -r $REQ into $VENV failed"; }

"$VENV/bin/python" -c 'import celery, kombu, redis, hiredis' >"$log" 2>&1 \
    || { cat "$log" >&2; die "installed packages do not import"; }

echo "$want" >"$STAMP"
echo "celery peer setup: installed $("$VENV/bin/python" -c 'import celery; print("celery", celery.__version__)') into $VENV" >&2
