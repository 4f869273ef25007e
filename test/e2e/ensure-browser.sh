#!/usr/bin/env bash
# The console's end-to-end tests drive Debian's Chromium (and need a CJK font
# to render the Chinese pages); install what is missing from Debian's
# packages. Never downloads a browser build of its own.
set -euo pipefail
LOG_TAG=browser
# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then missing+=(fonts-wqy-microhei); fi
[ ${#missing[@]} -eq 0 ] && exit 0
install_packages "${missing[@]}"
