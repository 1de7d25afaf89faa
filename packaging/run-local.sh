#!/usr/bin/env bash
# Starts confab-server on 127.0.0.1 with an embedded SQLite store in ./.confab-data, and the
# desktop client pointed at it when a display is available. Used by `make run`.
set -euo pipefail
build=${1:-build}
port=${2:-7080}
data=${CONFAB_DATA_DIR:-$PWD/.confab-data}
mkdir -p "$data"
server=("$build/server/confab-server" --listen 127.0.0.1 --port "$port" --data-dir "$data")
client="$build/client/ui/confab"
url="https://127.0.0.1:$port"
# TLS is on by default: the server makes its self-signed certificate in $data/tls on first use.
# Its fingerprint goes to the client on the command line, so this first run needs no prompt
# (a client pointed at any other server asks the user; docs/security.md).
fingerprint=$("${server[@]}" --print-fingerprint)

if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -x "$client" ]]; then
  "${server[@]}" &
  pid=$!
  trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "confab-server failed to start" >&2; exit 1; }
    sleep 0.1
  done
  echo "confab-server is serving $url (data in $data); opening the client."
  echo "Certificate SHA-256 fingerprint: $fingerprint"
  "$client" --server "$url" --trust-fingerprint "$fingerprint"
else
  echo "No display: running confab-server in the foreground on $url (data in $data)."
  echo "Certificate SHA-256 fingerprint: $fingerprint"
  echo "Check it with:   curl --cacert $data/tls/cert.pem $url/healthz"
  echo "Connect with:    confab --server $url   (from a machine with a display; compare the"
  echo "                 fingerprint it shows with the one above)"
  echo "Stop with Ctrl+C."
  exec "${server[@]}"
fi
