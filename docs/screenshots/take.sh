#!/bin/sh
# Renders docs/screenshots/*.png: every screen of the real client (login, main window, files,
# diagnostics, settings, account, trust prompt) against an in-process server over TLS, in the
# light and the dark theme, at device pixel ratio 1 and 2, under Xvfb (a real X server, the xcb
# platform plugin, no window manager, 96 dpi, DejaVu fonts).
# Needs: a build in build/ (make build) and xvfb (apt install xvfb xauth).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for scale in 1 2; do
  for theme in light dark; do
    CONFAB_TEST_TLS=1 QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=$scale \
      QT_LOGGING_RULES='*.info=false;qt.*=false' \
      xvfb-run -a -s "-screen 0 2560x1600x24 -dpi 96" \
      "$root/build/tests/confab_screenshot" "$here" "$theme"
  done
done
