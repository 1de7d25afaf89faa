#!/bin/sh
# Renders docs/screenshots/main-window.png: the real ChatWindow against an in-process server,
# under Xvfb (a real X server, the xcb platform plugin, no window manager), over TLS as a user
# meets it (the server's certificate trusted as a CA would be: no prompt in the picture).
# Needs: a build in build/ (make build) and xvfb (apt install xvfb xauth).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CONFAB_TEST_TLS=1 QT_QPA_PLATFORM=xcb QT_LOGGING_RULES='*.info=false;qt.*=false' \
  xvfb-run -a -s "-screen 0 1280x800x24 -dpi 96" \
  "$root/build/tests/confab_screenshot" "$here/main-window.png"
