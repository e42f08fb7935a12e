#!/usr/bin/env bash
# `npm run observability:rules`: the alert rules are valid (promtool check rules), the deploy
# scrape config with them (promtool check config), every alert has a unit test, and the tests pass
# (promtool test rules deploy/prometheus/tests/*.test.yml). promtool comes with Debian's prometheus
# package (scripts/setup-system.sh). Offline, a second or two.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v promtool >/dev/null 2>&1 || {
  echo "observability:rules: promtool not found: run 'npm run setup' (installs Debian's prometheus package)"
  exit 1
}
rules=deploy/prometheus/alerts.yml
tests=(deploy/prometheus/tests/*.test.yml)
promtool check rules "$rules"
promtool check config deploy/prometheus/prometheus.yml
# An alert without a test is an alert nobody saw fire.
untested=()
for alert in $(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$rules"); do
  grep -q "alertname: *$alert\$" "${tests[@]}" || untested+=("$alert")
done
if [ ${#untested[@]} -gt 0 ]; then
  echo "observability:rules: alerts without a promtool test in deploy/prometheus/tests/: ${untested[*]}"
  exit 1
fi
promtool test rules "${tests[@]}"
echo "observability:rules: $(grep -c '^ *- alert:' "$rules") alerts, ${#tests[@]} test files: all pass"
