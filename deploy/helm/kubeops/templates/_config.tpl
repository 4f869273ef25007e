{{/*
The application's settings. Non-secret settings go to the ConfigMap
(kubeops.configData); credentials are env entries with secretKeyRef
(kubeops.secretEnv). Credentials are never part of a URL, so a password with
special characters needs no escaping and never lands in the ConfigMap.
*/}}

{{/* Where a CA certificate of a service is mounted: (list "postgresql"). */}}
{{- define "kubeops.caPath" -}}
/etc/kubeops/tls/{{ index . 0 }}/ca.crt
{{- end -}}

{{/* Services with a CA Secret to mount, as JSON: [{name, secret, key}]. */}}
{{- define "kubeops.caMounts" -}}
{{- $v := .Values -}}
{{- $m := list -}}
{{- if $v.postgresql.external.enabled }}{{ with $v.postgresql.external.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "postgresql" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
{{- if $v.redis.external.enabled }}{{ with $v.redis.external.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "redis" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
{{- if $v.nats.external.enabled }}{{ with $v.nats.external.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "nats" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
{{- if $v.kafka.external.enabled }}{{ with $v.kafka.external.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "kafka" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
{{- if $v.providers.metrics.type }}{{ with $v.providers.metrics.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "metrics" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
{{- if $v.providers.logs.type }}{{ with $v.providers.logs.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "logs" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
{{- toJson $m -}}
{{- end -}}

{{- define "kubeops.hasCa" -}}
{{- $ctx := index . 0 -}}
{{- range include "kubeops.caMounts" $ctx | fromJsonArray }}{{ if eq .name (index $ 1) }}true{{ end }}{{ end -}}
{{- end -}}

{{- define "kubeops.gcsCredentialsFile" -}}
{{- if eq .Values.storage.type "gcs" -}}
{{- if or .Values.storage.gcs.existingSecret .Values.storage.gcs.credentialsJson -}}
/etc/kubeops/gcs/credentials.json
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kubeops.configData" -}}
{{- $v := .Values -}}
{{- $full := include "kubeops.fullname" . -}}
KUBEOPS_DATA_DIR: /var/lib/kubeops
KUBEOPS_LOG_LEVEL: {{ $v.app.logLevel | quote }}
KUBEOPS_MODE: {{ $v.app.mode | quote }}
KUBEOPS_INSPECTOR_PORT: {{ $v.app.inspectorPort | quote }}
{{- with $v.global.environment }}
KUBEOPS_ENVIRONMENT: {{ . | quote }}
{{- end }}
{{- with (default $v.global.domain $v.ingress.host) }}
KUBEOPS_PUBLIC_URL: {{ printf "https://%s" . | quote }}
{{- end }}
{{- if $v.postgresql.bundled.enabled }}
KUBEOPS_DATABASE_HOST: {{ include "kubeops.partName" (list . "postgresql") | quote }}
KUBEOPS_DATABASE_PORT: "5432"
KUBEOPS_DATABASE_NAME: {{ $v.postgresql.bundled.database | quote }}
KUBEOPS_DATABASE_USER: {{ $v.postgresql.bundled.username | quote }}
KUBEOPS_DATABASE_SSLMODE: "disable"
{{- else if $v.postgresql.external.enabled }}
{{- with $v.postgresql.external }}
KUBEOPS_DATABASE_HOST: {{ .host | quote }}
KUBEOPS_DATABASE_PORT: {{ .port | quote }}
KUBEOPS_DATABASE_NAME: {{ .database | quote }}
KUBEOPS_DATABASE_USER: {{ .username | quote }}
KUBEOPS_DATABASE_SSLMODE: {{ .tls.mode | quote }}
{{- end }}
{{- if include "kubeops.hasCa" (list . "postgresql") }}
KUBEOPS_DATABASE_SSLROOTCERT: {{ include "kubeops.caPath" (list "postgresql") | quote }}
{{- end }}
{{- end }}
{{- if $v.redis.bundled.enabled }}
KUBEOPS_REDIS_URL: {{ printf "redis://%s:6379/0" (include "kubeops.partName" (list . "redis")) | quote }}
{{- else if $v.redis.external.enabled }}
{{- with $v.redis.external }}
KUBEOPS_REDIS_URL: {{ printf "%s://%s:%v/%v" (ternary "rediss" "redis" .tls.enabled) .host .port .database | quote }}
{{- with .username }}
KUBEOPS_REDIS_USERNAME: {{ . | quote }}
{{- end }}
{{- if .tls.insecureSkipVerify }}
KUBEOPS_REDIS_TLS_INSECURE: "true"
{{- end }}
{{- end }}
{{- if include "kubeops.hasCa" (list . "redis") }}
KUBEOPS_REDIS_TLS_CA_FILE: {{ include "kubeops.caPath" (list "redis") | quote }}
{{- end }}
{{- end }}
{{- if $v.nats.bundled.enabled }}
KUBEOPS_NATS_URL: {{ printf "nats://%s:4222" (include "kubeops.partName" (list . "nats")) | quote }}
KUBEOPS_NATS_USER: {{ $v.nats.bundled.username | quote }}
{{- else if $v.nats.external.enabled }}
{{- with $v.nats.external }}
KUBEOPS_NATS_URL: {{ printf "%s://%s:%v" (ternary "tls" "nats" .tls.enabled) .host .port | quote }}
{{- with .username }}
KUBEOPS_NATS_USER: {{ . | quote }}
{{- end }}
{{- end }}
{{- if include "kubeops.hasCa" (list . "nats") }}
KUBEOPS_NATS_TLS_CA_FILE: {{ include "kubeops.caPath" (list "nats") | quote }}
{{- end }}
{{- end }}
{{- if $v.kafka.external.enabled }}
{{- with $v.kafka.external }}
KUBEOPS_KAFKA_BROKERS: {{ join "," .brokers | quote }}
KUBEOPS_KAFKA_TOPIC_PREFIX: {{ .topicPrefix | quote }}
KUBEOPS_KAFKA_CONSUMER_GROUP: {{ .consumerGroup | quote }}
{{- if .sasl.mechanism }}
KUBEOPS_KAFKA_SASL_MECHANISM: {{ .sasl.mechanism | quote }}
KUBEOPS_KAFKA_SASL_USERNAME: {{ .sasl.username | quote }}
{{- end }}
KUBEOPS_KAFKA_TLS: {{ .tls.enabled | quote }}
{{- end }}
{{- if include "kubeops.hasCa" (list . "kafka") }}
KUBEOPS_KAFKA_TLS_CA_FILE: {{ include "kubeops.caPath" (list "kafka") | quote }}
{{- end }}
{{- end }}
{{- range $name := list "metrics" "logs" }}
{{- $p := index $v.providers $name }}
{{- if $p.type }}
{{- $prefix := printf "KUBEOPS_%s" (upper $name) }}
{{ $prefix }}_PROVIDER: {{ $p.type | quote }}
{{ $prefix }}_URL: {{ $p.url | quote }}
{{- with $p.username }}
{{ $prefix }}_USERNAME: {{ . | quote }}
{{- end }}
{{- with $p.tenant }}
{{ $prefix }}_TENANT: {{ . | quote }}
{{- end }}
{{- if eq $p.type "elasticsearch" }}
{{ $prefix }}_INDEX: {{ $p.index | quote }}
{{- end }}
{{- if $p.tls.insecureSkipVerify }}
{{ $prefix }}_TLS_INSECURE: "true"
{{- end }}
{{- if include "kubeops.hasCa" (list $ $name) }}
{{ $prefix }}_TLS_CA_FILE: {{ include "kubeops.caPath" (list $name) | quote }}
{{- end }}
{{- end }}
{{- end }}
KUBEOPS_STORAGE_TYPE: {{ $v.storage.type | quote }}
{{- if eq $v.storage.type "local" }}
KUBEOPS_STORAGE_LOCAL_PATH: {{ $v.storage.local.path | quote }}
{{- else if eq $v.storage.type "s3" }}
{{- with $v.storage.s3 }}
KUBEOPS_STORAGE_S3_BUCKET: {{ .bucket | quote }}
KUBEOPS_STORAGE_S3_REGION: {{ .region | quote }}
KUBEOPS_STORAGE_S3_ENDPOINT: {{ .endpoint | quote }}
KUBEOPS_STORAGE_S3_FORCE_PATH_STYLE: {{ .forcePathStyle | quote }}
KUBEOPS_STORAGE_S3_PREFIX: {{ .prefix | quote }}
{{- end }}
{{- else if eq $v.storage.type "azure" }}
{{- with $v.storage.azure }}
KUBEOPS_STORAGE_AZURE_ACCOUNT: {{ .accountName | quote }}
KUBEOPS_STORAGE_AZURE_CONTAINER: {{ .container | quote }}
KUBEOPS_STORAGE_AZURE_ENDPOINT: {{ default (printf "https://%s.blob.core.windows.net" .accountName) .endpoint | quote }}
{{- end }}
{{- else if eq $v.storage.type "gcs" }}
KUBEOPS_STORAGE_GCS_BUCKET: {{ $v.storage.gcs.bucket | quote }}
KUBEOPS_STORAGE_GCS_PROJECT: {{ $v.storage.gcs.projectId | quote }}
{{- with include "kubeops.gcsCredentialsFile" . }}
GOOGLE_APPLICATION_CREDENTIALS: {{ . | quote }}
{{- end }}
{{- end }}
{{- range $name, $value := $v.app.config }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Credentials as env entries; each comes from the Secret that holds it. */}}
{{- define "kubeops.secretEnv" -}}
{{- $v := .Values -}}
{{- $k := $v.secrets.keys -}}
- name: KUBEOPS_ENCRYPTION_KEY
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" . "key" $k.encryptionKey) | nindent 4 }}
{{- if $v.postgresql.bundled.enabled }}
- name: KUBEOPS_DATABASE_PASSWORD
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" . "key" $k.databasePassword) | nindent 4 }}
{{- else if $v.postgresql.external.enabled }}
- name: KUBEOPS_DATABASE_PASSWORD
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" . "key" $k.databasePassword "optional" true "secret" $v.postgresql.external.existingSecret "secretKey" $v.postgresql.external.existingSecretPasswordKey) | nindent 4 }}
{{- end }}
{{- if $v.redis.bundled.enabled }}
- name: KUBEOPS_REDIS_PASSWORD
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" . "key" $k.redisPassword) | nindent 4 }}
{{- else if $v.redis.external.enabled }}
- name: KUBEOPS_REDIS_PASSWORD
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" . "key" $k.redisPassword "optional" true "secret" $v.redis.external.existingSecret "secretKey" $v.redis.external.existingSecretPasswordKey) | nindent 4 }}
{{- end }}
{{- if $v.nats.bundled.enabled }}
- name: KUBEOPS_NATS_PASSWORD
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" . "key" $k.natsPassword) | nindent 4 }}
{{- else if and $v.nats.external.enabled $v.nats.external.username }}
- name: KUBEOPS_NATS_PASSWORD
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" . "key" $k.natsPassword "optional" true "secret" $v.nats.external.existingSecret "secretKey" $v.nats.external.existingSecretPasswordKey) | nindent 4 }}
{{- end }}
{{- if and $v.kafka.external.enabled $v.kafka.external.sasl.mechanism }}
{{- with $v.kafka.external.sasl }}
- name: KUBEOPS_KAFKA_SASL_PASSWORD
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" $ "key" $k.kafkaPassword "optional" true "secret" .existingSecret "secretKey" .existingSecretPasswordKey) | nindent 4 }}
{{- end }}
{{- end }}
{{- range $name := list "metrics" "logs" }}
{{- $p := index $v.providers $name }}
{{- if $p.type }}
{{- $prefix := printf "KUBEOPS_%s" (upper $name) }}
- name: {{ $prefix }}_PASSWORD
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" $ "key" (index $k (printf "%sPassword" $name)) "optional" true "secret" $p.existingSecret "secretKey" $p.existingSecretPasswordKey "alwaysOptional" true) | nindent 4 }}
- name: {{ $prefix }}_BEARER_TOKEN
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" $ "key" (index $k (printf "%sToken" $name)) "optional" true "secret" $p.existingSecret "secretKey" $p.existingSecretTokenKey "alwaysOptional" true) | nindent 4 }}
{{- end }}
{{- end }}
{{- if eq $v.storage.type "s3" }}
{{- with $v.storage.s3 }}
{{- if or .existingSecret .accessKeyId }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" $ "key" $k.s3AccessKeyId "secret" .existingSecret "secretKey" .accessKeyIdKey) | nindent 4 }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" $ "key" $k.s3SecretAccessKey "secret" .existingSecret "secretKey" .secretAccessKeyKey) | nindent 4 }}
{{- end }}
{{- end }}
{{- else if eq $v.storage.type "azure" }}
{{- with $v.storage.azure }}
{{- if or .existingSecret .accountKey }}
- name: AZURE_STORAGE_KEY
  valueFrom:
    {{- include "kubeops.secretKeyRef" (dict "ctx" $ "key" $k.azureAccountKey "secret" .existingSecret "secretKey" .accountKeyKey) | nindent 4 }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Volumes of an application pod: (list $ "<component>"). */}}
{{- define "kubeops.appVolumes" -}}
{{- $ctx := index . 0 -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ $ctx.Values.pod.tmpSizeLimit }}
- name: data
{{- if include "kubeops.dataOnClaim" $ctx }}
  persistentVolumeClaim:
    claimName: {{ include "kubeops.dataClaimName" $ctx }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- range include "kubeops.caMounts" $ctx | fromJsonArray }}
- name: ca-{{ .name }}
  secret:
    secretName: {{ .secret | quote }}
    items:
      - key: {{ .key | quote }}
        path: ca.crt
{{- end }}
{{- if include "kubeops.gcsCredentialsFile" $ctx }}
- name: gcs-credentials
  secret:
    secretName: {{ default (include "kubeops.secretName" $ctx) $ctx.Values.storage.gcs.existingSecret | quote }}
    items:
      - key: {{ ternary $ctx.Values.storage.gcs.credentialsKey $ctx.Values.secrets.keys.gcsCredentials (not (empty $ctx.Values.storage.gcs.existingSecret)) | quote }}
        path: credentials.json
{{- end }}
{{- end -}}

{{- define "kubeops.appVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/kubeops
{{- range include "kubeops.caMounts" . | fromJsonArray }}
- name: ca-{{ .name }}
  mountPath: /etc/kubeops/tls/{{ .name }}
  readOnly: true
{{- end }}
{{- if include "kubeops.gcsCredentialsFile" . }}
- name: gcs-credentials
  mountPath: /etc/kubeops/gcs
  readOnly: true
{{- end }}
{{- end -}}

{{/* Everything an application container is configured with (env + envFrom). */}}
{{- define "kubeops.appEnvBlock" -}}
envFrom:
  - configMapRef:
      name: {{ include "kubeops.partName" (list . "config") }}
{{- with .Values.app.extraEnvFrom }}
{{ toYaml . | indent 2 }}
{{- end }}
env:
{{- include "kubeops.secretEnv" . | nindent 2 }}
{{- with .Values.app.extraEnv }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}
