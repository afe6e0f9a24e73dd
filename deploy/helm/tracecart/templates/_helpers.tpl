{{/* The release's name prefix: the release name, or "<release>-tracecart" when it does not say tracecart. */}}
{{- define "tracecart.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* A component's object name: (dict "root" $ "name" "order"). */}}
{{- define "tracecart.name" -}}
{{- printf "%s-%s" (include "tracecart.fullname" .root) .name -}}
{{- end -}}

{{- define "tracecart.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Every object carries these: (dict "root" $ "name" "order"). */}}
{{- define "tracecart.labels" -}}
{{ include "tracecart.selectorLabels" . }}
app.kubernetes.io/part-of: tracecart
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* Selects every pod of the release (NetworkPolicy peers). */}}
{{- define "tracecart.releaseSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* One of our images: (dict "root" $ "name" "order"). */}}
{{- define "tracecart.image" -}}
{{- $images := .root.Values.images -}}
{{- $repository := printf "%s%s" $images.prefix .name -}}
{{- if $images.registry -}}{{- $repository = printf "%s/%s" (trimSuffix "/" $images.registry) $repository -}}{{- end -}}
{{- printf "%s:%s" $repository (default .root.Chart.AppVersion $images.tag) -}}
{{- end -}}

{{/* A third-party image: {repository, tag}. */}}
{{- define "tracecart.thirdPartyImage" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}

{{- define "tracecart.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Pod security: a non-root user (our images: node, uid 1000), the runtime's default seccomp profile. */}}
{{- define "tracecart.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .uid | default 1000 }}
  runAsGroup: {{ .uid | default 1000 }}
  fsGroup: {{ .uid | default 1000 }}
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Container security: no privilege escalation, no capability, a read-only root file system (readOnly=false only where a third-party image writes beside its volumes). */}}
{{- define "tracecart.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: {{ if hasKey . "readOnly" }}{{ .readOnly }}{{ else }}true{{ end }}
  capabilities:
    drop: [ALL]
{{- end -}}

{{- define "tracecart.secretName" -}}
{{- printf "%s-secrets" (include "tracecart.fullname" .) -}}
{{- end -}}

{{- define "tracecart.postgresHost" -}}
{{- if .Values.postgresql.enabled -}}
{{- include "tracecart.name" (dict "root" . "name" "postgresql") -}}
{{- else -}}
{{- required "postgresql.external.host is required when postgresql.enabled is false" .Values.postgresql.external.host -}}
{{- end -}}
{{- end -}}

{{- define "tracecart.postgresPort" -}}
{{- if .Values.postgresql.enabled -}}5432{{- else -}}{{ .Values.postgresql.external.port }}{{- end -}}
{{- end -}}

{{- define "tracecart.rabbitmqAddress" -}}
{{- if .Values.rabbitmq.enabled -}}
{{- printf "%s:5672" (include "tracecart.name" (dict "root" . "name" "rabbitmq")) -}}
{{- else -}}
{{- printf "%s:%v" (required "rabbitmq.external.host is required when rabbitmq.enabled is false" .Values.rabbitmq.external.host) .Values.rabbitmq.external.port -}}
{{- end -}}
{{- end -}}

{{/* Where spans go, where the remote sampler asks, where the query API answers. */}}
{{- define "tracecart.otlpHost" -}}
{{- if eq .Values.tracing.profile "kafka" -}}
{{- include "tracecart.name" (dict "root" . "name" "jaeger-collector") -}}
{{- else -}}
{{- include "tracecart.name" (dict "root" . "name" "jaeger") -}}
{{- end -}}
{{- end -}}

{{- define "tracecart.queryHost" -}}
{{- if eq .Values.tracing.profile "kafka" -}}
{{- include "tracecart.name" (dict "root" . "name" "jaeger-query") -}}
{{- else -}}
{{- include "tracecart.name" (dict "root" . "name" "jaeger") -}}
{{- end -}}
{{- end -}}

{{- define "tracecart.prometheusUrl" -}}
{{- printf "http://%s:9090" (include "tracecart.name" (dict "root" . "name" "prometheus")) -}}
{{- end -}}

{{/* A secret's key as an environment variable. */}}
{{- define "tracecart.secretEnv" -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "tracecart.secretName" .root }}
      key: {{ .key }}
{{- end -}}

{{/* The variables every process that talks to PostgreSQL reads (shared/config). */}}
{{- define "tracecart.postgresEnv" -}}
- name: POSTGRES_HOST
  value: {{ include "tracecart.postgresHost" . | quote }}
- name: POSTGRES_PORT
  value: {{ include "tracecart.postgresPort" . | quote }}
- name: POSTGRES_USER
  value: {{ .Values.postgresql.user | quote }}
{{ include "tracecart.secretEnv" (dict "root" . "key" "POSTGRES_PASSWORD") }}
{{- end -}}

{{/* An emptyDir at /tmp: the root file system is read-only. */}}
{{- define "tracecart.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}

{{/* A memory quantity in Mi or Gi as a number of MiB. */}}
{{- define "tracecart.mebibytes" -}}
{{- if hasSuffix "Gi" . -}}{{ mul (trimSuffix "Gi" . | int) 1024 }}{{- else -}}{{ trimSuffix "Mi" . | int }}{{- end -}}
{{- end -}}

{{/* A NetworkPolicy peer: the pods of one component of the release. */}}
{{- define "tracecart.peer" -}}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ .root.Chart.Name }}
      app.kubernetes.io/instance: {{ .root.Release.Name }}
      app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* The migrate-and-seed step's environment (the Job and the services' init containers): the configuration is
checked as a whole, as in the services, so the deployment and its tokens come along. */}}
{{- define "tracecart.migrateEnv" -}}
- name: NODE_ENV
  value: production
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: TRACECART_DEPLOYMENT
  value: {{ .Values.deployment | quote }}
{{ include "tracecart.secretEnv" (dict "root" . "key" "SCENARIO_TOKEN") }}
{{ include "tracecart.secretEnv" (dict "root" . "key" "INTERNAL_TOKEN") }}
{{ include "tracecart.postgresEnv" . }}
{{- end -}}
