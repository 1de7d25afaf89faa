#!/usr/bin/env bash
# The Debian packages as an admin meets them (docs/operations.md): built from this build
# directory, checked by lintian, AppStream and systemd-analyze, installed with apt-get, the
# server started as its unit starts it (the confab user, the packaged config, the state
# directory), confab-admin through the socket and offline, then remove (data kept) and purge
# (data gone).
#
#   packaging/test-packages.sh BUILD_DIR
#
# It installs and purges packages on this machine, so it runs only as root with
# CONFAB_PACKAGE_TEST=1 (CI sets it); otherwise it exits 77 (CTest: skipped).
set -euo pipefail

build=$(realpath "${1:?usage: test-packages.sh BUILD_DIR}")
if [[ $(id -u) -ne 0 || "${CONFAB_PACKAGE_TEST:-0}" != 1 ]]; then
  echo "skipped: installs packages system-wide; run as root with CONFAB_PACKAGE_TEST=1"
  exit 77
fi
if dpkg-query -W -f='${Status}' confab-server 2>/dev/null | grep -q 'install ok installed'; then
  echo "skipped: confab-server is installed on this machine already; not touching it"
  exit 77
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  apt-get purge -y -qq confab-server confab >/dev/null 2>&1 || true
  userdel opsuser 2>/dev/null || true
  userdel outsider 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

step "build the packages"
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work" >/dev/null)
server_deb=$(ls "$work"/confab-server_*.deb)
client_deb=$(ls "$work"/confab_*.deb)
echo "$server_deb"
echo "$client_deb"

step "lintian (warnings and errors fail; overrides carry their reason)"
lintian --fail-on error,warning "$server_deb" "$client_deb"

step "install with apt-get"
apt-get install -y -qq "$server_deb" "$client_deb" >/dev/null
getent passwd confab >/dev/null || fail "no confab user"
[[ $(stat -c '%U:%G %a' /var/lib/confab) == "confab:confab 750" ]] \
  || fail "/var/lib/confab is $(stat -c '%U:%G %a' /var/lib/confab)"
[[ $(stat -c '%U:%G %a' /etc/confab/server.ini) == "root:confab 640" ]] \
  || fail "/etc/confab/server.ini is $(stat -c '%U:%G %a' /etc/confab/server.ini)"
dpkg-query -W -f='${Conffiles}\n' confab-server | grep -q /etc/confab/server.ini \
  || fail "server.ini is not a conffile"

step "the unit, the desktop file, the metainfo"
systemd-analyze verify --man=no /lib/systemd/system/confab-server.service
systemd-analyze security --offline=true /lib/systemd/system/confab-server.service \
  | tail -1
desktop-file-validate /usr/share/applications/org.confab.Confab.desktop
appstreamcli validate --no-net /usr/share/metainfo/org.confab.Confab.metainfo.xml
for f in /usr/share/man/man8/confab-server.8.gz /usr/share/man/man8/confab-admin.8.gz \
         /usr/share/man/man1/confab.1.gz /usr/share/icons/hicolor/scalable/apps/confab.svg \
         /usr/share/icons/hicolor/48x48/apps/confab.png; do
  [[ -f $f ]] || fail "missing $f"
done
QT_QPA_PLATFORM=offscreen /usr/bin/confab --help >/dev/null || fail "confab --help"

# As systemd would run it: the confab user and group, UMask=0007, the packaged config
# (/var/lib/confab, registration=invite), on a free port of this machine.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_server() {
  # setpriv execs (runuser would stay the parent and turn SIGTERM into its own exit 143).
  (umask 0007 && exec setpriv --reuid=confab --regid=confab --init-groups -- \
      env -i QT_ENABLE_REGEXP_JIT=0 \
      /usr/bin/confab-server --config /etc/confab/server.ini --listen 127.0.0.1 \
      --port "$port" --discovery off) 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 100); do
    grep -q 'listening on' "$work/server.log" && return 0
    sleep 0.1
  done
  cat "$work/server.log"
  fail "the server did not start"
}
stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || fail "the server did not stop cleanly (exit $?)"
  server_pid=
}

step "start the installed server as the unit does"
start_server
cat "$work/server.log"
grep -q 'registration is invite' "$work/server.log" || fail "registration is not invite"
grep -q 'no account yet' "$work/server.log" || fail "no setup code for the first account"
fingerprint=$(sed -n 's/.*SHA-256 fingerprint \(.*\)/\1/p' "$work/server.log")
printed=$(runuser -u confab -- /usr/bin/confab-server --config /etc/confab/server.ini \
          --print-fingerprint)
[[ "$fingerprint" == "$printed" ]] || fail "fingerprints differ: $fingerprint / $printed"
[[ $(stat -c '%U %a' /var/lib/confab/tls/key.pem) == "confab 600" ]] \
  || fail "the TLS key is $(stat -c '%U %a' /var/lib/confab/tls/key.pem)"
[[ $(stat -c '%U:%G %a' /var/lib/confab/admin.sock) == "confab:confab 660" ]] \
  || fail "admin.sock is $(stat -c '%U:%G %a' /var/lib/confab/admin.sock)"
curl -ksf "https://127.0.0.1:$port/healthz" | grep -q '"ok"' || fail "/healthz"

step "confab-admin: the first user, then a login"
echo 'first-admin-pass' | confab-admin users create alice --admin --password-stdin
login() {
  curl -ks -o "$work/login.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" "https://127.0.0.1:$port/api/v1/auth/login"
}
[[ $(login alice first-admin-pass) == 200 ]] || fail "alice cannot log in"
[[ $(login alice wrong-password) == 401 ]] || fail "a wrong password was taken"

step "confab-admin: a reset password replaces the old one"
new=$(confab-admin --json users reset-password alice \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
[[ $(login alice first-admin-pass) == 401 ]] || fail "the old password still works"
[[ $(login alice "$new") == 200 ]] || fail "the new password does not work"

step "confab-admin: members of the confab group may, others may not"
useradd --no-create-home --groups confab opsuser
useradd --no-create-home outsider
runuser -u opsuser -- confab-admin users list | grep -q alice || fail "opsuser cannot list"
if runuser -u outsider -- confab-admin users list >"$work/outsider.txt" 2>&1; then
  fail "a user outside the confab group reached the admin socket"
fi
grep -q 'no permission' "$work/outsider.txt" || fail "outsider: $(cat "$work/outsider.txt")"

step "confab-admin: backup while running; files stay the service's"
confab-admin backup "$work/backup.db"
confab-admin stats | grep -q 'running: *yes' || fail "stats: not running"
if find /var/lib/confab -user root | grep -q .; then
  find /var/lib/confab -user root -ls
  fail "root-owned files in /var/lib/confab"
fi

step "stopped: confab-admin works offline, and the server starts again after it"
stop_server
echo 'bob-password-1' | confab-admin users create bob --password-stdin
confab-admin --json stats | grep -q '"running": false' || fail "stats: running?"
confab-admin restore "$work/backup.db" | grep -q 'previous' || fail "restore"
if find /var/lib/confab -user root | grep -q .; then
  find /var/lib/confab -user root -ls
  fail "root-owned files in /var/lib/confab after offline commands"
fi
start_server
[[ $(login alice "$new") == 200 ]] || fail "alice after the restore"
[[ $(login bob bob-password-1) == 401 ]] || fail "bob came back from after the backup"
stop_server

step "remove keeps the data; purge deletes it"
apt-get remove -y -qq confab-server >/dev/null
[[ -f /var/lib/confab/confab.db ]] || fail "remove deleted the data"
apt-get install -y -qq "$server_deb" >/dev/null
runuser -u confab -- confab-admin --data-dir /var/lib/confab users list | grep -q alice \
  || fail "the reinstalled package does not see the data"
apt-get purge -y -qq confab-server confab >/dev/null
[[ ! -e /var/lib/confab ]] || fail "purge left /var/lib/confab"
[[ ! -e /etc/confab ]] || fail "purge left /etc/confab"

echo
echo "packages: all checks passed"
