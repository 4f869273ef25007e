#!/usr/bin/env bash
# Installs every Debian package the tests use, once and before any test
# starts (`npm test` runs this first), in one apt-get. The scripts that need a
# package still check for it on their own (a single test file run directly),
# and install_packages serialises those, so two never run apt-get at once.
set -euo pipefail
LOG_TAG=packages
# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

packages=(
  postgresql         # test/services: the database
  nats-server        # test/services: the bus (JetStream)
  haproxy            # test/support/scale-layout.ts: the load balancer in front of the api replicas
  openjdk-17-jre-headless # test/services/kafka.sh: runs the Kafka broker
  maven              # test/services/kafka.sh: fetches the Kafka jars from Maven Central
  victoria-metrics   # test/support/victoria-metrics.sh: metric history
  shellcheck         # test/tools/install.sh: the shell linter
  chromium           # test/e2e/ensure-browser.sh: the console e2e browser
  fonts-wqy-microhei # test/e2e/ensure-browser.sh: CJK glyphs for the Chinese pages
)
mapfile -t missing < <(missing_packages "${packages[@]}")
[ ${#missing[@]} -eq 0 ] || install_packages "${missing[@]}"
