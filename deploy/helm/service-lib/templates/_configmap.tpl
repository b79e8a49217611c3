{{/* Non-secret settings only: the values schema rejects credentials here (secretEnv holds those). */}}
{{- define "service-lib.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "service-lib.fullname" . }}
  labels:
    {{- include "service-lib.labels" . | nindent 4 }}
data:
  PORT: {{ .Values.port | quote }}
  {{- range $name, $value := .Values.config }}
  {{ $name }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}
