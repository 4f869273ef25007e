{{/* Names, labels and images shared by every template. */}}

{{- define "kubeops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kubeops.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A name for a part of the release: (list $ "suffix"). */}}
{{- define "kubeops.partName" -}}
{{- $ctx := index . 0 -}}
{{- printf "%s-%s" (include "kubeops.fullname" $ctx | trunc 50 | trimSuffix "-") (index . 1) -}}
{{- end -}}

{{- define "kubeops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubeops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kubeops.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kubeops.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubeops
{{- with .Values.global.environment }}
kubeops.dev/environment: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Labels of one component: (list $ "api"). */}}
{{- define "kubeops.componentLabels" -}}
{{ include "kubeops.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "kubeops.componentSelector" -}}
{{ include "kubeops.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* An image reference from {registry, repository, tag, digest}: (list $ .image "defaultTag"). */}}
{{- define "kubeops.imageRef" -}}
{{- $ctx := index . 0 -}}
{{- $img := index . 1 -}}
{{- $registry := default $img.registry $ctx.Values.global.imageRegistry -}}
{{- $repo := $img.repository -}}
{{- if $registry }}{{ $repo = printf "%s/%s" $registry $img.repository }}{{ end -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default (index . 2) (toString $img.tag)) -}}
{{- end -}}
{{- end -}}

{{- define "kubeops.image" -}}
{{- include "kubeops.imageRef" (list . .Values.image .Chart.AppVersion) -}}
{{- end -}}

{{- define "kubeops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kubeops.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kubeops.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "kubeops.storageClass" -}}
{{- $ctx := index . 0 -}}
{{- $class := default $ctx.Values.global.storageClass (index . 1) -}}
{{- if $class -}}
storageClassName: {{ $class | quote }}
{{- end -}}
{{- end -}}

{{/* The application components that run in the chosen mode, as a JSON list. */}}
{{- define "kubeops.components" -}}
{{- if eq .Values.app.mode "scalable" -}}
{{- list
  (dict "name" "api" "values" "api" "target" "api" "port" 8000 "portName" "http")
  (dict "name" "cdc" "values" "cdc" "target" "cdc" "port" 8001 "portName" "http")
  (dict "name" "inspector" "values" "inspector" "target" "inspector" "port" (int .Values.app.inspectorPort) "portName" "http")
  | toJson -}}
{{- else -}}
{{- list (dict "name" "all" "values" "single" "target" "all" "port" 8000 "portName" "http") | toJson -}}
{{- end -}}
{{- end -}}

{{/* Name of the Deployment (and Service) of a component. */}}
{{- define "kubeops.componentName" -}}
{{- $ctx := index . 0 -}}
{{- if eq (index . 1) "all" -}}
{{- include "kubeops.fullname" $ctx -}}
{{- else -}}
{{- include "kubeops.partName" (list $ctx (index . 1)) -}}
{{- end -}}
{{- end -}}

{{/* The component whose pods serve the api port: "all" in single mode, "api" in scalable mode. */}}
{{- define "kubeops.apiComponent" -}}
{{- if eq .Values.app.mode "scalable" }}api{{ else }}all{{ end -}}
{{- end -}}

{{/* Which infrastructure is in use, so templates ask one question instead of repeating conditions. */}}
{{- define "kubeops.hasPostgres" -}}
{{- if or .Values.postgresql.bundled.enabled .Values.postgresql.external.enabled }}true{{ end -}}
{{- end -}}
{{- define "kubeops.hasNats" -}}
{{- if or .Values.nats.bundled.enabled .Values.nats.external.enabled }}true{{ end -}}
{{- end -}}
{{- define "kubeops.hasEventBus" -}}
{{- if or (include "kubeops.hasNats" .) .Values.kafka.external.enabled }}true{{ end -}}
{{- end -}}

{{/* Whether the application pods mount the data PersistentVolumeClaim: only
when something durable lives there (the embedded database or local object
storage); otherwise the data directory is an emptyDir. */}}
{{- define "kubeops.dataOnClaim" -}}
{{- if .Values.persistence.enabled -}}
{{- if or (not (include "kubeops.hasPostgres" .)) (eq .Values.storage.type "local") }}true{{ end -}}
{{- end -}}
{{- end -}}

{{- define "kubeops.dataClaimName" -}}
{{- default (include "kubeops.partName" (list . "data")) .Values.persistence.existingClaim -}}
{{- end -}}

{{/* Name of the Secret the application reads, whoever provides it. */}}
{{- define "kubeops.secretName" -}}
{{- if eq .Values.secrets.provider "existing" -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- include "kubeops.partName" (list . "secrets") -}}
{{- end -}}
{{- end -}}

{{/* The restricted security context of every container (application and bundled). */}}
{{- define "kubeops.containerSecurityContext" -}}
{{- toYaml .Values.pod.containerSecurityContext -}}
{{- end -}}

{{/* KongPlugin names attached to the Ingress. */}}
{{- define "kubeops.kongPlugins" -}}
{{- $plugins := list (include "kubeops.partName" (list . "request-id")) -}}
{{- if gt (int .Values.kong.rateLimitPerMinute) 0 -}}
{{- $plugins = append $plugins (include "kubeops.partName" (list . "rate-limit")) -}}
{{- end -}}
{{- join "," $plugins -}}
{{- end -}}
