# The Kafka pipeline mode of the local stack (TRACE_PIPELINE=kafka; docs/tracing-pipeline.md): two Jaeger
# collectors behind their own HAProxy on the OTLP ports -> Kafka (KRaft, one node) -> two Jaeger ingesters
# (one consumer group; tail sampling per TRACE_SAMPLING) -> Cassandra (one node) <- Jaeger query (UI, API,
# Monitor tab, remote sampling). Sourced by scripts/stack after lib.sh; does nothing by itself.
# Components: kafka, cassandra, collector.1, collector.2, ingester.1, ingester.2, jaeger-query,
# collector-haproxy; `jaeger` = every Jaeger process of the mode.

KAFKA_VERSION=4.1.1
CASSANDRA_VERSION=5.0.6
PIPELINE_COLLECTORS=(collector.1 collector.2)
PIPELINE_INGESTERS=(ingester.1 ingester.2)

# Every port of the mode, each overridable, all shifted by STACK_PORT_OFFSET like the rest of the stack.
pipeline_ports() {
  local o="${STACK_PORT_OFFSET:-0}"
  export KAFKA_PORT="${KAFKA_PORT:-$((9092 + o))}" KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((9093 + o))}"
  export CASSANDRA_PORT="${CASSANDRA_PORT:-$((9042 + o))}" CASSANDRA_STORAGE_PORT="${CASSANDRA_STORAGE_PORT:-$((7000 + o))}"
  export COLLECTOR_1_OTLP_HTTP_PORT="${COLLECTOR_1_OTLP_HTTP_PORT:-$((4331 + o))}" COLLECTOR_2_OTLP_HTTP_PORT="${COLLECTOR_2_OTLP_HTTP_PORT:-$((4332 + o))}"
  export COLLECTOR_1_OTLP_GRPC_PORT="${COLLECTOR_1_OTLP_GRPC_PORT:-$((4341 + o))}" COLLECTOR_2_OTLP_GRPC_PORT="${COLLECTOR_2_OTLP_GRPC_PORT:-$((4342 + o))}"
  export COLLECTOR_1_HEALTH_PORT="${COLLECTOR_1_HEALTH_PORT:-$((13141 + o))}" COLLECTOR_2_HEALTH_PORT="${COLLECTOR_2_HEALTH_PORT:-$((13142 + o))}"
  export COLLECTOR_1_METRICS_PORT="${COLLECTOR_1_METRICS_PORT:-$((8891 + o))}" COLLECTOR_2_METRICS_PORT="${COLLECTOR_2_METRICS_PORT:-$((8892 + o))}"
  export INGESTER_1_HEALTH_PORT="${INGESTER_1_HEALTH_PORT:-$((13151 + o))}" INGESTER_2_HEALTH_PORT="${INGESTER_2_HEALTH_PORT:-$((13152 + o))}"
  export INGESTER_REPLAY_HEALTH_PORT="${INGESTER_REPLAY_HEALTH_PORT:-$((13159 + o))}" INGESTER_REPLAY_METRICS_PORT="${INGESTER_REPLAY_METRICS_PORT:-$((13169 + o))}"
  export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}" KAFKA_SPANS_TOPIC="${KAFKA_SPANS_TOPIC:-jaeger-spans}"
  export KAFKA_SPANS_PARTITIONS="${KAFKA_SPANS_PARTITIONS:-32}" KAFKA_CONSUMER_GROUP="${KAFKA_CONSUMER_GROUP:-jaeger-ingester}"
  export CASSANDRA_SERVERS="${CASSANDRA_SERVERS:-127.0.0.1}" CASSANDRA_KEYSPACE="${CASSANDRA_KEYSPACE:-jaeger_v1_tracecart}"
}
pipeline_ports

# The mode: TRACE_PIPELINE when given, else the one `up` recorded, else single (today's one Jaeger).
trace_pipeline() {
  local mode="${TRACE_PIPELINE:-}"
  [ -n "$mode" ] || mode="$(cat "$RUN_DIR/trace-pipeline" 2>/dev/null || echo single)"
  case "$mode" in
    single|kafka) echo "$mode" ;;
    *) die "TRACE_PIPELINE=$mode: use single (one Jaeger, the default) or kafka (docs/tracing-pipeline.md)" ;;
  esac
}
pipeline_mode() { [ "$(trace_pipeline)" = kafka ]; }

ensure_java() { command -v java >/dev/null && java -version 2>&1 | grep -q '"17\|"2[0-9]' || apt_install openjdk-17-jre-headless; }
ensure_maven() { command -v mvn >/dev/null || apt_install maven; }
ensure_haproxy_installed() { command -v haproxy >/dev/null || apt_install haproxy; }
ensure_envsubst() { command -v envsubst >/dev/null || apt_install gettext-base; }

# A runtime (Kafka or Cassandra) as jars from Maven Central, cached outside the repo: <cache>/<name>-<version>/lib.
ensure_jars() { # name version
  local home="$CACHE_DIR/$1-$2"
  [ -f "$home/lib/.complete" ] && { echo "$home"; return; }
  ensure_java; ensure_maven
  say "$1 $2: fetching its jars with maven (first run only)"
  rm -rf "$home/lib.tmp"; mkdir -p "$home"
  mvn -q -B -f "$REPO_ROOT/$1/pom.xml" dependency:copy-dependencies -DoutputDirectory="$home/lib.tmp" >&2 || die "maven could not fetch $1 $2"
  rm -rf "$home/lib"; mv "$home/lib.tmp" "$home/lib"; touch "$home/lib/.complete"
  echo "$home"
}

jvm_options() { grep -v -E '^\s*(#|$)' "$1"; }

kafka_tool() { # class args...
  local home; home="$(ensure_jars kafka "$KAFKA_VERSION")"
  local class="$1"; shift
  java -Xmx128m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$REPO_ROOT/kafka/log4j2-tools.xml" -cp "$home/lib/*" "$class" "$@"
}

start_kafka() {
  if is_running kafka; then return; fi
  if port_open "$KAFKA_PORT"; then die "Kafka: port $KAFKA_PORT is taken by another process"; fi
  ensure_envsubst
  local home data="$STACK_DIR/kafka"; home="$(ensure_jars kafka "$KAFKA_VERSION")"
  mkdir -p "$data"
  KAFKA_DATA_DIR="$data" envsubst <"$REPO_ROOT/kafka/server.properties" >"$RUN_DIR/kafka.properties"
  if [ ! -f "$data/meta.properties" ]; then
    local id; id="$(kafka_tool kafka.tools.StorageTool random-uuid)"
    kafka_tool kafka.tools.StorageTool format --cluster-id "$id" --config "$RUN_DIR/kafka.properties" >"$LOG_DIR/kafka-format.log" 2>&1 \
      || { cat "$LOG_DIR/kafka-format.log" >&2; die "Kafka: could not format $data"; }
  fi
  say "Kafka: starting on $KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
  # shellcheck disable=SC2046
  nohup java $(jvm_options "$REPO_ROOT/kafka/jvm.options") -Dlog4j2.configurationFile="$REPO_ROOT/kafka/log4j2.xml" \
    -cp "$home/lib/*" kafka.Kafka "$RUN_DIR/kafka.properties" >>"$LOG_DIR/kafka.log" 2>&1 &
  echo $! >"$RUN_DIR/kafka.pid"
  wait_for Kafka 90 port_open "$KAFKA_PORT" || { tail -n 20 "$LOG_DIR/kafka.log" >&2; return 1; }
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --create --if-not-exists \
    --topic "$KAFKA_SPANS_TOPIC" --partitions "$KAFKA_SPANS_PARTITIONS" --replication-factor 1 >/dev/null
  # A topic created by an earlier stack with fewer partitions gets more (Kafka can only add them): each
  # partition is one sequential writer into Cassandra per ingester (docs/tracing-pipeline.md, Capacity).
  local have
  have="$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --describe --topic "$KAFKA_SPANS_TOPIC" 2>/dev/null |
    sed -n 's/.*PartitionCount:[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1)"
  if [ -n "$have" ] && [ "$have" -lt "$KAFKA_SPANS_PARTITIONS" ]; then
    say "Kafka: $KAFKA_SPANS_TOPIC from $have to $KAFKA_SPANS_PARTITIONS partitions"
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --alter \
      --topic "$KAFKA_SPANS_TOPIC" --partitions "$KAFKA_SPANS_PARTITIONS" >/dev/null
  fi
}

# The consumer group's total lag (messages not yet read by the ingesters), one number on stdout.
kafka_lag() {
  kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_BROKERS" \
    --describe --group "$KAFKA_CONSUMER_GROUP" 2>/dev/null |
    awk -v topic="$KAFKA_SPANS_TOPIC" '$2 == topic && $6 ~ /^[0-9]+$/ { lag += $6; n++ } END { if (n == 0) exit 1; print lag + 0 }'
}

start_cassandra() {
  if is_running cassandra; then return; fi
  if port_open "$CASSANDRA_PORT"; then die "Cassandra: port $CASSANDRA_PORT is taken by another process"; fi
  ensure_envsubst
  local home data="$STACK_DIR/cassandra"; home="$(ensure_jars cassandra "$CASSANDRA_VERSION")"
  mkdir -p "$data"
  CASSANDRA_DATA_DIR="$data" envsubst <"$REPO_ROOT/cassandra/cassandra.yaml" >"$RUN_DIR/cassandra.yaml"
  say "Cassandra: starting on $CASSANDRA_PORT (storage $CASSANDRA_STORAGE_PORT)"
  # shellcheck disable=SC2046
  nohup java $(jvm_options "$REPO_ROOT/cassandra/jvm.options") -Dcassandra.config="file://$RUN_DIR/cassandra.yaml" \
    -Dcassandra.storagedir="$data" -Dcassandra.logdir="$LOG_DIR" -Dlogback.configurationFile="$REPO_ROOT/cassandra/logback.xml" \
    -cp "$home/lib/*" org.apache.cassandra.service.CassandraDaemon >>"$LOG_DIR/cassandra.log" 2>&1 &
  echo $! >"$RUN_DIR/cassandra.pid"
  wait_for Cassandra 180 port_open "$CASSANDRA_PORT" || { tail -n 30 "$LOG_DIR/cassandra.log" >&2; return 1; }
}

# The environment of one Jaeger process of the mode: its own ports from the numbered variables.
jaeger_role_env() { # component
  local n="${1##*.}"
  export JAEGER_LISTEN_HOST=127.0.0.1
  case "$1" in
    collector.*)
      local http="COLLECTOR_${n}_OTLP_HTTP_PORT" grpc="COLLECTOR_${n}_OTLP_GRPC_PORT" health="COLLECTOR_${n}_HEALTH_PORT" metrics="COLLECTOR_${n}_METRICS_PORT"
      export COLLECTOR_OTLP_HTTP_PORT="${!http}" COLLECTOR_OTLP_GRPC_PORT="${!grpc}" COLLECTOR_HEALTH_PORT="${!health}" COLLECTOR_METRICS_PORT="${!metrics}" ;;
    ingester.replay) export INGESTER_HEALTH_PORT="$INGESTER_REPLAY_HEALTH_PORT" ;;
    ingester.*)
      local health="INGESTER_${n}_HEALTH_PORT"
      export INGESTER_HEALTH_PORT="${!health}" ;;
    jaeger-query)
      export JAEGER_UI_CONFIG JAEGER_UI_ASSETS JAEGER_SAMPLING_STRATEGIES="${JAEGER_SAMPLING_STRATEGIES:-$REPO_ROOT/jaeger/sampling-strategies.json}"
      JAEGER_UI_CONFIG="$(jaeger_ui_config)"; JAEGER_UI_ASSETS="$(jaeger_ui_assets)" ;;
  esac
}

jaeger_health_url() {
  local n="${1##*.}" var
  case "$1" in
    collector.*) var="COLLECTOR_${n}_HEALTH_PORT" ;;
    ingester.replay) var=INGESTER_REPLAY_HEALTH_PORT ;;
    ingester.*) var="INGESTER_${n}_HEALTH_PORT" ;;
    jaeger-query) var=JAEGER_HEALTH_PORT ;;
  esac
  echo "http://127.0.0.1:${!var}/status"
}

start_pipeline_jaeger() { # component
  local name="$1"
  if is_running "$name"; then return; fi
  local binary sampling role="${1%%.*}"; binary="$(jaeger_binary)"; sampling="$(trace_sampling)"
  [ "$role" = jaeger-query ] && role=query
  local configs=(--config "$REPO_ROOT/jaeger/pipeline/$role.yaml")
  if [ "$role" = ingester ]; then
    echo "$sampling" >"$RUN_DIR/jaeger.sampling"
    [ "$sampling" = tail ] && configs+=(--config "$REPO_ROOT/jaeger/sampling-tail.yaml")
    [ "$name" = ingester.replay ] && configs+=(--config "$REPO_ROOT/jaeger/pipeline/ingester-replay.yaml")
  fi
  local detail=""; [ "$role" = ingester ] && detail="; trace sampling: $sampling"
  say "$name: starting (health $(jaeger_health_url "$name")$detail)"
  (
    jaeger_role_env "$name"
    exec nohup "$binary" "${configs[@]}" >>"$LOG_DIR/$name.log" 2>&1
  ) &
  echo $! >"$RUN_DIR/$name.pid"
  wait_for "$name" 90 http_ok "$(jaeger_health_url "$name")" || { tail -n 20 "$LOG_DIR/$name.log" >&2; return 1; }
}

# A crashed ingester's decision buffer: with TRACE_SAMPLING=tail, `tail_sampling` returns as soon as it
# holds a span, so the receiver marks the offset before the decision (TAIL_SAMPLING_DECISION_WAIT later); an
# ingester killed meanwhile takes undecided traces with it, and the next owner of its partitions starts after
# them. When the stack starts a crashed ingester again, it replays that window: a short-lived ingester in a
# consumer group of its own, whose offsets Kafka's time index puts at the crash minus the decision wait (and
# a margin), reads every partition up to where the log ended a decision wait after the restart, decides with
# the same policies and stores what they keep. Decisions are deterministic per trace (errors, latency of a whole trace, the
# probabilistic share by trace id), and a span stored twice is one row: the replay only adds what the crash
# lost. PIPELINE_REPLAY=0 leaves it out (the drill's "before").
decision_wait_seconds() { local wait="${TAIL_SAMPLING_DECISION_WAIT:-10s}"; wait="${wait%s}"; echo "${wait%.*}"; }

# The replay group's offsets against the log end: "<partitions behind> <partitions>" for `group`, given the
# end offsets `ends` (partition=offset pairs) to reach.
replay_progress() { # group ends
  kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_BROKERS" --describe --group "$1" 2>/dev/null |
    awk -v topic="$KAFKA_SPANS_TOPIC" -v ends="$2" '
      BEGIN { n = split(ends, pairs, " "); for (i = 1; i <= n; i++) { split(pairs[i], kv, "="); want[kv[1]] = kv[2] } }
      $2 == topic { seen[$3] = ($4 ~ /^[0-9]+$/) ? $4 : -1 }
      END { behind = 0; total = 0; for (p in want) { total++; if (!(p in seen) || seen[p] < want[p]) behind++ } print behind, total }'
}

# The replay ingester's own counters (jaeger/pipeline/ingester-replay.yaml): "<spans read> <spans stored>
# <spans whose store failed> <traces evicted before their decision> <decision ticks done>", or nothing
# while it does not answer.
replay_counters() {
  node -e '
    const sum = (text, name) => text.split("\n").filter((line) => line.startsWith(name)).reduce((total, line) => total + Number(line.split(" ").pop()), 0);
    fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then((text) => console.log(
      ["otelcol_receiver_accepted_spans_total", "otelcol_exporter_sent_spans_total", "otelcol_exporter_send_failed_spans_total",
       "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total",
       "otelcol_processor_tail_sampling_sampling_decision_timer_latency_milliseconds_count"].map((name) => sum(text, name)).join(" ")),
      () => process.exit(1));' "http://127.0.0.1:$INGESTER_REPLAY_METRICS_PORT/metrics" 2>/dev/null
}

replay_decision_window() { # seconds back from now
  local seconds="$1" group started=$SECONDS; group="$KAFKA_CONSUMER_GROUP-replay-$(date +%s)"
  say "ingester replay: re-reading the last ${seconds}s of $KAFKA_SPANS_TOPIC in group $group (a crashed ingester's decision window)"
  kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_BROKERS" --group "$group" \
    --topic "$KAFKA_SPANS_TOPIC" --reset-offsets --by-duration "PT${seconds}S" --execute >/dev/null 2>&1 || { say "ingester replay: could not set the group's offsets; skipped"; return 0; }
  (KAFKA_CONSUMER_GROUP="$group" start_pipeline_jaeger ingester.replay) || { stop_pid ingester.replay; return 0; }
  # It reads on past the restart for one more decision wait: a trace that began before the restart is
  # then seen whole (its last spans, e.g. after the queue hops, arrive seconds after its first).
  sleep "$(decision_wait_seconds)"
  local ends
  ends="$(kafka_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$KAFKA_BROKERS" --topic "$KAFKA_SPANS_TOPIC" --time -1 2>/dev/null |
    awk -F: '{ printf "%s=%s ", $2, $3 }')"
  [ -n "$ends" ] || { say "ingester replay: could not read the topic's end offsets; stopped"; stop_pid ingester.replay; return 0; }
  local deadline=$((SECONDS + 180)) progress="?"
  while [ "$SECONDS" -lt "$deadline" ]; do
    progress="$(replay_progress "$group" "$ends")"
    [ "${progress%% *}" = 0 ] && break
    sleep 1
  done
  say "ingester replay: read up to the ends at +$((SECONDS - started))s (${progress/ / of } partitions behind)"
  # The traces it read are decided a decision wait after it read them, and every one its policies keep is
  # stored again, in one burst, by one synchronous writer (~30 spans a second here: a window at 2
  # checkouts a second took about a minute), while the sampler's decision ticks wait for it. It stops once
  # the burst is over: its decision ticks run again (when spans still arrive), or nothing was read or
  # stored for 10 s (when none do: longer than a store retried after its longest back-off, 5 s). At most
  # 240 s more; it says so if it was stopped before.
  sleep "$(( $(decision_wait_seconds) + 3 ))"
  local counters="" last="" ticks=() still=0 over=""; deadline=$((SECONDS + 240))
  while [ "$SECONDS" -lt "$deadline" ]; do
    counters="$(replay_counters)" || counters=""
    if [ -n "$counters" ] && [ -n "$last" ]; then
      local now_fields last_fields; read -ra now_fields <<<"$counters"; read -ra last_fields <<<"$last"
      ticks+=("$(( now_fields[4] > last_fields[4] ? 1 : 0 ))")
      [ "${#ticks[@]}" -gt 4 ] && ticks=("${ticks[@]:1}")
      if [ "${now_fields[0]}" = "${last_fields[0]}" ] && [ "${now_fields[1]}" = "${last_fields[1]}" ]; then still=$((still + 1)); else still=0; fi
      local ticking=0 tick; for tick in "${ticks[@]}"; do ticking=$((ticking + tick)); done
      if [ "$ticking" -ge 3 ]; then over="its decisions run again"; break; fi
      if [ "$still" -ge 10 ]; then over="nothing read or stored for 10 s"; break; fi
    fi
    last="$counters"
    sleep 1
  done
  [ -n "$over" ] || say "ingester replay: its store was still under way after 240 s; stopping it all the same (what it had not stored is lost)"
  # Its last batches, if the decisions ran again while they were being stored (a few traces at most).
  sleep 3
  counters="$(replay_counters)" || counters="$last"
  stop_pid ingester.replay
  kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_BROKERS" --delete --group "$group" >/dev/null 2>&1 || true
  local spans_read spans_stored spans_failed evicted
  read -r spans_read spans_stored spans_failed evicted _ <<<"${counters:-? ? ? ? ?}"
  say "ingester replay: done in $((SECONDS - started))s (${over:-stopped at its limit}): read $spans_read spans, stored $spans_stored, failed $spans_failed, traces evicted before their decision $evicted (${progress/ / of } partitions behind at the end)"
}

# Starting an ingester whose last run crashed (killed through the stack, or its pid file left behind): in tail
# sampling mode, replay the window its decision buffer covered.
start_ingester_after_crash() { # component
  local name="$1" crashed_at=""
  if [ -f "$RUN_DIR/$name.killed" ]; then crashed_at="$(cat "$RUN_DIR/$name.killed")"
  elif [ -f "$RUN_DIR/$name.pid" ] && ! is_running "$name"; then crashed_at="$(date +%s)"; fi
  rm -f "$RUN_DIR/$name.killed"
  start_pipeline_jaeger "$name"
  [ -n "$crashed_at" ] && [ "$(cat "$RUN_DIR/jaeger.sampling" 2>/dev/null)" = tail ] && [ "${PIPELINE_REPLAY:-1}" != 0 ] || return 0
  # The window: the decision wait before the crash, the time until the restart, and a margin for the
  # services' export delay, the ingesters' read lag and the clocks (30 s: starting earlier only costs re-reading).
  replay_decision_window "$(( $(date +%s) - crashed_at + $(decision_wait_seconds) + 30 ))"
}

# HAProxy in front of the collectors, on the stack's documented OTLP ports (JAEGER_OTLP_HTTP_PORT, and
# JAEGER_OTLP_GRPC_PORT passed through at the TCP level): the services' configuration does not change.
# A request that meets a dead collector (refused, reset, no answer) is sent again to the other one (the
# body is buffered for that, up to tune.bufsize); a span sent twice is stored once (same ids, same row).
start_collector_haproxy() {
  if is_running collector-haproxy; then return; fi
  if port_open "$JAEGER_OTLP_HTTP_PORT"; then die "collector HAProxy: port $JAEGER_OTLP_HTTP_PORT is taken by another process"; fi
  ensure_haproxy_installed
  cat >"$RUN_DIR/collector-haproxy.cfg" <<CFG
global
  maxconn 1000
  tune.bufsize 1048576
defaults
  timeout connect 2s
  timeout client 60s
  timeout server 30s
  timeout check 2s
  retries 3
  option redispatch
frontend otlp_http
  mode http
  bind 127.0.0.1:$JAEGER_OTLP_HTTP_PORT
  option http-buffer-request
  default_backend collectors_http
backend collectors_http
  mode http
  balance roundrobin
  retry-on all-retryable-errors
  option httpchk GET /status
  default-server inter 1s fall 2 rise 1
  server collector.1 127.0.0.1:$COLLECTOR_1_OTLP_HTTP_PORT check port $COLLECTOR_1_HEALTH_PORT
  server collector.2 127.0.0.1:$COLLECTOR_2_OTLP_HTTP_PORT check port $COLLECTOR_2_HEALTH_PORT
frontend otlp_grpc
  mode tcp
  bind 127.0.0.1:$JAEGER_OTLP_GRPC_PORT
  default_backend collectors_grpc
backend collectors_grpc
  mode tcp
  balance roundrobin
  default-server inter 1s fall 2 rise 1
  server collector.1 127.0.0.1:$COLLECTOR_1_OTLP_GRPC_PORT check port $COLLECTOR_1_HEALTH_PORT
  server collector.2 127.0.0.1:$COLLECTOR_2_OTLP_GRPC_PORT check port $COLLECTOR_2_HEALTH_PORT
CFG
  say "collector HAProxy: OTLP/HTTP :$JAEGER_OTLP_HTTP_PORT, OTLP/gRPC :$JAEGER_OTLP_GRPC_PORT -> ${PIPELINE_COLLECTORS[*]}"
  nohup haproxy -db -f "$RUN_DIR/collector-haproxy.cfg" >>"$LOG_DIR/collector-haproxy.log" 2>&1 &
  echo $! >"$RUN_DIR/collector-haproxy.pid"
  wait_for "collector HAProxy" 30 port_open "$JAEGER_OTLP_HTTP_PORT"
}

# Prometheus's configuration in this mode: the collectors' metrics ports as targets.
pipeline_prometheus_config() {
  sed -e "s#\"jaeger-collector-1:8889\"#\"127.0.0.1:$COLLECTOR_1_METRICS_PORT\"#" \
      -e "s#\"jaeger-collector-2:8889\"#\"127.0.0.1:$COLLECTOR_2_METRICS_PORT\"#" "$REPO_ROOT/prometheus/prometheus-pipeline.yml"
}

pipeline_jaeger_components() { echo ingester.1 ingester.2 jaeger-query collector.1 collector.2; }

start_pipeline_jaegers() {
  local name
  for name in $(pipeline_jaeger_components); do start_pipeline_jaeger "$name"; done
}

stop_pipeline_jaegers() {
  local name
  # Collectors first (no new spans), the query service last.
  for name in collector.1 collector.2 ingester.1 ingester.2 ingester.replay jaeger-query; do stop_pid "$name"; done
}

# `up` in this mode: in dependency order; the ingesters create the Cassandra schema before the query
# service reads it, the collectors come last so nothing is accepted before it can be kept.
pipeline_up() {
  echo kafka >"$RUN_DIR/trace-pipeline"
  if is_running jaeger; then die "the single Jaeger of an earlier \`up\` runs: ./scripts/stack down first"; fi
  start_kafka
  start_cassandra
  start_pipeline_jaegers
  start_collector_haproxy
}

pipeline_down() {
  stop_pid collector-haproxy
  stop_pipeline_jaegers
  stop_pid cassandra
  stop_pid kafka
  rm -f "$RUN_DIR/trace-pipeline"
}

pipeline_status() {
  local name sampling; sampling="$(cat "$RUN_DIR/jaeger.sampling" 2>/dev/null || echo off)"
  line() { printf '  %-18s %-8s %s\n' "$1" "$2" "$3"; }
  if port_open "$KAFKA_PORT"; then line kafka ready "127.0.0.1:$KAFKA_PORT (topic $KAFKA_SPANS_TOPIC)"; else line kafka down "(log: .stack/logs/kafka.log)"; fi
  if port_open "$CASSANDRA_PORT"; then line cassandra ready "127.0.0.1:$CASSANDRA_PORT (keyspace $CASSANDRA_KEYSPACE)"; else line cassandra down "(log: .stack/logs/cassandra.log)"; fi
  for name in collector.1 collector.2 ingester.1 ingester.2; do
    if http_ok "$(jaeger_health_url "$name")"; then
      case "$name" in
        collector.*) local v="COLLECTOR_${name##*.}_OTLP_HTTP_PORT"; line "$name" ready "OTLP http://localhost:${!v} (health $(jaeger_health_url "$name"))" ;;
        ingester.*) line "$name" ready "health $(jaeger_health_url "$name") (trace sampling: $sampling)" ;;
      esac
    else line "$name" down "(log: .stack/logs/$name.log)"; fi
  done
  if port_open "$JAEGER_OTLP_HTTP_PORT" && is_running collector-haproxy; then line collector-haproxy ready "OTLP http://localhost:$JAEGER_OTLP_HTTP_PORT"; else line collector-haproxy down ""; fi
  if http_ok "$(jaeger_health_url jaeger-query)"; then
    if [ -n "$(jaeger_ui_assets)" ]; then line jaeger-query ready "http://localhost:$JAEGER_QUERY_PORT (Jaeger UI on Cassandra; Monitor tab)"
    else line jaeger-query ready "http://localhost:$JAEGER_QUERY_PORT (API only, no UI: /api/v3/services)"; fi
  else line jaeger-query down "(log: .stack/logs/jaeger-query.log)"; fi
}

# A piece of this mode (`jaeger` is one only in this mode; in the single mode it is the one Jaeger).
is_pipeline_component() {
  case "$1" in
    collector.1|collector.2|ingester.1|ingester.2|jaeger-query|kafka|cassandra|collector-haproxy) return 0 ;;
    jaeger) pipeline_mode ;;
    *) return 1 ;;
  esac
}

# stop|start|kill|restart of one piece of the mode.
pipeline_command() { # verb component
  local verb="$1" name="$2"
  local names=("$name")
  [ "$name" = jaeger ] && read -r -a names <<<"$(pipeline_jaeger_components)"
  local n
  case "$verb" in
    stop) for n in "${names[@]}"; do stop_pid "$n"; done ;;
    kill) for n in "${names[@]}"; do
            local pid; pid="$(pid_of "$n")" && kill -KILL "$pid" 2>/dev/null; rm -f "$RUN_DIR/$n.pid"; say "$n: killed"
            case "$n" in ingester.*) date +%s >"$RUN_DIR/$n.killed" ;; esac
          done ;;
    start|restart)
      [ "$verb" = restart ] && for n in "${names[@]}"; do stop_pid "$n"; done
      for n in "${names[@]}"; do
        case "$n" in
          kafka) start_kafka ;;
          cassandra) start_cassandra ;;
          collector-haproxy) start_collector_haproxy ;;
          ingester.*) start_ingester_after_crash "$n" ;;
          *) start_pipeline_jaeger "$n" ;;
        esac
      done ;;
    *) die "usage: stack stop|start|kill|restart <kafka|cassandra|collector.1|collector.2|ingester.1|ingester.2|jaeger-query|collector-haproxy|jaeger>" ;;
  esac
}
