{{/*
Secret values the chart provider writes into the application Secret, as JSON:
{ "<key name>": { "value": "...", "required": bool, "field": "<values path>",
                  "generate": "key" (base64 of 32 random bytes) | "password" (URL-safe) } }.
A required entry must end up with a value: given in values, found in the
Secret that already exists (lookup), or generated when secrets.autoGenerate is
on. Optional entries are written only when a value is given. The same list
drives secret.yaml and the validation, so the two never disagree.
*/}}
{{- define "kubeops.chartSecretEntries" -}}
{{- $v := .Values -}}
{{- $k := $v.secrets.keys -}}
{{- $e := dict -}}
{{- $_ := set $e $k.encryptionKey (dict "value" $v.secrets.encryptionKey "required" true "field" "secrets.encryptionKey" "generate" "key") -}}
{{- $_ := set $e $k.adminPassword (dict "value" $v.secrets.adminPassword "required" false) -}}
{{- $_ := set $e $k.oidcClientSecret (dict "value" $v.secrets.oidcClientSecret "required" false) -}}
{{- if $v.postgresql.bundled.enabled -}}
{{- $_ := set $e $k.databasePassword (dict "value" $v.postgresql.bundled.password "required" true "field" "postgresql.bundled.password" "generate" "password") -}}
{{- else if and $v.postgresql.external.enabled (not $v.postgresql.external.existingSecret) -}}
{{- $_ := set $e $k.databasePassword (dict "value" $v.postgresql.external.password "required" false) -}}
{{- end -}}
{{- if $v.nats.bundled.enabled -}}
{{- $_ := set $e $k.natsPassword (dict "value" $v.nats.bundled.password "required" true "field" "nats.bundled.password" "generate" "password") -}}
{{- else if and $v.nats.external.enabled (not $v.nats.external.existingSecret) -}}
{{- $_ := set $e $k.natsPassword (dict "value" $v.nats.external.password "required" false) -}}
{{- end -}}
{{- if and $v.kafka.external.enabled (not $v.kafka.external.sasl.existingSecret) -}}
{{- $_ := set $e $k.kafkaPassword (dict "value" $v.kafka.external.sasl.password "required" false) -}}
{{- end -}}
{{- with $v.providers.metrics -}}
{{- if and .type (not .existingSecret) -}}
{{- $_ := set $e $k.metricsPassword (dict "value" .password "required" false) -}}
{{- $_ := set $e $k.metricsToken (dict "value" .bearerToken "required" false) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $v.storage.type "s3") (not $v.storage.s3.existingSecret) -}}
{{- $_ := set $e $k.s3AccessKeyId (dict "value" $v.storage.s3.accessKeyId "required" false) -}}
{{- $_ := set $e $k.s3SecretAccessKey (dict "value" $v.storage.s3.secretAccessKey "required" false) -}}
{{- else if and (eq $v.storage.type "azure") (not $v.storage.azure.existingSecret) -}}
{{- $_ := set $e $k.azureAccountKey (dict "value" $v.storage.azure.accountKey "required" false) -}}
{{- else if and (eq $v.storage.type "gcs") (not $v.storage.gcs.existingSecret) -}}
{{- $_ := set $e $k.gcsCredentials (dict "value" $v.storage.gcs.credentialsJson "required" false) -}}
{{- end -}}
{{- toJson $e -}}
{{- end -}}

{{/* The data of the application Secret as it exists in the cluster (empty under helm template and Argo CD). */}}
{{- define "kubeops.existingSecretData" -}}
{{- $found := lookup "v1" "Secret" .Release.Namespace (include "kubeops.secretName" .) -}}
{{- toJson (default (dict) (dig "data" (dict) $found)) -}}
{{- end -}}

{{/* Required chart-provider keys that would have no value: a JSON list of {key, field}. */}}
{{- define "kubeops.missingSecretKeys" -}}
{{- $existing := include "kubeops.existingSecretData" . | fromJson -}}
{{- $missing := list -}}
{{- range $key, $entry := include "kubeops.chartSecretEntries" . | fromJson -}}
{{- if and $entry.required (not $entry.value) (not (hasKey $existing $key)) (not $.Values.secrets.autoGenerate) -}}
{{- $missing = append $missing (dict "key" $key "field" $entry.field) -}}
{{- end -}}
{{- end -}}
{{- toJson $missing -}}
{{- end -}}

{{/* A secretKeyRef into the application Secret: (list $ "<key>"). */}}
{{- define "kubeops.appSecretKeyRef" -}}
secretKeyRef:
  name: {{ include "kubeops.secretName" (index . 0) | quote }}
  key: {{ index . 1 | quote }}
{{- end -}}
