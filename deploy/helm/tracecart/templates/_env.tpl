{{/*
Each process's environment, every name one of shared/config's schema (load/chart-checks fails on any
other name, and on a missing one that docker-compose.yml gives the same process). Called with
(dict "root" $ "name" "order").
*/}}
{{- define "tracecart.env" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $c := $v.components -}}
{{- $name := .name -}}
{{- $otlp := printf "http://%s:4318" (include "tracecart.otlpHost" $root) -}}
{{- $query := printf "http://%s:16686" (include "tracecart.queryHost" $root) -}}
{{- $url := dict -}}
{{- range $n := list "order" "payment" "shipping" "partners" -}}
{{- $_ := set $url $n (printf "http://%s:%v" (include "tracecart.name" (dict "root" $root "name" $n)) (index $c $n).port) -}}
{{- end -}}
- name: NODE_ENV
  value: production
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: TRACECART_DEPLOYMENT
  value: {{ $v.deployment | quote }}
{{ include "tracecart.secretEnv" (dict "root" $root "key" "SCENARIO_TOKEN") }}
{{ include "tracecart.secretEnv" (dict "root" $root "key" "INTERNAL_TOKEN") }}
{{- if has $name (list "order" "payment" "shipping") }}
- name: SERVICE_HOST
  value: 0.0.0.0
- name: {{ upper $name }}_PORT
  value: {{ (index $c $name).port | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ $name }}-service
{{ include "tracecart.postgresEnv" $root }}
{{ include "tracecart.secretEnv" (dict "root" $root "key" "RABBITMQ_URL") }}
- name: TRACE_EDGE_POLICY
  value: {{ $v.traceEdgePolicy | quote }}
- name: SCENARIOS_AT_START
  value: {{ $v.scenariosAtStart | quote }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $otlp | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ $v.tracesSampler | quote }}
- name: JAEGER_SAMPLING_URL
  value: {{ printf "http://%s:5778" (include "tracecart.otlpHost" $root) | quote }}
{{- if eq $name "order" }}
- name: PAYMENT_URL
  value: {{ $url.payment | quote }}
{{- else }}
- name: PARTNERS_URL
  value: {{ $url.partners | quote }}
{{- end }}
{{- else if eq $name "partners" }}
- name: SERVICE_HOST
  value: 0.0.0.0
- name: PARTNERS_PORT
  value: {{ $c.partners.port | quote }}
- name: OTEL_SERVICE_NAME
  value: partners
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $otlp | quote }}
{{- else if eq $name "storefront" }}
- name: STOREFRONT_HOST
  value: 0.0.0.0
- name: STOREFRONT_PORT
  value: {{ $c.storefront.port | quote }}
- name: TRACE_EDGE_POLICY
  value: {{ $v.traceEdgePolicy | quote }}
- name: OTEL_SERVICE_NAME
  value: storefront
- name: ORDER_URL
  value: {{ $url.order | quote }}
- name: JAEGER_QUERY_URL
  value: {{ $query | quote }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $otlp | quote }}
- name: JAEGER_UI_URL
  value: {{ $v.urls.jaegerUi | quote }}
- name: LAB_URL
  value: {{ $v.urls.lab | quote }}
{{- else if eq $name "lab" }}
- name: LAB_HOST
  value: 0.0.0.0
- name: LAB_PORT
  value: {{ $c.lab.port | quote }}
- name: LAB_URL
  value: {{ $v.urls.lab | quote }}
- name: STOREFRONT_URL
  value: {{ $v.urls.storefront | quote }}
- name: JAEGER_UI_URL
  value: {{ $v.urls.jaegerUi | quote }}
- name: ORDER_URL
  value: {{ $url.order | quote }}
- name: PAYMENT_URL
  value: {{ $url.payment | quote }}
- name: SHIPPING_URL
  value: {{ $url.shipping | quote }}
- name: JAEGER_QUERY_URL
  value: {{ $query | quote }}
- name: LAB_DATA_DIR
  value: /tmp/lab
{{- end }}
{{- if ne $name "lab" }}
- name: SERVICE_INSTANCE_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end }}
{{- end -}}
