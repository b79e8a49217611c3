{{/*
Names and labels. Every service chart calls these through the resource templates below, so
all three services are labelled the same way and NetworkPolicies can select them by name.
*/}}

{{- define "service-lib.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "service-lib.fullname" -}}
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

{{/* Labels that select this release's pods (Deployment, Service, PDB, HPA, NetworkPolicy). */}}
{{- define "service-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "service-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector of the long-running server pods only (not the migration Job's pods). */}}
{{- define "service-lib.serverSelectorLabels" -}}
{{ include "service-lib.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "service-lib.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "service-lib.selectorLabels" . }}
app.kubernetes.io/part-of: flightres
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "service-lib.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "service-lib.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "service-lib.image" -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}

{{/*
Environment of every container: non-secret settings come from the ConfigMap (envFrom), the
credential-bearing ones from the existing Secret, one key each. PEX_ROOT points into the
writable /tmp because the root filesystem is read-only.
*/}}
{{- define "service-lib.env" -}}
- name: PEX_ROOT
  value: /tmp/.pex
{{- range $name, $key := .Values.secretEnv.keys }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ required "secretEnv.existingSecret is required: create the Secret out of band (docs/deploy.md)" $.Values.secretEnv.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end -}}

{{/* Inline form of the ConfigMap's settings, for hook Jobs that run before the ConfigMap exists. */}}
{{- define "service-lib.configEnv" -}}
{{- range $name, $value := .Values.config }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "service-lib.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "service-lib.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "service-lib.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}
