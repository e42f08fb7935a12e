#!/usr/bin/env bash
# Installs the tools of `npm run deploy:check` into .tools/ (git-ignored) at pinned versions, from
# package registries only: Go modules built with the local Go toolchain, one PyPI wheel, one npm
# package. Idempotent: a tool is (re)installed only when its stamp for the pinned version is
# missing, so bumping a version below reinstalls it. Prints one progress line per tool.
#
#   bash scripts/deploy/tools.sh          # then .tools/bin/{helm,kubeconform,tofu,tflint}
set -euo pipefail
cd "$(dirname "$0")/../.."

HELM_VERSION=v3.22.0
# Helm's default Kubernetes version (.Capabilities.KubeVersion) comes from link flags, as its
# Makefile sets them from client-go (v0.37 → 1.37); a plain `go install` would say v1.20.
HELM_KUBE_MINOR=37
KUBECONFORM_VERSION=v0.8.0
# The Kubernetes version the manifests are validated against; its schemas come from this wheel.
KUBERNETES_VERSION=1.37.0
KUBERNETES_VALIDATE_VERSION=1.37.0
OPENTOFU_VERSION=v1.12.6
TFLINT_VERSION=v0.64.0
DOCKERFILE_UTILS_VERSION=0.16.3

TOOLS=.tools
BIN=$TOOLS/bin
STAMPS=$TOOLS/stamps
mkdir -p "$BIN" "$STAMPS" "$TOOLS/cache"
# Builds run at the lowest priority: they share the machine with tests.
NICE=(nice -n 19)

say() { printf '[deploy-tools] %s\n' "$*"; }
present() { [ -f "$STAMPS/$1" ] && [ -x "$BIN/$2" ]; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

need_go() {
  command -v go >/dev/null 2>&1 || {
    say "Go is needed to build $1 (apt-get install golang-go, or a Go >= 1.25 toolchain)"
    exit 1
  }
}

install_helm() {
  if present "helm-$HELM_VERSION-k8s1.$HELM_KUBE_MINOR" helm; then say "helm $HELM_VERSION: present"; return; fi
  need_go helm
  say "helm $HELM_VERSION: building with go install (cold Go cache: 1-4 min)..."
  local t0 pkg=helm.sh/helm/v3
  t0=$(date +%s)
  GOBIN="$PWD/$BIN" CGO_ENABLED=0 "${NICE[@]}" go install -trimpath -ldflags "-s -w \
    -X $pkg/internal/version.version=$HELM_VERSION \
    -X $pkg/pkg/lint/rules.k8sVersionMajor=1 -X $pkg/pkg/lint/rules.k8sVersionMinor=$HELM_KUBE_MINOR \
    -X $pkg/pkg/chartutil.k8sVersionMajor=1 -X $pkg/pkg/chartutil.k8sVersionMinor=$HELM_KUBE_MINOR" \
    "$pkg/cmd/helm@$HELM_VERSION"
  local version
  version=$("$BIN/helm" version --template '{{ .Version }}')
  [ "$version" = "$HELM_VERSION" ] || { say "helm says: $version"; return 1; }
  touch "$STAMPS/helm-$HELM_VERSION-k8s1.$HELM_KUBE_MINOR"
  say "helm $HELM_VERSION: installed in $(elapsed "$t0")"
}

install_kubeconform() {
  if present "kubeconform-$KUBECONFORM_VERSION" kubeconform; then say "kubeconform $KUBECONFORM_VERSION: present"; return; fi
  need_go kubeconform
  say "kubeconform $KUBECONFORM_VERSION: building with go install..."
  local t0
  t0=$(date +%s)
  GOBIN="$PWD/$BIN" CGO_ENABLED=0 "${NICE[@]}" go install -trimpath -ldflags "-s -w -X main.version=$KUBECONFORM_VERSION" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  touch "$STAMPS/kubeconform-$KUBECONFORM_VERSION"
  say "kubeconform $KUBECONFORM_VERSION: installed in $(elapsed "$t0")"
}

install_k8s_schemas() {
  local stamp="k8s-schemas-$KUBERNETES_VERSION-kv$KUBERNETES_VALIDATE_VERSION"
  if [ -f "$STAMPS/$stamp" ]; then say "Kubernetes $KUBERNETES_VERSION schemas: present"; return; fi
  say "Kubernetes $KUBERNETES_VERSION schemas: kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI..."
  local t0 wheel
  t0=$(date +%s)
  python3 -m pip download --quiet --no-deps --only-binary=:all: --disable-pip-version-check \
    -d "$TOOLS/cache" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  wheel=$(ls "$TOOLS"/cache/kubernetes_validate-"$KUBERNETES_VALIDATE_VERSION"-*.whl)
  rm -rf "$TOOLS/k8s-schemas"
  python3 scripts/deploy/k8s-schemas.py "$wheel" "$KUBERNETES_VERSION" "$TOOLS/k8s-schemas"
  rm -f "$wheel"
  touch "$STAMPS/$stamp"
  say "Kubernetes $KUBERNETES_VERSION schemas: ready in $(elapsed "$t0")"
}

install_tofu() {
  if present "tofu-$OPENTOFU_VERSION" tofu; then say "OpenTofu $OPENTOFU_VERSION: present"; return; fi
  need_go OpenTofu
  # `go install` refuses the module (it has a replace directive): build in a copy of its source.
  say "OpenTofu $OPENTOFU_VERSION: building from its module source (cold Go cache: 3-12 min)..."
  local t0 dir work root=$PWD
  t0=$(date +%s)
  dir=$(go mod download -json "github.com/opentofu/opentofu@$OPENTOFU_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  work=$(mktemp -d)
  cp -r "$dir/." "$work/"
  chmod -R u+w "$work"
  (cd "$work" && CGO_ENABLED=0 "${NICE[@]}" go build -trimpath \
    -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$root/$BIN/tofu" ./cmd/tofu)
  rm -rf "$work"
  local version
  version=$(TF_CLI_CONFIG_FILE=/dev/null "$BIN/tofu" version)
  [[ $version == *"OpenTofu $OPENTOFU_VERSION"* ]] || { say "tofu says: $version"; return 1; }
  touch "$STAMPS/tofu-$OPENTOFU_VERSION"
  say "OpenTofu $OPENTOFU_VERSION: installed in $(elapsed "$t0")"
}

install_tflint() {
  if present "tflint-$TFLINT_VERSION" tflint; then say "tflint $TFLINT_VERSION: present"; return; fi
  need_go tflint
  say "tflint $TFLINT_VERSION: building with go install (cold Go cache: 1-5 min)..."
  local t0
  t0=$(date +%s)
  GOBIN="$PWD/$BIN" CGO_ENABLED=0 "${NICE[@]}" go install -trimpath -ldflags "-s -w" \
    "github.com/terraform-linters/tflint@$TFLINT_VERSION"
  touch "$STAMPS/tflint-$TFLINT_VERSION"
  say "tflint $TFLINT_VERSION: installed in $(elapsed "$t0")"
}

install_dockerfile_utils() {
  local cli="$TOOLS/npm/node_modules/.bin/dockerfile-utils"
  if [ -f "$STAMPS/dockerfile-utils-$DOCKERFILE_UTILS_VERSION" ] && [ -x "$cli" ]; then
    say "dockerfile-utils $DOCKERFILE_UTILS_VERSION: present"
    return
  fi
  say "dockerfile-utils $DOCKERFILE_UTILS_VERSION: npm install..."
  local t0
  t0=$(date +%s)
  mkdir -p "$TOOLS/npm"
  npm install --prefix "$TOOLS/npm" --no-save --no-audit --no-fund --loglevel=error \
    "dockerfile-utils@$DOCKERFILE_UTILS_VERSION" >/dev/null
  touch "$STAMPS/dockerfile-utils-$DOCKERFILE_UTILS_VERSION"
  say "dockerfile-utils $DOCKERFILE_UTILS_VERSION: installed in $(elapsed "$t0")"
}

# One Go build at a time (they each use every core).
install_helm
install_kubeconform
install_k8s_schemas
install_dockerfile_utils
install_tofu
install_tflint

# Read by check.sh.
cat >"$TOOLS/versions.env" <<EOF
HELM_VERSION=$HELM_VERSION
KUBECONFORM_VERSION=$KUBECONFORM_VERSION
KUBERNETES_VERSION=$KUBERNETES_VERSION
OPENTOFU_VERSION=$OPENTOFU_VERSION
TFLINT_VERSION=$TFLINT_VERSION
DOCKERFILE_UTILS_VERSION=$DOCKERFILE_UTILS_VERSION
EOF
