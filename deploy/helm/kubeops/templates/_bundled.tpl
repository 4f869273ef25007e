{{/* Shared pod settings of the bundled services: (list $ "<name>" <uid>). */}}
{{- define "kubeops.bundledPodSpec" -}}
{{- $ctx := index . 0 -}}
{{- $uid := index . 2 -}}
{{- /* Bundled services never call the Kubernetes API. */ -}}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with include "kubeops.imagePullSecrets" $ctx }}
{{ . }}
{{- end }}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ $uid }}
  runAsGroup: {{ $uid }}
  fsGroup: {{ $uid }}
  fsGroupChangePolicy: OnRootMismatch
  seccompProfile:
    type: RuntimeDefault
{{- with $ctx.Values.pod.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $ctx.Values.pod.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The volume claim template of a bundled service: (list $ <persistence values>). */}}
{{- define "kubeops.bundledClaim" -}}
{{- $ctx := index . 0 -}}
{{- $p := index . 1 -}}
volumeClaimTemplates:
  - metadata:
      name: data
      labels:
        {{- include "kubeops.selectorLabels" $ctx | nindent 8 }}
    spec:
      accessModes: [ReadWriteOnce]
      {{- with include "kubeops.storageClass" (list $ctx $p.storageClass) }}
      {{- . | nindent 6 }}
      {{- end }}
      resources:
        requests:
          storage: {{ $p.size }}
{{- end -}}

{{/* A headless-free ClusterIP Service for a bundled service: (list $ "<name>" <port>). */}}
{{- define "kubeops.bundledService" -}}
{{- $ctx := index . 0 -}}
{{- $name := index . 1 -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "kubeops.partName" (list $ctx $name) }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "kubeops.componentLabels" (list $ctx $name) | nindent 4 }}
  annotations:
    argocd.argoproj.io/sync-wave: "-2"
spec:
  type: ClusterIP
  selector:
    {{- include "kubeops.componentSelector" (list $ctx $name) | nindent 4 }}
  ports:
    - name: {{ $name }}
      port: {{ index . 2 }}
      targetPort: {{ $name }}
      protocol: TCP
{{- end -}}

{{/* Egress rules from the application to the bundled services it uses. */}}
{{- define "kubeops.bundledEgress" -}}
{{- range $svc := list (list "postgresql" 5432) (list "nats" 4222) }}
{{- if (index $.Values (index $svc 0)).bundled.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "kubeops.componentSelector" (list $ (index $svc 0)) | nindent 10 }}
  ports:
    - port: {{ index $svc 1 }}
      protocol: TCP
{{- end }}
{{- end }}
{{- end -}}
