# Replicas on the local stack (docs/scaling.md), sourced by scripts/stack. STACK_REPLICAS=N (1 to 3; default 1,
# the stack as it always was) runs N processes each of order, payment and shipping behind HAProxy (Debian's
# package), which listens on the documented service ports (ORDER_PORT, PAYMENT_PORT, SHIPPING_PORT).
#   replica N of order    listens on 18080 + 100·N (order.1 18180, order.2 18280, order.3 18380)
#   replica N of payment  listens on 18081 + 100·N;  shipping: 18082 + 100·N
# every one shifted by STACK_PORT_OFFSET like every other port. HAProxy checks each replica's /readyz every
# 500 ms (2 failures: out of rotation, 2 successes: back in). Names: order.1, order.2, ...; pid files
# .stack/run/order.1.pid, ...; logs .stack/logs/order.1.log, ...; HAProxy: haproxy.pid, haproxy.cfg, and its
# admin socket haproxy.sock. `up` records the count in .stack/run/replicas, so later commands (kill order.2,
# restart order) know it without the variable.
# Shell functions only; nothing runs when sourced.

REPLICATED_SERVICES=(order payment shipping)

stack_replicas() {
  local count="${STACK_REPLICAS:-}"
  [ -n "$count" ] || count="$(cat "$RUN_DIR/replicas" 2>/dev/null || echo 1)"
  case "$count" in
    1|2|3) echo "$count" ;;
    *) die "STACK_REPLICAS=$count: use 1, 2 or 3" ;;
  esac
}

is_replicated() { # name
  [ "$(stack_replicas)" -gt 1 ] || return 1
  case "$1" in order|payment|shipping) return 0 ;; *) return 1 ;; esac
}

replica_base_port() { case "$1" in order) echo 18080 ;; payment) echo 18081 ;; shipping) echo 18082 ;; esac; }
replica_port() { echo $(($(replica_base_port "$1") + 100 * $2 + ${STACK_PORT_OFFSET:-0})); }
replica_slots() { seq 1 "$(stack_replicas)"; }

# Debian's haproxy package. On a machine with systemd the package starts a system-wide HAProxy (with
# /etc/haproxy's config): the stack runs its own, so that one is stopped, as for Prometheus.
ensure_haproxy_installed() {
  command -v haproxy >/dev/null && return
  apt_install --no-install-recommends haproxy
  if [ -d /run/systemd/system ] && systemctl is-active --quiet haproxy 2>/dev/null; then
    say "HAProxy: stopping and disabling the system service Debian's package started (the stack runs its own)"
    systemctl disable --now haproxy >/dev/null 2>&1 || true
  fi
}

# One line to HAProxy's admin socket; prints the answer.
haproxy_command() {
  node -e 'const s=require("net").connect(process.argv[1]);s.on("error",(e)=>{console.error(e.message);process.exit(1)});s.end(process.argv[2]+"\n");s.pipe(process.stdout)' \
    "$RUN_DIR/haproxy.sock" "$1"
}

# The status HAProxy gives a replica (UP, DOWN, MAINT, ...), from `show stat`.
haproxy_server_status() { # service slot
  haproxy_command "show stat" 2>/dev/null | awk -F, -v b="$1" -v s="$1.$2" '$1 == b && $2 == s { print $18 }'
}

write_haproxy_config() {
  local file="$RUN_DIR/haproxy.cfg" name slot
  {
    cat <<CFG
# Written by scripts/stack-replicas.sh for STACK_REPLICAS=$(stack_replicas); rewritten at every \`up\`.
global
  maxconn 4096
  stats socket $RUN_DIR/haproxy.sock mode 600 level admin
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout check 1s
  # A request whose connection a dead replica refused goes to another one (never once it was sent).
  retries 2
  option redispatch 1
  default-server inter 500ms fastinter 500ms downinter 500ms fall 2 rise 2
CFG
    for name in "${REPLICATED_SERVICES[@]}"; do
      echo "frontend $name"
      echo "  bind 127.0.0.1:$(service_port "$name")"
      echo "  default_backend $name"
      echo "backend $name"
      echo "  balance roundrobin"
      echo "  option httpchk GET /readyz"
      echo "  http-check expect status 200"
      for slot in $(replica_slots); do echo "  server $name.$slot 127.0.0.1:$(replica_port "$name" "$slot") check"; done
    done
  } >"$file"
}

start_haproxy() {
  is_running haproxy && return
  ensure_haproxy_installed
  write_haproxy_config
  haproxy -c -q -f "$RUN_DIR/haproxy.cfg" >&2 || die "HAProxy refused $RUN_DIR/haproxy.cfg"
  say "HAProxy: order :$ORDER_PORT, payment :$PAYMENT_PORT, shipping :$SHIPPING_PORT → $(stack_replicas) replicas each"
  rm -f "$RUN_DIR/haproxy.sock"
  nohup haproxy -db -f "$RUN_DIR/haproxy.cfg" >>"$LOG_DIR/haproxy.log" 2>&1 &
  echo $! >"$RUN_DIR/haproxy.pid"
  wait_for HAProxy 30 port_open "$ORDER_PORT"
}

start_replica() { # service slot
  local name="$1" slot="$2" port; port="$(replica_port "$1" "$2")"
  is_running "$name.$slot" && return
  port_open "$port" && die "$name.$slot: port $port is taken by another process"
  say "$(service_name "$name") replica $name.$slot: starting on :$port"
  local port_variable; port_variable="$(tr '[:lower:]' '[:upper:]' <<<"$name")_PORT"
  (
    cd "$SERVICES_ROOT/$name"
    export OTEL_SERVICE_NAME="$(service_name "$name")" POSTGRES_USER POSTGRES_PASSWORD SERVICE_REPLICA_SLOT="$slot"
    export "$port_variable=$port"
    exec nohup node --require @tracecart/telemetry/register dist/main.js >>"$LOG_DIR/$name.$slot.log" 2>&1
  ) &
  echo $! >"$RUN_DIR/$name.$slot.pid"
}

wait_replica() { # service slot
  wait_for "$1.$2" 180 http_ok "http://127.0.0.1:$(replica_port "$1" "$2")/readyz" || { tail -n 30 "$LOG_DIR/$1.$2.log" >&2; return 1; }
}

# Waits until HAProxy sends traffic to the replica again (its checks passed `rise` times).
wait_in_rotation() { # service slot
  local deadline=$((SECONDS + 30))
  until [ "$(haproxy_server_status "$1" "$2")" = UP ]; do [ "$SECONDS" -lt "$deadline" ] || return 1; sleep 0.2; done
}

# Replica 1 first: it finds no other replica and sets the switches from SCENARIOS_AT_START (and, until the
# migrate step runs apart, migrates); the others start once it is ready and join its state.
start_replicas() { # service
  local slot
  start_haproxy
  start_replica "$1" 1
  wait_replica "$1" 1
  for slot in $(replica_slots); do [ "$slot" = 1 ] || start_replica "$1" "$slot"; done
}

wait_replicas() { # service
  local slot
  for slot in $(replica_slots); do wait_replica "$1" "$slot" || return 1; done
}

stop_replicas() { # service
  local slot
  for slot in 1 2 3; do stop_pid "$1.$slot"; done
}

kill_replica() { # service slot
  local pid; pid="$(pid_of "$1.$2")" && kill -KILL "$pid" 2>/dev/null; rm -f "$RUN_DIR/$1.$2.pid"; say "$1.$2: killed"
}

# One replica: out of HAProxy's rotation (drained: no new requests, the running ones finish), stopped
# with SIGTERM, started, ready, back in rotation. `restart order` does this for one replica after another,
# so order answers throughout.
restart_replica() { # service slot
  local name="$1" slot="$2"
  haproxy_command "set server $name/$name.$slot state drain" >/dev/null
  local deadline=$((SECONDS + 15))
  while [ "$SECONDS" -lt "$deadline" ]; do
    local current; current="$(haproxy_command "show stat" 2>/dev/null | awk -F, -v b="$name" -v s="$name.$slot" '$1 == b && $2 == s { print $5 }')"
    [ "${current:-0}" = 0 ] && break
    sleep 0.2
  done
  stop_pid "$name.$slot"
  start_replica "$name" "$slot"
  wait_replica "$name" "$slot"
  haproxy_command "set server $name/$name.$slot state ready" >/dev/null
  wait_in_rotation "$name" "$slot" || die "$name.$slot is ready but HAProxy did not put it back in rotation"
}

rolling_restart() { # service
  local slot
  for slot in $(replica_slots); do restart_replica "$1" "$slot"; done
}

# `<service>.<slot>` → "service slot" when it names a replica of this stack.
split_replica() { # name
  local name="${1%.*}" slot="${1##*.}"
  [ "$name" != "$1" ] && is_replicated "$name" && [ "$slot" -ge 1 ] 2>/dev/null && [ "$slot" -le "$(stack_replicas)" ] || return 1
  echo "$name $slot"
}

replicas_status() {
  local name slot port
  if http_ok "http://127.0.0.1:$ORDER_PORT/readyz"; then
    line haproxy ready "order http://localhost:$ORDER_PORT, payment :$PAYMENT_PORT, shipping :$SHIPPING_PORT ($(stack_replicas) replicas each)"
  else line haproxy down "(log: .stack/logs/haproxy.log)"; fi
  for name in "${REPLICATED_SERVICES[@]}"; do
    for slot in $(replica_slots); do
      port="$(replica_port "$name" "$slot")"
      if http_ok "http://127.0.0.1:$port/readyz"; then line "$name.$slot" ready "http://localhost:$port ($(haproxy_server_status "$name" "$slot" || true) in HAProxy)"
      else line "$name.$slot" down "(log: .stack/logs/$name.$slot.log)"; fi
    done
  done
}
