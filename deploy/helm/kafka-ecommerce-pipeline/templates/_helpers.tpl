{{/* Names and labels, as `helm create` makes them. */}}
{{- define "kep.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kep.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kep.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kep.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kep.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kep.labels" -}}
helm.sh/chart: {{ include "kep.chart" . }}
{{ include "kep.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kafka-ecommerce-pipeline
{{- end }}

{{- define "kep.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kep.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kep.configMapName" -}}
{{- printf "%s-config" (include "kep.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret with the app's credentials, or "" when there is none. */}}
{{- define "kep.appSecretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else if or .Values.secrets.databaseUrl .Values.secrets.smsApiKey .Values.secrets.webhookSecret }}
{{- printf "%s-app" (include "kep.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The Secret with the Kafka SASL credentials, or "" when SASL is off. */}}
{{- define "kep.kafkaSecretName" -}}
{{- if .Values.kafka.sasl.enabled }}
{{- default (printf "%s-kafka" (include "kep.fullname" .) | trunc 63 | trimSuffix "-") .Values.kafka.sasl.existingSecret }}
{{- end }}
{{- end }}

{{/*
The enabled workloads as a YAML map: name → workloadDefaults merged with the entry's overrides,
plus `fullname` (the StatefulSet's name, ≤ 52 characters so that the controller-revision-hash label
stays ≤ 63) and `headless` (its headless Service). Every rule that spans values is checked here, so
a bad combination fails `helm template`/`install` with a message naming the values.
*/}}
{{- define "kep.workloads" -}}
{{- $root := . }}
{{- $out := dict }}
{{- range $name, $overrides := .Values.workloads }}
{{- $w := mergeOverwrite (deepCopy $root.Values.workloadDefaults) (deepCopy (default dict $overrides)) }}
{{- if or (not (hasKey $w "enabled")) $w.enabled }}
{{- $fullname := printf "%s-%s" (include "kep.fullname" $root) $name | trunc 52 | trimSuffix "-" }}
{{- $_ := set $w "fullname" $fullname }}
{{- $_ := set $w "headless" (printf "%s-headless" $fullname | trunc 63 | trimSuffix "-") }}
{{- $_ := set $w "name" $name }}
{{- $partitions := int $root.Values.kafka.partitions }}
{{- /* STREAM_PROCESSES multiplies the members of the core's group only. */}}
{{- $processes := ternary (int $w.streamProcesses) 1 (has "core" $w.services) }}
{{- $members := dict "replicas" (int $w.replicas) }}
{{- if $w.keda.enabled }}
{{- $members = dict "keda.maxReplicaCount" (int $w.keda.maxReplicaCount) }}
{{- if gt (int $w.keda.minReplicaCount) (int $w.keda.maxReplicaCount) }}
{{- fail (printf "workloads.%s.keda.minReplicaCount (%d) is above keda.maxReplicaCount (%d)" $name (int $w.keda.minReplicaCount) (int $w.keda.maxReplicaCount)) }}
{{- end }}
{{- else if $w.autoscaling.enabled }}
{{- $members = dict "autoscaling.maxReplicas" (int $w.autoscaling.maxReplicas) }}
{{- if gt (int $w.autoscaling.minReplicas) (int $w.autoscaling.maxReplicas) }}
{{- fail (printf "workloads.%s.autoscaling.minReplicas (%d) is above autoscaling.maxReplicas (%d)" $name (int $w.autoscaling.minReplicas) (int $w.autoscaling.maxReplicas)) }}
{{- end }}
{{- end }}
{{- range $key, $replicas := $members }}
{{- if gt (mul $replicas $processes) $partitions }}
{{- fail (printf "workloads.%s.%s (%d) × streamProcesses (%d) is above kafka.partitions (%d): a consumer group member beyond the partition count gets no task. Lower it or add partitions." $name $key $replicas $processes $partitions) }}
{{- end }}
{{- end }}
{{- $_ := set $out $name $w }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{- define "kep.workloadSelectorLabels" -}}
{{ include "kep.selectorLabels" .root }}
app.kubernetes.io/component: {{ .w.name }}
{{- end }}

{{- define "kep.workloadLabels" -}}
{{ include "kep.labels" .root }}
app.kubernetes.io/component: {{ .w.name }}
{{- end }}

{{/* Metrics paths of a workload: one /metrics per process, with every service it runs (labelled service). */}}
{{- define "kep.metricsPaths" -}}
- /metrics
{{- end }}
