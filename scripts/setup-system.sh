#!/usr/bin/env bash
# Installs the system packages the project needs (Debian): Java 17 and Maven for the Kafka jars,
# PostgreSQL 15 for the read model, Prometheus (prometheus and promtool: the stack's metrics store,
# the alert-rule tests). Idempotent: installs only what is missing.
set -euo pipefail
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
# The package's systemd unit is not used (the stack runs Prometheus itself, on its own port).
{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || missing+=(prometheus)
if [ ${#missing[@]} -eq 0 ]; then
  echo "[setup] system packages present (java, maven, postgresql-15, prometheus)"
  exit 0
fi
echo "[setup] installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
