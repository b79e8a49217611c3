{{- define "service-lib.pdb" -}}
{{- if .Values.podDisruptionBudget.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "service-lib.fullname" . }}
  labels:
    {{- include "service-lib.labels" . | nindent 4 }}
spec:
  # maxUnavailable (not minAvailable) so that a one-replica staging release never blocks a
  # node drain.
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "service-lib.serverSelectorLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}
