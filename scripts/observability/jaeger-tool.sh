#!/usr/bin/env bash
# Builds Jaeger v2 (the all-in-one `jaeger` binary: an OpenTelemetry Collector distribution with
# memory storage, OTLP receivers and the query API) into .tools/bin at a pinned version, from the Go
# module proxy only. Same pattern as scripts/deploy/tools.sh: idempotent, a stamp per pinned
# version, a progress line per step, the build at the lowest priority. Prints the binary's path last.
#
#   bash scripts/observability/jaeger-tool.sh     # then .tools/bin/jaeger
set -euo pipefail
cd "$(dirname "$0")/../.."

# The Go module is tagged v1.x; its `jaeger` command is Jaeger v2 (the v1 binaries live elsewhere).
JAEGER_MODULE_VERSION=v1.76.0
# Jaeger's go.mod replaces Shopify/sarama with IBM/sarama; a consumer module must pin the old path
# to a version that still declares it, or `go get` fails on the module-path mismatch.
SARAMA_REPLACE=github.com/Shopify/sarama@v1.33.0

TOOLS=.tools
BIN=$TOOLS/bin
STAMPS=$TOOLS/stamps
STAMP=$STAMPS/jaeger-$JAEGER_MODULE_VERSION
mkdir -p "$BIN" "$STAMPS" "$TOOLS/cache"
NICE=(nice -n 19)

say() { printf '[jaeger-tool] %s\n' "$*" >&2; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

if [ -f "$STAMP" ] && [ -x "$BIN/jaeger" ]; then
  say "jaeger $JAEGER_MODULE_VERSION: present"
  echo "$PWD/$BIN/jaeger"
  exit 0
fi

GO=$(command -v go || true)
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
[ -n "$GO" ] || {
  say "Go is needed to build Jaeger (apt-get install golang-go, or a Go >= 1.25 toolchain)"
  exit 1
}

# `go install …@version` refuses a module with replace directives: build it as a tool of a
# throwaway module instead. Go's own build and module caches (as scripts/deploy/tools.sh uses
# them): a fresh clone on a machine that built Jaeger once builds it again in well under a minute.
say "jaeger $JAEGER_MODULE_VERSION: building Jaeger v2 with Go (cold: 5-16 min on two cores, warm: under a minute)..."
t0=$(date +%s)
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod CGO_ENABLED=0
(
  cd "$work"
  "$GO" mod init jaeger-tool >/dev/null 2>&1
  "$GO" mod edit -replace "github.com/Shopify/sarama=$SARAMA_REPLACE"
  say "jaeger $JAEGER_MODULE_VERSION: resolving modules..."
  # Its list of a few hundred downloaded modules is noise unless it fails.
  "${NICE[@]}" "$GO" get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION" \
    >get.log 2>&1 || { cat get.log >&2; exit 1; }
  say "jaeger $JAEGER_MODULE_VERSION: compiling (elapsed $(elapsed "$t0"))..."
  # The version Jaeger reports (`jaeger version`, its build-info metric) is set by link flags, as
  # its Makefile does; here the module version, which names the source exactly.
  "${NICE[@]}" "$GO" build -trimpath \
    -ldflags "-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_MODULE_VERSION" \
    -o "$root/$BIN/jaeger.partial" github.com/jaegertracing/jaeger/cmd/jaeger
)
# Renamed only when complete: an interrupted build is never taken for a Jaeger.
mv "$BIN/jaeger.partial" "$BIN/jaeger"
version=$("$BIN/jaeger" version 2>/dev/null | tail -1)
[[ $version == *"\"gitVersion\":\"$JAEGER_MODULE_VERSION\""* ]] || { say "jaeger version says: $version"; exit 1; }
touch "$STAMP"
say "jaeger $JAEGER_MODULE_VERSION: installed in $(elapsed "$t0")"
echo "$PWD/$BIN/jaeger"
