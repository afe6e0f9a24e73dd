# Kubernetes tools for the Helm chart's checks, built with Go from the module proxy (or, for the validator,
# installed from PyPI) and cached under ~/.cache/tracecart. Source it after scripts/lib.sh; it does nothing
# by itself. Every ensure_* function is idempotent and prints the path of what it ensured.
#
#   ensure_helm            Helm (the unit stage: lint and template)
#   ensure_kube_validate   kubernetes-validate in a venv (the unit stage: strict OpenAPI validation)
#   ensure_kube_binaries   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (test-k8s)
#   ensure_kwok            kwok, fake nodes without containers (test-k8s)

HELM_VERSION=v3.22.0
# The API server the chart is checked against; the validator's schemas use the same minor version.
KUBE_VERSION=v1.34.4
KUBE_STAGING_VERSION=v0.34.4
ETCD_VERSION=v3.6.17
KWOK_VERSION=v0.8.0
KUBE_VALIDATE_VERSION=1.37.0

ensure_go() { command -v go >/dev/null || apt_install golang-go; }

# Builds a main package of a module that carries replace directives (go install refuses those) as the
# main module of a throw-away copy. $1 module@version, $2 package path inside it, $3 output file, $4 ldflags.
go_build_module_copy() {
  local mod="$1" pkg="$2" out="$3" ldflags="${4:-}" source work
  source="$(go mod download -json "$mod" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -d "$source" ] || die "could not download $mod"
  work="$(mktemp -d)"
  cp -r "$source/." "$work/" && chmod -R u+w "$work"
  (cd "$work" && go build -trimpath -ldflags "$ldflags" -o "$out" "$pkg") >&2 || { rm -rf "$work"; die "build of $mod failed"; }
  rm -rf "$work"
}

ensure_helm() {
  local bin="$CACHE_DIR/helm-$HELM_VERSION/helm"
  [ -x "$bin" ] && { echo "$bin"; return; }
  ensure_go
  say "building Helm $HELM_VERSION with Go (first run only; a few minutes)"
  mkdir -p "$(dirname "$bin")"
  # What Helm's Makefile sets: its version, and the Kubernetes version of its client-go (the default
  # capabilities of `helm template` and lint's deprecation rules; unset, Helm assumes Kubernetes 1.20).
  local gomod minor
  gomod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  minor="$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$gomod" | head -n 1)"
  [ -n "$minor" ] || die "could not read client-go's version from Helm's go.mod"
  local ldflags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  local p
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
  done
  if ! GOBIN="$(dirname "$bin")" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2; then
    go_build_module_copy "helm.sh/helm/v3@$HELM_VERSION" ./cmd/helm "$bin" "$ldflags"
  fi
  [ -x "$bin" ] || die "Helm build failed"
  echo "$bin"
}

# kubernetes-validate ships the OpenAPI schemas of each Kubernetes minor version; it validates offline.
ensure_kube_validate() {
  local venv="$CACHE_DIR/kubernetes-validate-$KUBE_VALIDATE_VERSION"
  local bin="$venv/bin/kubernetes-validate"
  [ -x "$bin" ] && { echo "$bin"; return; }
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  say "installing kubernetes-validate $KUBE_VALIDATE_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" >&2 || die "could not create $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBE_VALIDATE_VERSION" >&2 \
    || { rm -rf "$venv"; die "could not install kubernetes-validate"; }
  echo "$bin"
}

# kube-apiserver and friends come from k8s.io/kubernetes, whose go.mod replaces its 31 staging modules with
# local folders: a wrapper module (generated here, never committed) requires it and replaces each staging
# module with its published release instead. The version variables make the server report its real version.
kube_bin_dir() { echo "$CACHE_DIR/kubernetes-$KUBE_VERSION"; }
KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

ensure_kube_binaries() {
  local dir; dir="$(kube_bin_dir)"
  local missing=0 c
  for c in "${KUBE_COMMANDS[@]}"; do [ -x "$dir/$c" ] || missing=1; done
  if [ "$missing" = 1 ]; then
    ensure_go
    say "building ${KUBE_COMMANDS[*]} $KUBE_VERSION with Go (first run only; 10 minutes or more)"
    local work gomod; work="$(mktemp -d)"
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    [ -f "$gomod" ] || die "could not download k8s.io/kubernetes $KUBE_VERSION"
    {
      echo "module tracecart.local/kube-build"
      echo "go $(sed -n 's/^go //p' "$gomod")"
      echo "require k8s.io/kubernetes $KUBE_VERSION"
      sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#replace \1 => \1 '"$KUBE_STAGING_VERSION"'#p' "$gomod"
    } >"$work/go.mod"
    [ "$(grep -c '^replace' "$work/go.mod")" -ge 31 ] || die "unexpected k8s.io/kubernetes go.mod: fewer than 31 staging modules"
    {
      echo "//go:build tools"
      echo
      echo "// The commands this module builds (a main package can only be imported under a build tag)."
      echo "package tools"
      echo "import ("
      for c in "${KUBE_COMMANDS[@]}"; do echo "  _ \"k8s.io/kubernetes/cmd/$c\""; done
      echo ")"
    } >"$work/tools.go"
    local v="${KUBE_VERSION#v}" pkgs=()
    local major="${v%%.*}" minor; minor="$(echo "$v" | cut -d. -f2)"
    local ldflags="" p
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
      ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
    done
    for c in "${KUBE_COMMANDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
    mkdir -p "$dir"
    (cd "$work" && go mod tidy >&2 && go build -trimpath -ldflags "$ldflags" -o "$dir/" "${pkgs[@]}" >&2) \
      || { rm -rf "$work"; die "Kubernetes build failed"; }
    rm -rf "$work"
  fi
  ensure_etcd >/dev/null
  echo "$dir"
}

# etcd's main module also replaces its sibling modules; its server module is a plain dependency, so a two-line
# wrapper calls etcdmain like etcd's own main does.
ensure_etcd() {
  local bin="$CACHE_DIR/etcd-$ETCD_VERSION/etcd"
  [ -x "$bin" ] && { echo "$bin"; return; }
  ensure_go
  say "building etcd $ETCD_VERSION with Go (first run only; a minute or two)"
  local work; work="$(mktemp -d)"
  mkdir -p "$(dirname "$bin")"
  cat >"$work/main.go" <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  printf 'module tracecart.local/etcd-build\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$work/go.mod"
  (cd "$work" && go mod tidy >&2 && go build -trimpath -o "$bin" . >&2) || { rm -rf "$work"; die "etcd build failed"; }
  rm -rf "$work"
  echo "$bin"
}

ensure_kwok() {
  local bin="$CACHE_DIR/kwok-$KWOK_VERSION/kwok"
  [ -x "$bin" ] && { echo "$bin"; return; }
  ensure_go
  say "building kwok $KWOK_VERSION with Go (first run only; a few minutes)"
  mkdir -p "$(dirname "$bin")"
  local ldflags="-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
  if ! GOBIN="$(dirname "$bin")" go install -trimpath -ldflags "$ldflags" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2; then
    go_build_module_copy "sigs.k8s.io/kwok@$KWOK_VERSION" ./cmd/kwok "$bin" "$ldflags"
  fi
  [ -x "$bin" ] || die "kwok build failed"
  echo "$bin"
}

# kwok's own "fast" stages (nodes ready with heartbeats; pods ready at once, a Job's pods completed), from its
# module source: what kwokctl passes to kwok by default.
ensure_kwok_stages() {
  local file="$CACHE_DIR/kwok-$KWOK_VERSION/stages.yaml"
  [ -s "$file" ] && { echo "$file"; return; }
  local source
  source="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -d "$source" ] || die "could not download kwok $KWOK_VERSION's source"
  mkdir -p "$(dirname "$file")"
  local stage
  for stage in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml \
    pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"
    cat "$source/kustomize/stage/$stage"
  done >"$file.tmp" && mv "$file.tmp" "$file"
  echo "$file"
}
