{{/*
The application's settings, named as the server reads them: every config
leaf is KUBEOPS_<PATH_IN_SNAKE_CASE> (packages/server/src/core/config-schema.ts),
e.g. http.publicUrl <- KUBEOPS_HTTP_PUBLIC_URL, bus.natsUrl <- KUBEOPS_BUS_NATS_URL.

Non-secret settings go to the ConfigMap (kubeops.configData). Credentials are
env entries with secretKeyRef (kubeops.connectionEnv); a connection URL that
needs one is an env entry that expands $(KUBEOPS_..._PASSWORD), so the
password reaches the URL inside the container and never the ConfigMap or the
pod spec. Passwords therefore have to be URL-safe (generated ones are).
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
{{- if $v.nats.external.enabled }}{{ with $v.nats.external.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "nats" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
{{- if $v.kafka.external.enabled }}{{ with $v.kafka.external.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "kafka" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
{{- if $v.providers.metrics.type }}{{ with $v.providers.metrics.tls.caSecret }}{{ if .name }}{{ $m = append $m (dict "name" "metrics" "secret" .name "key" .key) }}{{ end }}{{ end }}{{ end -}}
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

{{/* Whether a proxy (Ingress, Gateway, APISIX, mesh) sits in front of the api, so
client addresses come from X-Forwarded-For. */}}
{{- define "kubeops.behindProxy" -}}
{{- $v := .Values -}}
{{- if or $v.ingress.enabled $v.gatewayApi.httpRoute.enabled $v.apisix.enabled $v.istio.enabled }}true{{ end -}}
{{- end -}}

{{/*
The Secret and key holding a service's password, as JSON ({} when the service
uses none): (dict "ctx" $ "bundled" <bool> "external" <external values> "key" <application Secret key>).
A bundled service always has one in the application Secret; an external one
has one when it names its own Secret or gives a password in values.
*/}}
{{- define "kubeops.passwordSource" -}}
{{- $ctx := .ctx -}}
{{- if .bundled -}}
{{- toJson (dict "name" (include "kubeops.secretName" $ctx) "key" .key) -}}
{{- else if .external.existingSecret -}}
{{- toJson (dict "name" .external.existingSecret "key" .external.existingSecretPasswordKey) -}}
{{- else if .external.password -}}
{{- toJson (dict "name" (include "kubeops.secretName" $ctx) "key" .key) -}}
{{- else -}}
{}
{{- end -}}
{{- end -}}

{{- define "kubeops.databasePassword" -}}
{{- include "kubeops.passwordSource" (dict "ctx" . "bundled" .Values.postgresql.bundled.enabled "external" .Values.postgresql.external "key" .Values.secrets.keys.databasePassword) -}}
{{- end -}}
{{- define "kubeops.natsPassword" -}}
{{- include "kubeops.passwordSource" (dict "ctx" . "bundled" .Values.nats.bundled.enabled "external" .Values.nats.external "key" .Values.secrets.keys.natsPassword) -}}
{{- end -}}
{{- define "kubeops.kafkaPassword" -}}
{{- include "kubeops.passwordSource" (dict "ctx" . "bundled" false "external" .Values.kafka.external.sasl "key" .Values.secrets.keys.kafkaPassword) -}}
{{- end -}}

{{/* An env entry from a password source: (list "<ENV NAME>" <source JSON>). */}}
{{- define "kubeops.passwordEnv" -}}
{{- $src := index . 1 | fromJson -}}
{{- if $src.name -}}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $src.name | quote }}
      key: {{ $src.key | quote }}
{{- end -}}
{{- end -}}

{{/* userinfo@ of a connection URL: (list <user> <has password> "<ENV NAME of the password>"). */}}
{{- define "kubeops.userinfo" -}}
{{- $user := index . 0 | toString | urlquery -}}
{{- if index . 1 -}}
{{- printf "%s:$(%s)@" $user (index . 2) -}}
{{- else if $user -}}
{{- printf "%s@" $user -}}
{{- end -}}
{{- end -}}

{{- define "kubeops.configData" -}}
{{- $v := .Values -}}
KUBEOPS_DATA_DIR: /var/lib/kubeops
KUBEOPS_LOG_LEVEL: {{ $v.app.logLevel | quote }}
KUBEOPS_INSPECTOR_PORT: {{ $v.app.inspectorPort | quote }}
{{- with $v.app.inspectionReportFormats }}
KUBEOPS_INSPECTOR_REPORT_FORMATS: {{ join "," . | quote }}
{{- end }}
{{- /* /metrics is not on the public api port: the api serves it (with /healthz, /readyz) here. */}}
KUBEOPS_HTTP_METRICS_PORT: "9464"
{{- with (default $v.global.domain $v.ingress.host) }}
{{- $plain := and $v.ingress.enabled (not $v.ingress.tls.enabled) }}
KUBEOPS_HTTP_PUBLIC_URL: {{ printf "%s://%s" (ternary "http" "https" $plain) . | quote }}
{{- end }}
{{- if include "kubeops.behindProxy" . }}
KUBEOPS_HTTP_TRUST_PROXY: {{ $v.app.trustProxy | toString | quote }}
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
{{- if include "kubeops.hasCa" (list . "nats") }}
KUBEOPS_BUS_NATS_TLS_CA_FILE: {{ include "kubeops.caPath" (list "nats") | quote }}
{{- end }}
{{- /* Both metrics types speak the Prometheus HTTP API: the type only says one is configured. */}}
{{- with $v.providers.metrics }}
{{- if .type }}
KUBEOPS_METRICS_URL: {{ .url | quote }}
{{- with .username }}
KUBEOPS_METRICS_USERNAME: {{ . | quote }}
{{- end }}
{{- if .tls.insecureSkipVerify }}
KUBEOPS_METRICS_INSECURE_SKIP_TLS_VERIFY: "true"
{{- end }}
{{- if include "kubeops.hasCa" (list $ "metrics") }}
KUBEOPS_METRICS_CA_FILE: {{ include "kubeops.caPath" (list "metrics") | quote }}
{{- end }}
{{- end }}
{{- end }}
KUBEOPS_STORAGE_TYPE: {{ $v.storage.type | quote }}
{{- if eq $v.storage.type "local" }}
KUBEOPS_STORAGE_LOCAL_PATH: {{ $v.storage.local.path | quote }}
{{- else if eq $v.storage.type "s3" }}
{{- with $v.storage.s3 }}
KUBEOPS_STORAGE_S3_BUCKET: {{ .bucket | quote }}
{{- with .region }}
KUBEOPS_STORAGE_S3_REGION: {{ . | quote }}
{{- end }}
{{- with .endpoint }}
KUBEOPS_STORAGE_S3_ENDPOINT: {{ . | quote }}
{{- end }}
{{- if .forcePathStyle }}
KUBEOPS_STORAGE_S3_FORCE_PATH_STYLE: "true"
{{- end }}
{{- with .prefix }}
KUBEOPS_STORAGE_S3_PREFIX: {{ . | quote }}
{{- end }}
{{- end }}
{{- else if eq $v.storage.type "azure" }}
{{- with $v.storage.azure }}
KUBEOPS_STORAGE_AZURE_ACCOUNT: {{ .accountName | quote }}
KUBEOPS_STORAGE_AZURE_CONTAINER: {{ .container | quote }}
KUBEOPS_STORAGE_AZURE_ENDPOINT: {{ default (printf "https://%s.blob.core.windows.net" .accountName) .endpoint | quote }}
{{- with .prefix }}
KUBEOPS_STORAGE_AZURE_PREFIX: {{ . | quote }}
{{- end }}
{{- end }}
{{- else if eq $v.storage.type "gcs" }}
KUBEOPS_STORAGE_GCS_BUCKET: {{ $v.storage.gcs.bucket | quote }}
{{- with $v.storage.gcs.projectId }}
KUBEOPS_STORAGE_GCS_PROJECT: {{ . | quote }}
{{- end }}
{{- with $v.storage.gcs.prefix }}
KUBEOPS_STORAGE_GCS_PREFIX: {{ . | quote }}
{{- end }}
{{- with include "kubeops.gcsCredentialsFile" . }}
GOOGLE_APPLICATION_CREDENTIALS: {{ . | quote }}
{{- end }}
{{- end }}
{{- with $v.backup.schedule }}
KUBEOPS_BACKUP_SCHEDULE: {{ . | quote }}
KUBEOPS_BACKUP_TIMEZONE: {{ $v.backup.timezone | quote }}
KUBEOPS_BACKUP_KEEP: {{ $v.backup.keep | quote }}
{{- end }}
{{- range $name, $value := $v.app.config }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/*
Credentials, and the connection URLs built from them. Order matters: an
entry can only expand variables defined before it.
*/}}
{{- define "kubeops.connectionEnv" -}}
{{- $v := .Values -}}
{{- $k := $v.secrets.keys -}}
{{- $app := include "kubeops.secretName" . -}}
- name: KUBEOPS_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $app | quote }}
      key: {{ $k.encryptionKey | quote }}
{{- /* Optional: absent keys leave the first-run setup and local sign-in to the console. */}}
- name: KUBEOPS_AUTH_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $app | quote }}
      key: {{ $k.adminPassword | quote }}
      optional: true
- name: KUBEOPS_OIDC_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $app | quote }}
      key: {{ $k.oidcClientSecret | quote }}
      optional: true
{{- if include "kubeops.hasPostgres" . }}
{{- $pw := include "kubeops.databasePassword" . }}
{{- with include "kubeops.passwordEnv" (list "KUBEOPS_DATABASE_PASSWORD" $pw) }}
{{ . }}
{{- end }}
{{- $query := "" }}
{{- if $v.postgresql.bundled.enabled }}
{{- $b := $v.postgresql.bundled }}
- name: KUBEOPS_DATABASE_URL
  value: {{ printf "postgresql://%s%s:5432/%s?sslmode=disable" (include "kubeops.userinfo" (list $b.username true "KUBEOPS_DATABASE_PASSWORD")) (include "kubeops.partName" (list . "postgresql")) ($b.database | urlquery) | quote }}
{{- else }}
{{- $e := $v.postgresql.external }}
{{- /* libpq's meaning of each mode: node-postgres otherwise verifies the
certificate for prefer, require and verify-ca too, so `require` against a
private CA (most managed databases) would refuse to connect. */}}
{{- $query = printf "sslmode=%s&uselibpqcompat=true" $e.tls.mode }}
{{- if include "kubeops.hasCa" (list . "postgresql") }}
{{- $query = printf "%s&sslrootcert=%s" $query (include "kubeops.caPath" (list "postgresql")) }}
{{- end }}
- name: KUBEOPS_DATABASE_URL
  value: {{ printf "postgresql://%s%s:%v/%s?%s" (include "kubeops.userinfo" (list $e.username (ne $pw "{}") "KUBEOPS_DATABASE_PASSWORD")) $e.host $e.port ($e.database | urlquery) $query | quote }}
{{- end }}
{{- end }}
{{- if include "kubeops.hasNats" . }}
{{- $pw := include "kubeops.natsPassword" . }}
{{- with include "kubeops.passwordEnv" (list "KUBEOPS_NATS_PASSWORD" $pw) }}
{{ . }}
{{- end }}
- name: KUBEOPS_BUS_NATS_URL
{{- if $v.nats.bundled.enabled }}
  value: {{ printf "nats://%s%s:4222" (include "kubeops.userinfo" (list $v.nats.bundled.username true "KUBEOPS_NATS_PASSWORD")) (include "kubeops.partName" (list . "nats")) | quote }}
{{- else }}
{{- $e := $v.nats.external }}
  value: {{ printf "%s://%s%s:%v" (ternary "tls" "nats" $e.tls.enabled) (include "kubeops.userinfo" (list $e.username (ne $pw "{}") "KUBEOPS_NATS_PASSWORD")) $e.host $e.port | quote }}
{{- end }}
{{- end }}
{{- if $v.kafka.external.enabled }}
{{- with include "kubeops.passwordEnv" (list "KUBEOPS_KAFKA_SASL_PASSWORD" (include "kubeops.kafkaPassword" .)) }}
{{ . }}
{{- end }}
{{- end }}
{{- with $p := $v.providers.metrics }}
{{- if $p.type }}
{{- $prefix := "KUBEOPS_METRICS" }}
{{- /* With the user's Secret either credential may be the one it holds. */}}
{{- if or $p.existingSecret $p.password }}
- name: {{ $prefix }}_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default $app $p.existingSecret | quote }}
      key: {{ ternary $p.existingSecretPasswordKey $k.metricsPassword (not (empty $p.existingSecret)) | quote }}
      {{- if $p.existingSecret }}
      optional: true
      {{- end }}
{{- end }}
{{- if or $p.existingSecret $p.bearerToken }}
- name: {{ $prefix }}_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ default $app $p.existingSecret | quote }}
      key: {{ ternary $p.existingSecretTokenKey $k.metricsToken (not (empty $p.existingSecret)) | quote }}
      {{- if $p.existingSecret }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq $v.storage.type "s3" }}
{{- with $v.storage.s3 }}
{{- if or .existingSecret .accessKeyId }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ default $app .existingSecret | quote }}
      key: {{ ternary .accessKeyIdKey $k.s3AccessKeyId (not (empty .existingSecret)) | quote }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default $app .existingSecret | quote }}
      key: {{ ternary .secretAccessKeyKey $k.s3SecretAccessKey (not (empty .existingSecret)) | quote }}
{{- end }}
{{- end }}
{{- else if eq $v.storage.type "azure" }}
{{- with $v.storage.azure }}
{{- if or .existingSecret .accountKey }}
- name: AZURE_STORAGE_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default $app .existingSecret | quote }}
      key: {{ ternary .accountKeyKey $k.azureAccountKey (not (empty .existingSecret)) | quote }}
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
{{- include "kubeops.caVolumes" $ctx }}
{{- if include "kubeops.gcsCredentialsFile" $ctx }}
- name: gcs-credentials
  secret:
    secretName: {{ default (include "kubeops.secretName" $ctx) $ctx.Values.storage.gcs.existingSecret | quote }}
    items:
      - key: {{ ternary $ctx.Values.storage.gcs.credentialsKey $ctx.Values.secrets.keys.gcsCredentials (not (empty $ctx.Values.storage.gcs.existingSecret)) | quote }}
        path: credentials.json
{{- end }}
{{- end -}}

{{/* CA certificate volumes (application pods and the migrations Job). */}}
{{- define "kubeops.caVolumes" -}}
{{- range include "kubeops.caMounts" . | fromJsonArray }}
- name: ca-{{ .name }}
  secret:
    secretName: {{ .secret | quote }}
    items:
      - key: {{ .key | quote }}
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "kubeops.caVolumeMounts" -}}
{{- range include "kubeops.caMounts" . | fromJsonArray }}
- name: ca-{{ .name }}
  mountPath: /etc/kubeops/tls/{{ .name }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "kubeops.appVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/kubeops
{{- include "kubeops.caVolumeMounts" . }}
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
{{- include "kubeops.connectionEnv" . | nindent 2 }}
{{- with .Values.app.extraEnv }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}
