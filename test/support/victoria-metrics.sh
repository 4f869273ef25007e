#!/usr/bin/env bash
# Makes sure the VictoriaMetrics single-node binary is installed (Debian
# package victoria-metrics); the metrics tests and the console usage test start their own instance.
set -euo pipefail
LOG_TAG=victoria-metrics
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ensure_packages victoria-metrics victoria-metrics
command -v victoria-metrics
