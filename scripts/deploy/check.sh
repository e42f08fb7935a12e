#!/usr/bin/env bash
# `npm run deploy:check`: validates the deployment assets offline — the Dockerfile, the Helm chart
# (lint, render, kubeconform against bundled Kubernetes and CRD schemas, unit tests of the rendered
# objects) and the Terraform modules (fmt, tflint; validate when provider binaries are given).
# Installs its tools first (scripts/deploy/tools.sh). Runs every check, then prints a summary;
# exits non-zero if any check failed.
#
# Full `tofu validate` needs the Mongey/kafka and hashicorp/helm provider binaries, which no
# package registry serves: put them in .tools/providers/ (or set DEPLOY_TF_PROVIDERS_DIR) as
# terraform-provider-kafka and terraform-provider-helm and they are used through dev_overrides.
set -uo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)

bash scripts/deploy/tools.sh || {
  echo "deploy:check: FAIL — the tools could not be installed (see above)"
  exit 1
}
# shellcheck source=/dev/null
source .tools/versions.env

BIN=$PWD/.tools/bin
CHART=deploy/helm/kafka-ecommerce-pipeline
PRODUCTION=$CHART/values-production.yaml
TERRAFORM=deploy/terraform
NODE=./node_modules/.bin/node
[ -x "$NODE" ] || NODE=node
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

summary=()
passed=0
failed=0
not_run=0

# check NAME COMMAND...: runs one check, output indented, and records PASS/FAIL with its time.
check() {
  local name=$1 t0 status
  shift
  printf '\n==> %s\n' "$name"
  t0=$(date +%s)
  "$@" 2>&1 | sed 's/^/    /'
  status=${PIPESTATUS[0]}
  if [ "$status" -eq 0 ]; then
    summary+=("PASS  $name ($(($(date +%s) - t0))s)")
    passed=$((passed + 1))
  else
    summary+=("FAIL  $name (exit $status)")
    failed=$((failed + 1))
  fi
}

not_run() {
  printf '\n==> %s\n    NOT RUN: %s\n' "$1" "$2"
  summary+=("----  $1: not run ($2)")
  not_run=$((not_run + 1))
}

helm_template() { "$BIN/helm" template orders "$CHART" --kube-version "$KUBERNETES_VERSION" "$@"; }

# Every kind needs a schema: the bundled Kubernetes ones, or the CRD ones vendored in the repo.
kubeconform_stdin() {
  "$BIN/kubeconform" -strict -summary -output text -kubernetes-version "$KUBERNETES_VERSION" \
    -schema-location "$PWD/.tools/k8s-schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$PWD/deploy/helm/crd-schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
    -
}

render_and_validate() {
  local file=$OUT/$1.yaml
  shift
  helm_template "$@" >"$file" || return 1
  echo "rendered: $(grep -c '^kind:' "$file") objects ($(grep '^kind:' "$file" | sort | uniq -c | awk '{ printf "%s%s×%s", sep, $1, $3; sep=", " }'))"
  kubeconform_stdin <"$file"
}

# Every optional object on, so that the CRD kinds and the Secrets are validated too.
ALL_OPTIONS=(
  --set workloadDefaults.keda.enabled=true --set metrics.podMonitor.enabled=true
  --set metrics.prometheusRule.enabled=true --set secrets.databaseUrl=postgres://u:p@db/shop
  --set secrets.smsApiKey=k --set secrets.webhookSecret=s --set kafka.sasl.enabled=true
  --set kafka.sasl.username=u --set kafka.sasl.password=p --set kafka.tls.enabled=true
)

# Runs a command that prints nothing when all is well, and says so.
silent_ok() { "$@" && echo "no findings"; }

check "Dockerfile lint (dockerfile-utils $DOCKERFILE_UTILS_VERSION)" \
  silent_ok "$NODE" .tools/npm/node_modules/dockerfile-utils/bin/dockerfile-utils lint Dockerfile
check "helm lint --strict (default values)" "$BIN/helm" lint --strict --kube-version "$KUBERNETES_VERSION" "$CHART"
check "helm lint --strict (values-production.yaml)" \
  "$BIN/helm" lint --strict --kube-version "$KUBERNETES_VERSION" -f "$PRODUCTION" "$CHART"
check "helm lint --strict (values-production.yaml + values-per-service.yaml)" \
  "$BIN/helm" lint --strict --kube-version "$KUBERNETES_VERSION" -f "$PRODUCTION" -f "$CHART/values-per-service.yaml" "$CHART"
check "helm template | kubeconform -strict, Kubernetes $KUBERNETES_VERSION (default values)" \
  render_and_validate default
check "helm template | kubeconform -strict, Kubernetes $KUBERNETES_VERSION (values-production.yaml)" \
  render_and_validate production -f "$PRODUCTION"
check "helm template | kubeconform -strict, Kubernetes $KUBERNETES_VERSION (values-per-service.yaml: one workload per service)" \
  render_and_validate per-service -f "$PRODUCTION" -f "$CHART/values-per-service.yaml"
check "helm template | kubeconform -strict, Kubernetes $KUBERNETES_VERSION (KEDA, PodMonitor, PrometheusRule, Secrets)" \
  render_and_validate all-options "${ALL_OPTIONS[@]}"
check "chart unit tests (node:test over helm template)" \
  env HELM="$BIN/helm" KUBE_VERSION="$KUBERNETES_VERSION" "$NODE" --test --test-reporter=spec \
  test/unit/deploy/chart.deploy-check.ts

# OpenTofu reads its CLI configuration from TF_CLI_CONFIG_FILE, which the environment may point at
# a missing file: always give it one of ours.
export TF_CLI_CONFIG_FILE=$OUT/tofu.tfrc
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
: >"$TF_CLI_CONFIG_FILE"
check "tofu fmt -check (OpenTofu $OPENTOFU_VERSION)" silent_ok "$BIN/tofu" fmt -check -recursive -diff "$TERRAFORM"
check "tflint $TFLINT_VERSION (terraform ruleset, all rules; no provider needed)" \
  silent_ok "$BIN/tflint" --chdir="$TERRAFORM" --recursive --config="$PWD/$TERRAFORM/.tflint.hcl" --format=compact

providers=${DEPLOY_TF_PROVIDERS_DIR:-$PWD/.tools/providers}
if [ -x "$providers/terraform-provider-kafka" ] && [ -x "$providers/terraform-provider-helm" ]; then
  cat >"$TF_CLI_CONFIG_FILE" <<EOF
provider_installation {
  dev_overrides {
    "Mongey/kafka"   = "$providers"
    "hashicorp/helm" = "$providers"
  }
  direct {}
}
EOF
  # No `tofu init` (it would ask the registry for the overridden providers too): `tofu get`
  # installs the local module calls, into a data dir outside the work tree.
  validate_all() {
    local dir status=0
    for dir in "$TERRAFORM"/modules/* "$TERRAFORM"/examples/*; do
      echo "$dir:"
      export TF_DATA_DIR=$OUT/tofu-data/${dir//\//_}
      { "$BIN/tofu" -chdir="$dir" get -no-color >/dev/null && "$BIN/tofu" -chdir="$dir" validate -no-color; } || status=1
    done
    unset TF_DATA_DIR
    return $status
  }
  check "tofu validate (providers from $providers via dev_overrides)" validate_all
else
  not_run "tofu validate" "no Mongey/kafka and hashicorp/helm provider binaries in $providers: no registry serves them"
fi

printf '\n==> deploy:check summary (helm %s, kubeconform %s, Kubernetes %s schemas, OpenTofu %s, tflint %s)\n' \
  "$HELM_VERSION" "$KUBECONFORM_VERSION" "$KUBERNETES_VERSION" "$OPENTOFU_VERSION" "$TFLINT_VERSION"
printf '    %s\n' "${summary[@]}"
result=PASS
[ "$failed" -eq 0 ] || result=FAIL
echo "deploy:check $result in $(($(date +%s) - started))s: $passed passed, $failed failed, $not_run not run"
[ "$failed" -eq 0 ]
