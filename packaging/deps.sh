#!/usr/bin/env bash
# Installs the Debian 12 packages Confab needs to build, run and test.
# Idempotent: when every package is already installed it does nothing (no apt-get update).
# Uses sudo only when not running as root.
#
#   packaging/deps.sh           build + run + test dependencies
#   packaging/deps.sh --print   print the package list and exit
#   packaging/deps.sh --fuzz    also clang and libFuzzer (make fuzz)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config curl
  # Qt 6.4: Core/Gui/Widgets/Network/Sql/Test come with qt6-base-dev
  qt6-base-dev
  qt6-tools-dev              # Qt Linguist (lupdate, lrelease) for qt_add_translations
  qt6-l10n-tools
  qt6-translations-l10n      # Qt's own German strings (standard buttons)
  fonts-noto-color-emoji     # the composer's emoji and emoji in messages
  fonts-dejavu-core          # the UI font the screenshots and pixel tests assume
  qt6-websockets-dev
  libqt6sql6-sqlite          # embedded store (default)
  libsqlite3-dev             # confab-admin backup: SQLite's online backup API
  libqt6sql6-psql            # PostgreSQL driver for multi-node mode
  qt6-qpa-plugins            # offscreen + xcb platform plugins (GUI tests, client)
  qtkeychain-qt6-dev         # session tokens in the OS keychain
  # crypto and Redis
  libsodium-dev zlib1g-dev
  libssl-dev                 # OpenSSL 3: the server's TLS
  libhiredis-dev
  # the multi-node mode's engines, started privately by its tests (tests/services.h)
  postgresql redis-server haproxy
  liburing-dev               # io_uring: the server's batched socket writes
  libsystemd-dev             # sd_notify (Type=notify) and structured journal records
  # packages (make package) and their checks
  dpkg-dev fakeroot lintian appstream desktop-file-utils
  prometheus                 # promtool: checks packaging/monitoring's alert rules
)

# make fuzz: clang 14 with its sanitizer and libFuzzer runtimes.
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang libclang-rt-14-dev)
  shift
fi

if [[ "${1:-}" == "--print" ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  SUDO=(sudo)
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
