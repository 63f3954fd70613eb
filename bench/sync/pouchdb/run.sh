#!/usr/bin/env bash
# Installs the PouchDB peer (npm registry) into a cache folder once, then runs run.js with the
# given arguments. Debian's nodejs and npm are installed when missing.
#   bench/sync/pouchdb/run.sh --records FILE.jsonl [--clients 10] [--batch-size 500] [--json]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${GUICHET_POUCHDB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/guichet/pouchdb-peer}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "run.sh: node and npm are needed (apt-get install nodejs npm)" >&2
    exit 2
  fi
fi
mkdir -p "$cache"
# The versions the lock file names, installed again whenever it changes.
if ! cmp -s "$here/package-lock.json" "$cache/package-lock.json" || [ ! -d "$cache/node_modules/pouchdb-server" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
NODE_PATH="$cache/node_modules" exec node "$here/run.js" "$@"
